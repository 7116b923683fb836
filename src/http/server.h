// slimllm's HTTP/1.1 server, event-driven on Boost.Asio with Boost.Beast's parser
// (docs/architecture.md, "HTTP layer"). Connections cost memory, not threads: a few I/O threads
// read request heads and bodies and write responses for every connection; route handlers run on a
// worker pool that grows on demand; handlers registered as inline (health probes) run on the I/O
// thread and so answer whatever the workers are doing. Heads have a deadline, bodies must make
// progress and have a size limit, streamed responses write through a bounded buffer.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "http/message.h"

namespace slimllm::http {

struct Options {
  // How long a kept-alive connection may wait for its next request to begin.
  int64_t idle_timeout_ms = 5 * 60 * 1000;
  // The whole request head (request line and headers), from its first byte.
  int64_t head_timeout_ms = 10 * 1000;
  // A body must make progress: each read waits at most this long.
  int64_t body_timeout_ms = 30 * 1000;
  // Each write of a response may take this long (a client that stops reading).
  int64_t write_timeout_ms = 10 * 60 * 1000;
  // Buffered (JSON) bodies; larger ones are refused with 413 before they are read.
  uint64_t max_body = 32ull << 20;
  // Streamed uploads (blobs, registry uploads); 0: no limit.
  uint64_t max_upload = 0;
  // The settings named in the 413 answers.
  std::string max_body_setting = "SLIMLLM_MAX_REQUEST_BODY";
  std::string max_upload_setting = "SLIMLLM_MAX_UPLOAD";
  size_t max_header = 64 << 10;
  // Handler threads at most (requests beyond wait for one).
  size_t max_workers = 512;
  size_t io_threads = 2;
  // How much of a streamed response may wait for a slow client before the handler blocks, and
  // how much of a streamed upload may wait for a slow handler before reading pauses.
  size_t stream_buffer = 256 << 10;
  // PEM files: when set, the server speaks HTTPS only (http/tls.h), reloading changed files.
  std::string tls_cert, tls_key;
  int64_t tls_check_interval_ms = 5000;
};

using Handler = std::function<void(const Request&, Response&)>;
using ReaderHandler = std::function<void(const Request&, Response&, const ContentReader&)>;

struct Stats {
  size_t connections = 0, workers = 0, workers_busy = 0, queued = 0;
};

class Server {
 public:
  explicit Server(Options options = {});
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Routes are full-path regular expressions, tried in registration order. HEAD runs the GET
  // route. A request no route matches gets 404.
  void route(const std::string& method, const std::string& pattern, Handler handler);
  // The body is streamed to the handler through its ContentReader (uploads): never buffered.
  void route_stream(const std::string& method, const std::string& pattern,
                    ReaderHandler handler);
  // GET/HEAD on this exact path run on the I/O thread: for cheap, non-blocking handlers only.
  void answer_inline(const std::string& path);

  // Before routing (true: answered, no handler runs); after the handler for statuses >= 400;
  // just before the response head is written; once the response is over.
  void set_pre_routing_handler(std::function<bool(const Request&, Response&)> hook);
  void set_error_handler(std::function<void(const Request&, Response&)> hook);
  void set_post_routing_handler(std::function<void(const Request&, Response&)> hook);
  void set_logger(std::function<void(const Request&, const Response&)> hook);

  // Binds and listens (backlog SOMAXCONN); port 0 picks a free port. Returns the port; throws
  // slimllm::Error when the address cannot be bound or the TLS files cannot be loaded.
  int bind(const std::string& host, int port);
  // Serves until stop() (binds first with bind()); returns at once if stop() came first.
  void listen();
  // Stops accepting, closes idle connections at once, lets requests in progress finish (at most
  // `grace_ms`, then closes them too), and waits for the handlers. Safe from any thread, also
  // before listen().
  void stop(int64_t grace_ms = 5000);
  bool is_running() const;
  Stats stats() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace slimllm::http
