// Brings the SLIMLLM_PRELOAD models into the store and into memory in the background, so a pod
// turns ready without an init container: each missing model is pulled (retrying with backoff
// while the registry is unreachable; SLIMLLM_PRELOAD_INSECURE=1 allows plain http, as
// `pull --insecure`), then loaded once. /ready stays 503 until every one is in the store.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "server/server.h"

namespace slimllm {

class Preloader {
 public:
  explicit Preloader(ServerContext& context) : ctx_(context) {}
  ~Preloader() { stop(); }
  Preloader(const Preloader&) = delete;
  Preloader& operator=(const Preloader&) = delete;

  // Starts the background work when there is anything to preload.
  void start();
  // Cancels a pull in progress (its partial download is kept) and waits for the thread.
  void stop();

 private:
  void run();
  void preload(const ModelName& name);
  // Sleeps up to `seconds`; false when stopped meanwhile.
  bool wait(int seconds);

  ServerContext& ctx_;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
};

}  // namespace slimllm
