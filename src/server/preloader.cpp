#include "server/preloader.h"

#include <algorithm>
#include <cstdlib>

#include "base/clock.h"
#include "base/log.h"
#include "server/metrics.h"
#include "server/model_support.h"
#include "server/served_model.h"
#include "store/pull.h"

namespace slimllm {

void Preloader::start() {
  if (ctx_.config.preload.empty() || thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { run(); });
}

void Preloader::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool Preloader::wait(int seconds) {
  std::unique_lock lock(mutex_);
  return !wake_.wait_for(lock, std::chrono::seconds(seconds), [&] { return stopping_.load(); });
}

void Preloader::run() {
  for (const std::string& text : ctx_.config.preload) {
    if (stopping_) return;
    const std::optional<ModelName> name = ModelName::parse(text);
    if (name) preload(*name);  // ServerConfig::from_env refused invalid names already
  }
}

void Preloader::preload(const ModelName& name) {
  const std::string label = name.display();
  int backoff = 5;
  while (!ctx_.store.find(name)) {
    if (stopping_) return;
    log_info("pulling preload model", {{"model", label}});
    try {
      PullOptions options;
      const char* insecure = std::getenv("SLIMLLM_PRELOAD_INSECURE");
      options.registry.insecure = insecure != nullptr && std::string(insecure) == "1";
      options.cancel = &stopping_;
      options.check_model = check_model_supported;
      Metrics& metrics = ctx_.metrics;
      options.on_bytes = [&metrics, label](uint64_t bytes) {
        metrics.add_pull_bytes(label, bytes);
      };
      const int64_t start = now_ns();
      pull_model(ctx_.store, name, options);
      log_info("preload model pulled",
               {{"model", label}, {"duration", static_cast<double>(now_ns() - start) / 1e9}});
    } catch (const Error& e) {
      if (stopping_) return;
      log_error("preload pull failed; the server stays unready and retries",
                {{"model", label}, {"error", e.what()}, {"retry_in_seconds", backoff}});
      if (!wait(backoff)) return;
      backoff = std::min(backoff * 2, 300);
    }
  }
  // Load it once so the first request does not wait for it (kept for the default keep_alive).
  try {
    const std::optional<ServedModel> model = find_served_model(ctx_, label);
    if (!model) return;
    const Options options = model->options(ctx_.config.context_length, nlohmann::json::object());
    ctx_.scheduler.acquire(model->spec(), load_options(options), std::nullopt,
                           [this] { return stopping_.load(); });
  } catch (const Error& e) {
    log_error("preload model could not be loaded", {{"model", label}, {"error", e.what()}});
  }
}

}  // namespace slimllm
