#include "store/store_janitor.h"

#include <algorithm>

#include "base/error.h"
#include "base/log.h"

namespace slimllm {

StoreJanitor::StoreJanitor(ModelStore& store, std::chrono::seconds interval)
    : store_(store), interval_(interval), thread_([this] { run(); }) {}

StoreJanitor::~StoreJanitor() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

std::chrono::seconds StoreJanitor::interval_for(const StorePolicy& policy) {
  return std::clamp(policy.blob_grace / 4, std::chrono::seconds(10), std::chrono::seconds(600));
}

void StoreJanitor::run() {
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, interval_, [this] { return stop_; })) {
    lock.unlock();
    try {
      store_.tidy();
    } catch (const std::exception& e) {
      log_warn("store clean-up failed; retrying later", {{"error", e.what()}});
    }
    lock.lock();
  }
}

}  // namespace slimllm
