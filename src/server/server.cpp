#include "server/server.h"

#include <httplib.h>

#include <cstdlib>
#include <thread>

#include "api/duration.h"
#include "api/options.h"
#include "base/log.h"
#include "base/strings.h"
#include "server/middleware.h"
#include "server/routes.h"

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
  return c;
}

struct Server::Impl {
  Impl(ServerConfig config, ModelStore& store, Scheduler& scheduler,
       std::shared_ptr<PromptRenderer> renderer, TemplateDetector detect)
      : context{std::move(config), store, scheduler, std::move(renderer), std::move(detect)} {}
  ServerContext context;
  httplib::Server http;
  std::thread thread;
  bool bound = false;
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
  install_middleware(http, impl_->context.config);
  RouteTable routes(http);
  add_model_routes(routes, impl_->context);
  add_generate_routes(routes, impl_->context);
  add_transfer_routes(routes, impl_->context);
  add_operations_routes(routes, impl_->context);
  routes.finish();
}

Server::~Server() {
  stop();
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
  log_info("total unused blobs removed: 0");
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
  impl_->http.listen_after_bind();
}

void Server::start() {
  bind();
  impl_->thread = std::thread([this] { impl_->http.listen_after_bind(); });
  // stop() is a no-op until the accept loop runs, so wait for it (connections made meanwhile
  // queue in the listen backlog).
  while (!impl_->http.is_running()) std::this_thread::yield();
}

void Server::stop() {
  impl_->http.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

}  // namespace slimllm
