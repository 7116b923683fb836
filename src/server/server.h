// slimllm's HTTP server: Ollama's native API on the event-driven layer in src/http. Routes parse the request, call the
// store or the scheduler, and answer or stream NDJSON; middleware adds CORS, the host-header
// guard, gin-style access lines, request metrics and the refusal of new work while draining.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "api/host.h"
#include "engine/scheduler.h"
#include "server/api_keys.h"
#include "server/audit_log.h"
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
  // SLIMLLM_PRELOAD: models (comma-separated names) that must be in the store before /ready
  // answers 200.
  std::vector<std::string> preload;
  // SLIMLLM_SHUTDOWN_GRACE (a Go duration or plain seconds; default 25s): how long in-flight
  // generations may run on after SIGTERM.
  int64_t shutdown_grace_ns = 25LL * 1'000'000'000;
  // SLIMLLM_REGISTRY_UPLOADS=1: the registry mode also accepts pushes (blob uploads and
  // manifests). Off by default: anyone who can reach the port could write into the store.
  bool registry_uploads = false;
  // SLIMLLM_API_KEYS_FILE / SLIMLLM_API_KEY (server/api_keys.h); null or disabled: no keys.
  std::shared_ptr<ApiKeys> api_keys;
  // SLIMLLM_MAX_REQUEST_BODY: JSON bodies larger than this get 413 before they are read (a few
  // base64 images fit in the default).
  uint64_t max_request_body = 32ull << 20;
  // SLIMLLM_MAX_UPLOAD: streamed uploads (/api/blobs, registry uploads); 0, the default: no limit
  // (a GGUF of several GB must go through `ollama create`; the store has its own quota).
  uint64_t max_upload = 0;
  // SLIMLLM_HTTP_WORKERS: handler threads at most (requests waiting for a model hold one).
  size_t http_workers = 512;
  // SLIMLLM_TLS_CERT / SLIMLLM_TLS_KEY: PEM files; the port then speaks HTTPS only, and the
  // files are reloaded when they change.
  std::string tls_cert, tls_key;
  // SLIMLLM_AUDIT_LOG (server/audit_log.h); null: no audit log.
  std::shared_ptr<AuditLog> audit;

  static ServerConfig from_env();
};

// SLIMLLM_SHUTDOWN_GRACE's value: a Go duration ("25s", "1m") or plain seconds ("25", "2.5").
// Throws Error naming the variable for anything else.
int64_t parse_shutdown_grace(std::string_view text);
// A byte size ("33554432", "32MiB", "2GB"); throws Error naming `setting` for anything else.
uint64_t parse_byte_size(std::string_view setting, std::string_view text);

class Metrics;            // server/metrics.h
class GenerationTracker;  // server/generation.h

// Everything a route needs.
struct ServerContext {
  ServerConfig config;
  ModelStore& store;
  Scheduler& scheduler;
  std::shared_ptr<PromptRenderer> renderer;
  TemplateDetector detect_template;
  Metrics& metrics;
  GenerationTracker& generations;
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

  // Graceful shutdown: refuses new work and turns /ready to 503 at once, waits up to `grace_ns`
  // for in-flight generations, stops those still running (their streams end with an error line),
  // then stops serving. Returns whether every generation finished within the grace period.
  bool drain(int64_t grace_ns);
  Metrics& metrics();
  // "GET /api/tags" → the scope an API key needs, for every route (the route table's).
  const std::map<std::string, Scope>& route_scopes() const;
  GenerationTracker& generations();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
};

}  // namespace slimllm
