#include "server/server.h"

#include <httplib.h>

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <thread>

#include "api/duration.h"
#include "api/options.h"
#include "base/log.h"
#include "base/strings.h"
#include "server/generation.h"
#include "server/http_util.h"
#include "server/metrics.h"
#include "server/middleware.h"
#include "server/preloader.h"
#include "server/route_table.h"
#include "server/routes.h"
#include "store/model_name.h"

namespace slimllm {

ServerConfig ServerConfig::from_env() {
  ServerConfig c;
  c.address = host_from_env();
  if (const char* origins = std::getenv("OLLAMA_ORIGINS")) {
    for (const std::string& o : str_split(origins, ',')) {
      std::string_view t = str_trim(o);
      if (!t.empty()) c.origins.emplace_back(t);
    }
  }
  c.context_length = context_length_from_env();
  if (const char* preload = std::getenv("SLIMLLM_PRELOAD")) {
    for (const std::string& name : str_split(preload, ',')) {
      std::string_view t = str_trim(name);
      if (t.empty()) continue;
      if (!ModelName::parse(t)) fail("SLIMLLM_PRELOAD: \"", t, "\" is not a valid model name");
      c.preload.emplace_back(t);
    }
  }
  if (const char* grace = std::getenv("SLIMLLM_SHUTDOWN_GRACE")) {
    c.shutdown_grace_ns = parse_shutdown_grace(grace);
  }
  if (const char* uploads = std::getenv("SLIMLLM_REGISTRY_UPLOADS")) {
    c.registry_uploads = str_trim(uploads) == "1" || str_lower(str_trim(uploads)) == "true";
  }
  c.api_keys = ApiKeys::from_env();
  c.audit = AuditLog::from_env();
  return c;
}

int64_t parse_shutdown_grace(std::string_view text) {
  std::string t(str_trim(text));
  if (t.empty()) fail("SLIMLLM_SHUTDOWN_GRACE is empty; give a duration like \"25s\" or seconds");
  int64_t ns = 0;
  char* end = nullptr;
  double seconds = std::strtod(t.c_str(), &end);
  if (end && *end == '\0') {
    if (!(seconds >= 0) || seconds > 24.0 * 3600) {
      fail("SLIMLLM_SHUTDOWN_GRACE: ", t, " seconds is out of range (0 to 86400)");
    }
    ns = static_cast<int64_t>(seconds * 1e9);
  } else {
    try {
      ns = parse_go_duration(t);
    } catch (const Error& e) {
      fail("SLIMLLM_SHUTDOWN_GRACE: ", e.what());
    }
    if (ns < 0) fail("SLIMLLM_SHUTDOWN_GRACE: ", t, " is negative");
  }
  return ns;
}

struct Server::Impl {
  Impl(ServerConfig config, ModelStore& store, Scheduler& scheduler,
       std::shared_ptr<PromptRenderer> renderer, TemplateDetector detect)
      : context{std::move(config), store,   scheduler,  std::move(renderer),
                std::move(detect), metrics, generations} {}
  Metrics metrics;
  GenerationTracker generations;
  ServerContext context;
  Preloader preloader{context};
  httplib::Server http;
  std::optional<RouteTable> routes;
  std::thread thread;
  bool bound = false;
  // httplib's stop() does nothing until its accept loop runs, so a stop that comes first (a
  // SIGTERM right after start-up) is remembered here, and one that comes while the loop is
  // starting waits for it to run.
  std::mutex run_mutex;
  bool stop_requested = false;
  std::atomic<bool> listening{false};

