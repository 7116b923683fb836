// Runs ModelStore::tidy() in the background every `interval` while a server runs, so that unused
// blobs and abandoned temporary files go after their grace period without a restart.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "store/model_store.h"

namespace slimllm {

class StoreJanitor {
 public:
  StoreJanitor(ModelStore& store, std::chrono::seconds interval);
  ~StoreJanitor();
  StoreJanitor(const StoreJanitor&) = delete;
  StoreJanitor& operator=(const StoreJanitor&) = delete;

  // A quarter of the grace period, between 10 s and 10 min.
  static std::chrono::seconds interval_for(const StorePolicy& policy);

 private:
  void run();

  ModelStore& store_;
  std::chrono::seconds interval_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace slimllm
