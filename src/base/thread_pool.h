// A persistent pool of worker threads for the kernels. The caller's thread takes part as thread 0,
// so a pool of N runs work on N threads. Workers spin briefly for the next job (decode issues a
// hundred small jobs per token, and waking a sleeping thread costs tens of microseconds), then
// sleep. No allocation per job.
//
// In a pod the pool's threads share their cores with the HTTP threads and whatever else the node
// runs, and a worker may be descheduled for milliseconds. Jobs that split their work through a
// shared counter therefore run with run_dynamic(): a worker that is not there when the job starts
// simply misses it, and the call never waits for a thread that has not begun.
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
  // `threads` is the total including the caller; values below 1 mean 1. Throws Error when a
  // thread cannot be started (the ones already started are stopped first).
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return threads_; }

  // Runs fn(thread_index, thread_count) once on every thread of the pool (the caller is index 0)
  // and returns when all have finished. fn must not throw. Calls from several threads are
  // serialised. Waits for every worker, however late: prefer run_dynamic.
  void run(FunctionRef<void(int thread, int threads)> fn);

  // Runs fn(thread_index, thread_count) on the caller and on every worker that starts before the
  // caller's own call has returned; returns when those have finished. A worker joins at most
  // once; indices are distinct among the threads that join. fn must take its work from a shared
  // counter (it cannot know who joins) and must not throw.
  void run_dynamic(FunctionRef<void(int thread, int threads)> fn);

  // Runs fn(begin, end) over chunks covering [0, n) exactly once, spread over the threads that
  // are available (run_dynamic). Chunks are multiples of `grain` (except the last), so callers
  // can keep blocks whole.
  void parallel_for(int64_t n, FunctionRef<void(int64_t begin, int64_t end)> fn, int64_t grain = 1);

 private:
  void worker(int index);
  void stop_workers();
  void start_job(FunctionRef<void(int, int)> fn);
  void wait_finished(uint32_t count);

  // state_: generation in the high 32 bits, kClosed, and the number of workers that joined.
  static constexpr uint64_t kClosed = uint64_t{1} << 31;
  static constexpr uint64_t kCountMask = kClosed - 1;

  int threads_;
  std::vector<std::thread> workers_;
  std::mutex run_mutex_;
  FunctionRef<void(int, int)> job_;
  uint32_t generation_ = 0;  // the caller's copy, under run_mutex_
  std::atomic<uint64_t> state_{0};
  std::atomic<uint32_t> finished_{0};
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
