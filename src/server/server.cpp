#include "server/server.h"

#include "http/message.h"

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
  if (const char* v = std::getenv("SLIMLLM_MAX_REQUEST_BODY")) {
    c.max_request_body = parse_byte_size("SLIMLLM_MAX_REQUEST_BODY", v);
    if (c.max_request_body == 0) fail("SLIMLLM_MAX_REQUEST_BODY must be more than 0");
  }
  if (const char* v = std::getenv("SLIMLLM_MAX_UPLOAD")) {
    c.max_upload = parse_byte_size("SLIMLLM_MAX_UPLOAD", v);
  }
  if (const char* v = std::getenv("SLIMLLM_HTTP_WORKERS")) {
    const uint64_t n = parse_byte_size("SLIMLLM_HTTP_WORKERS", v);
    if (n < 1 || n > 100000) fail("SLIMLLM_HTTP_WORKERS: ", v, " is out of range (1 to 100000)");
    c.http_workers = static_cast<size_t>(n);
  }
  if (const char* v = std::getenv("SLIMLLM_TLS_CERT")) c.tls_cert = str_trim(v);
  if (const char* v = std::getenv("SLIMLLM_TLS_KEY")) c.tls_key = str_trim(v);
  if (c.tls_cert.empty() != c.tls_key.empty()) {
    fail("TLS needs both SLIMLLM_TLS_CERT and SLIMLLM_TLS_KEY (only one is set)");
  }
  c.audit = AuditLog::from_env();
  return c;
}

uint64_t parse_byte_size(std::string_view setting, std::string_view text) {
  std::string t = str_lower(std::string(str_trim(text)));
  size_t digits = 0;
  while (digits < t.size() && t[digits] >= '0' && t[digits] <= '9') ++digits;
  if (digits == 0 || digits > 15) {
    fail(setting, ": \"", text, "\" is not a size; give bytes or a size like 32MiB or 2GB");
  }
  const uint64_t number = std::stoull(t.substr(0, digits));
  const std::string unit(str_trim(std::string_view(t).substr(digits)));
  static const std::pair<const char*, uint64_t> kUnits[] = {
      {"", 1},          {"b", 1},          {"k", 1000},        {"kb", 1000},
      {"kib", 1ull << 10}, {"m", 1000000},  {"mb", 1000000},    {"mib", 1ull << 20},
      {"g", 1000000000ull}, {"gb", 1000000000ull}, {"gib", 1ull << 30},
      {"t", 1000000000000ull}, {"tb", 1000000000000ull}, {"tib", 1ull << 40}};
  for (const auto& [name, scale] : kUnits) {
    if (unit == name) return number * scale;
  }
  fail(setting, ": unknown unit \"", unit, "\" in \"", text, "\" (use B, KB, KiB, MB, MiB, GB, GiB)");
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
  std::optional<http::Server> http;
  std::optional<RouteTable> routes;
  std::thread thread;
};

Server::Server(ServerConfig config, ModelStore& store, Scheduler& scheduler,
               std::shared_ptr<PromptRenderer> renderer, TemplateDetector detect_template)
    : impl_(std::make_unique<Impl>(std::move(config), store, scheduler, std::move(renderer),
                                   std::move(detect_template))) {
  if (!impl_->context.renderer) impl_->context.renderer = std::make_shared<PlainPromptRenderer>();
  const ServerConfig& cfg = impl_->context.config;
  http::Options options;
  options.max_body = cfg.max_request_body;
  options.max_upload = cfg.max_upload;
  options.max_workers = cfg.http_workers;
  options.tls_cert = cfg.tls_cert;
  options.tls_key = cfg.tls_key;
  http::Server& http = impl_->http.emplace(options);
  // Probes and metrics answer on the I/O thread: never behind busy workers or slow clients.
  for (const char* path : {"/health", "/ready", "/metrics"}) http.answer_inline(path);
  Metrics& metrics = impl_->metrics;
  scheduler.set_load_observer([&metrics](const std::string& model, int64_t load_ns) {
    metrics.observe_load(model, static_cast<double>(load_ns) / 1e9);
  });
  install_middleware(http, cfg, impl_->metrics, impl_->generations);
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
  if (port_ != 0) return port_;
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
  int port = 0;
  try {
    port = impl_->http->bind(a.bind_host(), a.port);
  } catch (const Error& e) {
    if (str_starts_with(e.what(), "TLS")) throw;
    if (a.port == 0) fail("cannot listen on ", a.bind_host(), ": no free port");
    fail("listen tcp ", a.listen_display(), ": bind: address already in use or not available (",
         e.what(), ")");
  }
  port_ = port;
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
  impl_->preloader.start();
  impl_->http->listen();
}

void Server::start() {
  bind();
  impl_->preloader.start();
  impl_->thread = std::thread([this] { impl_->http->listen(); });
  // Connections made before the loop runs queue in the listen backlog.
}

void Server::stop() {
  impl_->preloader.stop();
  // Idle keep-alive connections close at once; requests in progress get a moment to finish.
  impl_->http->stop(5000);
  if (impl_->thread.joinable()) impl_->thread.join();
}

}  // namespace slimllm
