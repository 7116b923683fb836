// slimllm's HTTP server: Ollama's native API on cpp-httplib. Routes parse the request, call the
// store or the scheduler, and answer or stream NDJSON; middleware adds CORS, the host-header
// guard and gin-style access lines.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "api/host.h"
#include "engine/scheduler.h"
#include "server/prompt_renderer.h"
#include "store/create.h"
#include "store/model_store.h"

namespace slimllm {

// The Ollama version this server answers /api/version with: clients compare against it.
inline constexpr const char* kOllamaCompatVersion = "0.13.5";

struct ServerConfig {
  HostAddress address;
  std::vector<std::string> origins;  // OLLAMA_ORIGINS, added to the defaults
  int context_length = 4096;         // OLLAMA_CONTEXT_LENGTH: the default num_ctx
  bool access_log = true;            // gin-style lines on stdout

  static ServerConfig from_env();
};

// Everything a route needs.
struct ServerContext {
  ServerConfig config;
  ModelStore& store;
  Scheduler& scheduler;
  std::shared_ptr<PromptRenderer> renderer;
  TemplateDetector detect_template;
};

class Server {
 public:
  Server(ServerConfig config, ModelStore& store, Scheduler& scheduler,
         std::shared_ptr<PromptRenderer> renderer, TemplateDetector detect_template = {});
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds the configured address (port 0: any free port) and returns the port. Throws Error
  // when the address cannot be bound.
  int bind();
  // Serves until stop(); binds first if needed.
  void listen();
  // bind() + listen() on a background thread.
  void start();
  void stop();
  int port() const { return port_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
};

}  // namespace slimllm
