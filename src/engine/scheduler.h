// Owns the loaded models: loads on first use, keeps each for its keep_alive, evicts the least
// recently used idle model when OLLAMA_MAX_LOADED_MODELS or the memory budget would be exceeded,
// refuses a model that cannot fit at all, and gates each model with num_parallel slots. Requests
// that must wait queue in arrival order per model; more than max_queue waiting ⇒ "server busy".
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/error.h"
#include "engine/runner.h"

namespace slimllm {

// Sequences one model decodes at once when OLLAMA_NUM_PARALLEL is unset: they are batched into
// one forward pass per step (step_loop.h), so on a CPU pod four streams cost little more than one,
// and the KV cache is drawn from a budget of num_ctx × this many cells as sequences need it.
constexpr int kDefaultNumParallel = 4;

struct SchedulerConfig {
  int max_loaded_models = 3;
  int num_parallel = 1;
  size_t max_queue = 512;
  int64_t default_keep_alive_ns = 5LL * 60 * 1'000'000'000;  // INT64_MAX: forever
  uint64_t memory_budget = 0;                                // bytes; 0: detect

  // OLLAMA_MAX_LOADED_MODELS (0 ⇒ 3), OLLAMA_NUM_PARALLEL (kDefaultNumParallel),
  // OLLAMA_MAX_QUEUE (512);
  // keep_alive is the caller's (it parses OLLAMA_KEEP_ALIVE).
  static SchedulerConfig from_env();
};

// The cgroup memory limit when there is one, else the physical memory.
uint64_t detect_memory_budget();

class SchedulerError : public Error {
 public:
  enum class Kind { kBusy, kTooLarge, kCancelled, kLoadFailed };
  SchedulerError(Kind kind, const std::string& message) : Error(message), kind_(kind) {}
  Kind kind() const { return kind_; }
  // The HTTP status Ollama answers with: 503, 500, 499, 500.
  int status() const;

 private:
  Kind kind_;
};

struct LoadedModelInfo {
  ModelSpec spec;
  LoadOptions options;
  uint64_t memory_bytes = 0;
  int context_length = 0;
  int active = 0;
  size_t queued = 0;                // requests waiting for a slot on it
  std::optional<BatchStats> batch;  // its runner's batching counters, when it batches
  // When it unloads; time_point::max() for forever.
  std::chrono::system_clock::time_point expires_at;
};

// What one model is doing, for metrics: requests holding a slot and requests waiting.
struct ModelActivity {
  std::string name;  // ModelSpec::name
  int active = 0;
  size_t queued = 0;
  bool loaded = false;
  uint64_t memory_bytes = 0;
  std::optional<BatchStats> batch;  // its runner's batching counters, when it batches
};

class Scheduler;
struct SchedulerModel;  // a loaded (or loading) model; defined in scheduler.cpp

// A slot on a loaded model, held for one request; destroying it frees the slot.
class RunnerLease {
 public:
  RunnerLease(RunnerLease&& other) noexcept;
  RunnerLease& operator=(RunnerLease&&) = delete;
  RunnerLease(const RunnerLease&) = delete;
  ~RunnerLease();

  Runner& runner() const;
  // Time spent waiting for a slot and loading, for load_duration.
  int64_t load_duration_ns() const { return load_duration_ns_; }
  void release();

 private:
  friend class Scheduler;
  RunnerLease(Scheduler* scheduler, std::shared_ptr<SchedulerModel> model, Runner* runner,
              int64_t waited)
      : scheduler_(scheduler),
        model_(std::move(model)),
        runner_(runner),
        load_duration_ns_(waited) {}
  Scheduler* scheduler_;
  std::shared_ptr<SchedulerModel> model_;
  Runner* runner_;
  int64_t load_duration_ns_;
};

class Scheduler {
 public:
  Scheduler(SchedulerConfig config, std::shared_ptr<RunnerFactory> factory);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Blocks until the model is loaded with `options` and a slot is free. `keep_alive` (ns; nullopt:
  // the default; INT64_MAX: forever; 0: unload when this request ends) replaces the model's.
  // `cancelled` is polled while waiting. Throws SchedulerError (busy, too large, cancelled, load
  // failure).
  RunnerLease acquire(const ModelSpec& spec, LoadOptions options, std::optional<int64_t> keep_alive,
                      const std::function<bool()>& cancelled = {});
  // keep_alive 0 on a model: unloads it now if idle, else when its last request ends. Returns
  // whether it was loaded.
  bool expire(const std::string& model_path);
  void unload_all();

  std::vector<LoadedModelInfo> loaded() const;
  const SchedulerConfig& config() const { return config_; }
  // Requests waiting for a slot or a load.
  size_t queued() const;
  // Every model that is loaded or has requests waiting, by name.
  std::vector<ModelActivity> activity() const;
  // Called after each successful load with the model's name and the load's duration. Set it
  // before the first acquire(); it runs with the scheduler's lock held, so it must not call back.
  void set_load_observer(std::function<void(const std::string& model, int64_t load_ns)> observer);
  // Test hook: waits (up to `timeout`) until at least `count` requests are queued.
  bool wait_for_queued(size_t count, std::chrono::milliseconds timeout);
  // For tests: waits until at most `count` requests are waiting; false on timeout.
  bool wait_for_queued_at_most(size_t count, std::chrono::milliseconds timeout);

 private:
  friend class RunnerLease;
  void release(const std::shared_ptr<SchedulerModel>& model);
  void reap_loop();
  // Removes a model from the table; returns the runner to destroy outside the lock.
  std::unique_ptr<Runner> evict_locked(const std::string& path, const char* reason);
  uint64_t used_bytes_locked() const;

  SchedulerConfig config_;
  std::shared_ptr<RunnerFactory> factory_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::string, std::shared_ptr<SchedulerModel>> models_;  // by model path
  std::map<std::string, std::deque<uint64_t>> queues_;             // waiting tickets per model path
  std::map<std::string, std::string> names_;                       // model path → display name
  std::function<void(const std::string&, int64_t)> load_observer_;
  size_t waiting_ = 0;
  uint64_t next_ticket_ = 0;
  uint64_t use_counter_ = 0;
  bool loading_ = false;
  bool stopping_ = false;
  std::thread reaper_;
};

}  // namespace slimllm
