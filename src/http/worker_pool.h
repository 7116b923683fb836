// The threads route handlers run on (never the I/O threads): the pool grows on demand up to a cap,
// so a request waiting in a model's queue holds a thread while it waits but never blocks an
// unrelated one; threads idle for a while exit down to a few.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace slimllm::http {

class WorkerPool {
 public:
  // At most `max_threads` at once; beyond that tasks wait in order.
  explicit WorkerPool(size_t max_threads, size_t keep_idle = 4);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void submit(std::function<void()> task);
  // Waits for queued and running tasks to finish, then joins every thread.
  void stop();

  size_t threads() const;
  size_t busy() const;
  size_t queued() const;

 private:
  void run();

  const size_t max_threads_, keep_idle_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> tasks_;
  std::vector<std::thread> threads_;
  std::vector<std::thread::id> exited_;
  size_t live_ = 0, idle_ = 0, busy_ = 0;
  bool stopping_ = false;
};

}  // namespace slimllm::http
