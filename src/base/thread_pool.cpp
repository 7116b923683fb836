#include "base/thread_pool.h"

#include <algorithm>
#include <system_error>

#include "base/error.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace slimllm {
namespace {

// A few tens of microseconds to a millisecond of polling (PAUSE takes 10-140 cycles depending
// on the core) before sleeping.
constexpr int kSpinIterations = 20000;

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

inline uint32_t generation_of(uint64_t state) {
  return static_cast<uint32_t>(state >> 32);
}

}  // namespace

ThreadPool::ThreadPool(int threads) : threads_(threads < 1 ? 1 : threads) {
  workers_.reserve(threads_ - 1);
  try {
    for (int i = 1; i < threads_; ++i) workers_.emplace_back([this, i] { worker(i); });
  } catch (const std::system_error& e) {
    // Joinable threads left in the vector would end the process in std::terminate.
    const size_t started = workers_.size();
    stop_workers();
    fail("cannot start thread ", started + 2, " of ", threads_, " for the computation (", e.what(),
         "); the process or its container is out of threads or memory, lower "
         "num_thread or raise the pids limit");
  }
}

ThreadPool::~ThreadPool() {
  stop_workers();
}

void ThreadPool::stop_workers() {
  {
    std::lock_guard lock(run_mutex_);
    stopping_.store(true, std::memory_order_release);
    state_.store(static_cast<uint64_t>(++generation_) << 32, std::memory_order_release);
  }
  state_.notify_all();
  for (std::thread& t : workers_) t.join();
}

void ThreadPool::worker(int index) {
  uint32_t seen = 0;
  while (true) {
    uint64_t state = state_.load(std::memory_order_acquire);
    for (int spin = 0; generation_of(state) == seen && spin < kSpinIterations; ++spin) {
      cpu_relax();
      state = state_.load(std::memory_order_acquire);
    }
    while (generation_of(state) == seen) {
      state_.wait(state, std::memory_order_acquire);
      state = state_.load(std::memory_order_acquire);
    }
    seen = generation_of(state);
    if (stopping_.load(std::memory_order_acquire)) return;
    // Join unless the caller has closed this job (or already started another one).
    bool joined = false;
    while ((state & kClosed) == 0 && generation_of(state) == seen) {
      if (state_.compare_exchange_weak(state, state + 1, std::memory_order_acq_rel,
                                       std::memory_order_acquire)) {
        joined = true;
        break;
      }
    }
    if (!joined) continue;
    job_(index, threads_);
    finished_.fetch_add(1, std::memory_order_acq_rel);
    finished_.notify_one();
  }
}

void ThreadPool::start_job(FunctionRef<void(int, int)> fn) {
  job_ = fn;
  finished_.store(0, std::memory_order_relaxed);
  state_.store(static_cast<uint64_t>(++generation_) << 32, std::memory_order_release);
  state_.notify_all();
}

void ThreadPool::wait_finished(uint32_t count) {
  uint32_t done = finished_.load(std::memory_order_acquire);
  for (int spin = 0; done != count && spin < kSpinIterations; ++spin) {
    cpu_relax();
    done = finished_.load(std::memory_order_acquire);
  }
  while (done != count) {
    finished_.wait(done, std::memory_order_acquire);
    done = finished_.load(std::memory_order_acquire);
  }
}

void ThreadPool::run(FunctionRef<void(int, int)> fn) {
  if (threads_ == 1) {
    fn(0, 1);
    return;
  }
  std::lock_guard lock(run_mutex_);
  start_job(fn);
  fn(0, threads_);
  // Never closed: every worker joins this generation when it wakes (the next job cannot start
  // before all of them have finished this one).
  wait_finished(static_cast<uint32_t>(threads_ - 1));
}

void ThreadPool::run_dynamic(FunctionRef<void(int, int)> fn) {
  if (threads_ == 1) {
    fn(0, 1);
    return;
  }
  std::lock_guard lock(run_mutex_);
  start_job(fn);
  fn(0, threads_);
  const uint64_t state = state_.fetch_or(kClosed, std::memory_order_acq_rel);
  wait_finished(static_cast<uint32_t>(state & kCountMask));
}

void ThreadPool::parallel_for(int64_t n, FunctionRef<void(int64_t, int64_t)> fn, int64_t grain) {
  if (n <= 0) return;
  if (grain < 1) grain = 1;
  const int64_t units = (n + grain - 1) / grain;
  // About four chunks per thread: a late or preempted thread costs at most a chunk.
  const int64_t chunk_units = std::max<int64_t>(1, units / (4 * threads_));
  const int64_t chunk = chunk_units * grain;
  std::atomic<int64_t> next{0};
  run_dynamic([&](int, int) {
    while (true) {
      const int64_t begin = next.fetch_add(chunk, std::memory_order_relaxed);
      if (begin >= n) break;
      fn(begin, std::min(n, begin + chunk));
    }
  });
}

}  // namespace slimllm
