// A persistent pool of worker threads for the kernels. The caller's thread takes part as thread 0,
// so a pool of N runs work on N threads. Workers spin briefly for the next job (decode issues a
// hundred small jobs per token, and waking a sleeping thread costs tens of microseconds), then
// sleep. No allocation per job.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "base/function_ref.h"

namespace slimllm {

class ThreadPool {
 public:
  // `threads` is the total including the caller; values below 1 mean 1.
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return threads_; }

  // Runs fn(thread_index, thread_count) once on every thread of the pool (the caller is index 0)
  // and returns when all have finished. fn must not throw. Calls from several threads are
  // serialised.
  void run(FunctionRef<void(int thread, int threads)> fn);

  // Splits [0, n) into one contiguous range per thread and runs fn(begin, end) on each non-empty
  // range. Ranges are multiples of `grain` (except the last), so callers can keep blocks whole.
  void parallel_for(int64_t n, FunctionRef<void(int64_t begin, int64_t end)> fn, int64_t grain = 1);

 private:
  void worker(int index);

  int threads_;
  std::vector<std::thread> workers_;
  std::mutex run_mutex_;
  FunctionRef<void(int, int)> job_;
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> pending_{0};
  std::atomic<bool> stopping_{false};
};

// Runs fn over [0, n) on the pool, or on the caller when pool is null.
inline void parallel_for(ThreadPool* pool, int64_t n, FunctionRef<void(int64_t, int64_t)> fn,
                         int64_t grain = 1) {
  if (pool == nullptr || pool->size() == 1 || n <= grain) {
    if (n > 0) fn(0, n);
    return;
  }
  pool->parallel_for(n, fn, grain);
}

}  // namespace slimllm
