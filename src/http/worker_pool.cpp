#include "http/worker_pool.h"

#include <algorithm>
#include <chrono>

namespace slimllm::http {

WorkerPool::WorkerPool(size_t max_threads, size_t keep_idle)
    : max_threads_(std::max<size_t>(1, max_threads)), keep_idle_(keep_idle) {}

WorkerPool::~WorkerPool() { stop(); }

void WorkerPool::submit(std::function<void()> task) {
  std::lock_guard lock(mutex_);
  tasks_.push_back(std::move(task));
  if (idle_ >= tasks_.size() || live_ >= max_threads_ || stopping_) {
    wake_.notify_one();
    return;
  }
  // Reap the threads that exited while idle.
  if (!exited_.empty()) {
    for (auto it = threads_.begin(); it != threads_.end();) {
      if (std::find(exited_.begin(), exited_.end(), it->get_id()) != exited_.end()) {
        it->join();
        it = threads_.erase(it);
      } else {
        ++it;
      }
    }
    exited_.clear();
  }
  ++live_;
  threads_.emplace_back([this] { run(); });
}

void WorkerPool::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    ++idle_;
    bool timed_out = !wake_.wait_for(lock, std::chrono::seconds(30),
                                     [&] { return stopping_ || !tasks_.empty(); });
    --idle_;
    if (tasks_.empty()) {
      if (stopping_ || (timed_out && live_ > keep_idle_)) break;
      continue;
    }
    std::function<void()> task = std::move(tasks_.front());
    tasks_.pop_front();
    ++busy_;
    lock.unlock();
    try {
      task();
    } catch (...) {
      // A handler's exceptions are answered by the layer; nothing may end the thread.
    }
    task = nullptr;
    lock.lock();
    --busy_;
  }
  --live_;
  exited_.push_back(std::this_thread::get_id());
}

void WorkerPool::stop() {
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    threads.swap(threads_);
    exited_.clear();
  }
  wake_.notify_all();
  for (std::thread& t : threads) t.join();
}

size_t WorkerPool::threads() const {
  std::lock_guard lock(mutex_);
  return live_;
}
size_t WorkerPool::busy() const {
  std::lock_guard lock(mutex_);
  return busy_;
}
size_t WorkerPool::queued() const {
  std::lock_guard lock(mutex_);
  return tasks_.size();
}

}  // namespace slimllm::http