  // Marks the accept loop as about to run, unless stop() came first.
  bool begin_listen() {
    std::lock_guard lock(run_mutex);
    if (stop_requested) return false;
    listening = true;
    return true;
  }
  void accept_loop() {
    http.listen_after_bind();
    listening = false;
  }
  void wait_until_running_or_ended() {
    while (listening && !http.is_running()) std::this_thread::yield();
  }
};

Server::Server(ServerConfig config, ModelStore& store, Scheduler& scheduler,
               std::shared_ptr<PromptRenderer> renderer, TemplateDetector detect_template)
    : impl_(std::make_unique<Impl>(std::move(config), store, scheduler, std::move(renderer),
                                   std::move(detect_template))) {
  if (!impl_->context.renderer) impl_->context.renderer = std::make_shared<PlainPromptRenderer>();
  httplib::Server& http = impl_->http;
  // Streams hold a thread each for their whole generation; queued requests wait in theirs.
  http.new_task_queue = [] { return new httplib::ThreadPool(64); };
  // Per read, not per request: uploads keep flowing, but a body that never comes (a PUT without
  // Content-Length) does not hold a thread for long.
  http.set_read_timeout(30);
  http.set_write_timeout(60 * 60);
  http.set_payload_max_length(std::numeric_limits<size_t>::max());
  Metrics& metrics = impl_->metrics;
  scheduler.set_load_observer([&metrics](const std::string& model, int64_t load_ns) {
    metrics.observe_load(model, static_cast<double>(load_ns) / 1e9);
  });
  install_middleware(http, impl_->context.config, impl_->metrics, impl_->generations);
  RouteTable& routes = impl_->routes.emplace(http, impl_->context.config.api_keys);
  routes.set_audit(impl_->context.config.audit);
  add_model_routes(routes, impl_->context);
  add_generate_routes(routes, impl_->context);
  add_embed_routes(routes, impl_->context);
  add_transfer_routes(routes, impl_->context);
  add_operations_routes(routes, impl_->context);
  add_openai_routes(routes, impl_->context);
  routes.finish();
  register_private_root(store.root().string());
}

Server::~Server() {
  stop();
  unregister_private_root(impl_->context.store.root().string());
  impl_->context.scheduler.set_load_observer({});
}

const std::map<std::string, Scope>& Server::route_scopes() const {
  return impl_->routes->scopes();
}

Metrics& Server::metrics() {
  return impl_->metrics;
}

GenerationTracker& Server::generations() {
  return impl_->generations;
}

bool Server::drain(int64_t grace_ns) {
  GenerationTracker& generations = impl_->generations;
  generations.start_draining();
  impl_->preloader.stop();
  log_info("draining: refusing new work, waiting for in-flight generations",
           {{"in_flight", static_cast<int64_t>(generations.in_flight())},
            {"grace", format_go_duration(grace_ns)}});
  auto deadline = std::chrono::steady_clock::now() + std::chrono::nanoseconds(grace_ns);
  bool finished = generations.wait_idle(deadline);
  if (!finished) {
    log_warn("shutdown grace period over, stopping running generations",
             {{"in_flight", static_cast<int64_t>(generations.in_flight())}});
    generations.abort();
    // They stop at their next piece; a generation still waiting for a prompt to be processed
    // may take a moment, but not forever.
    if (!generations.wait_idle(std::chrono::steady_clock::now() + std::chrono::seconds(10))) {
      log_warn("generations still running after the stop request; closing anyway");
    }
  }
  stop();
  return finished;
}

int Server::bind() {
  if (impl_->bound) return port_;
  const HostAddress& a = impl_->context.config.address;
  const SchedulerConfig& s = impl_->context.scheduler.config();
  log_info("server config",
           {{"env", str_cat("map[OLLAMA_CONTEXT_LENGTH:", impl_->context.config.context_length,
                            " OLLAMA_DEBUG:", log_enabled(LogLevel::kDebug) ? "DEBUG" : "INFO",
                            " OLLAMA_HOST:", a.url(),
                            " OLLAMA_KEEP_ALIVE:", format_go_duration(s.default_keep_alive_ns),
                            " OLLAMA_MAX_LOADED_MODELS:", s.max_loaded_models, " OLLAMA_MAX_QUEUE:",
                            s.max_queue, " OLLAMA_MODELS:", impl_->context.store.root().string(),
                            " OLLAMA_NUM_PARALLEL:", s.num_parallel, "]")}});
  log_info(str_cat("total blobs: ", impl_->context.store.count_blobs()));
  // Unused blobs go as Ollama prunes them at start-up (OLLAMA_NOPRUNE keeps them), but only once
  // unused for SLIMLLM_BLOB_GRACE: on a volume shared by replicas, a blob another replica has
  // just received for a create has no manifest yet. Temporary files of killed writers go too.
  const size_t unused = impl_->context.store.tidy();
  log_info(str_cat("total unused blobs removed: ", unused));
  int port = a.port;
  if (port == 0) {
    port = impl_->http.bind_to_any_port(a.bind_host());
    if (port < 0) fail("cannot listen on ", a.bind_host(), ": no free port");
  } else if (!impl_->http.bind_to_port(a.bind_host(), port)) {
    fail("listen tcp ", a.listen_display(), ": bind: address already in use or not available");
  }
  port_ = port;
  impl_->bound = true;
  HostAddress shown = a;
  shown.port = port;
  log_info(
      str_cat("Listening on ", shown.listen_display(), " (version ", kOllamaCompatVersion, ")"));
  log_info("inference compute",
           {{"id", "cpu"}, {"library", "cpu"}, {"total", human_bytes_binary(s.memory_budget)}});
  return port_;
}

void Server::listen() {
  bind();
  if (!impl_->begin_listen()) return;
  impl_->preloader.start();
  impl_->accept_loop();
}

void Server::start() {
  bind();
  if (!impl_->begin_listen()) return;
  impl_->preloader.start();
  impl_->thread = std::thread([this] { impl_->accept_loop(); });
  // Connections made before the loop runs queue in the listen backlog.
  impl_->wait_until_running_or_ended();
}

void Server::stop() {
  {
    std::lock_guard lock(impl_->run_mutex);
    impl_->stop_requested = true;
  }
  // After this wait no listen() can still start the preloader.
  impl_->wait_until_running_or_ended();
  impl_->preloader.stop();
  impl_->http.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

}  // namespace slimllm
