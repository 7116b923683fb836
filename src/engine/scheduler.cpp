#include "engine/scheduler.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>

#include "base/clock.h"
#include "base/log.h"
#include "base/strings.h"

namespace slimllm {

struct SchedulerModel {
  ModelSpec spec;
  LoadOptions options;
  std::unique_ptr<Runner> runner;
  uint64_t memory_bytes = 0;
  int active = 0;
  int64_t keep_alive_ns = 0;
  bool expire_when_idle = false;
  uint64_t last_used = 0;
  std::chrono::steady_clock::time_point expires;  // valid when idle and not forever
  std::chrono::system_clock::time_point expires_wall;
};

namespace {

// Whether a loaded model serves a request with these options: the same options, or options that
// differ only in num_ctx when the runner holds that context within its KV budget (so a request
// asking for another context does not reload the model).
bool serves(const SchedulerModel& m, const LoadOptions& o) {
  if (m.options == o) return true;
  LoadOptions same = m.options;
  same.num_ctx = o.num_ctx;
  return same == o && m.runner && m.runner->holds_context(o.num_ctx);
}

constexpr int64_t kForeverNs = std::numeric_limits<int64_t>::max();

int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  if (!v) return fallback;
  std::string s(str_trim(v));
  char* end = nullptr;
  long n = std::strtol(s.c_str(), &end, 10);
  if (s.empty() || *end != '\0' || n < 0 || n > 1'000'000) return fallback;
  return static_cast<int>(n);
}

uint64_t read_cgroup_limit() {
  // cgroup v2, then v1; "max" or an absurdly large v1 value means no limit.
  std::ifstream v2("/sys/fs/cgroup/memory.max");
  std::string text;
  if (v2 && std::getline(v2, text)) {
    if (text != "max") return std::strtoull(text.c_str(), nullptr, 10);
    return 0;
  }
  std::ifstream v1("/sys/fs/cgroup/memory/memory.limit_in_bytes");
  if (v1 && std::getline(v1, text)) {
    uint64_t limit = std::strtoull(text.c_str(), nullptr, 10);
    if (limit > 0 && limit < (1ULL << 60)) return limit;
  }
  return 0;
}

std::chrono::system_clock::time_point wall_after(int64_t ns) {
  auto now = std::chrono::system_clock::now();
  auto max = std::chrono::system_clock::time_point::max();
  if (ns >= (max - now).count()) return max;
  return now + std::chrono::nanoseconds(ns);
}

}  // namespace

int SchedulerError::status() const {
  switch (kind_) {
    case Kind::kBusy:
      return 503;
    case Kind::kCancelled:
      return 499;
    case Kind::kTooLarge:
    case Kind::kLoadFailed:
      return 500;
  }
  return 500;
}

SchedulerConfig SchedulerConfig::from_env() {
  SchedulerConfig c;
  int loaded = env_int("OLLAMA_MAX_LOADED_MODELS", 0);
  c.max_loaded_models = loaded > 0 ? loaded : 3;
  int parallel = env_int("OLLAMA_NUM_PARALLEL", 0);
  c.num_parallel = parallel > 0 ? parallel : kDefaultNumParallel;
  c.max_queue = static_cast<size_t>(env_int("OLLAMA_MAX_QUEUE", 512));
  return c;
}

uint64_t detect_memory_budget() {
  uint64_t physical =
      static_cast<uint64_t>(sysconf(_SC_PHYS_PAGES)) * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  uint64_t cgroup = read_cgroup_limit();
  if (cgroup > 0 && (physical == 0 || cgroup < physical)) return cgroup;
  return physical;
}

RunnerLease::RunnerLease(RunnerLease&& other) noexcept
    : scheduler_(other.scheduler_),
      model_(std::move(other.model_)),
      runner_(other.runner_),
      load_duration_ns_(other.load_duration_ns_) {
  other.scheduler_ = nullptr;
  other.runner_ = nullptr;
}

RunnerLease::~RunnerLease() {
  release();
}

Runner& RunnerLease::runner() const {
  if (!runner_) fail("runner lease already released");
  return *runner_;
}

void RunnerLease::release() {
  if (scheduler_ && model_) scheduler_->release(model_);
  scheduler_ = nullptr;
  runner_ = nullptr;
  model_.reset();
}

Scheduler::Scheduler(SchedulerConfig config, std::shared_ptr<RunnerFactory> factory)
    : config_(config), factory_(std::move(factory)) {
  if (config_.memory_budget == 0) config_.memory_budget = detect_memory_budget();
  if (config_.num_parallel < 1) config_.num_parallel = 1;
  if (config_.max_loaded_models < 1) config_.max_loaded_models = 1;
  reaper_ = std::thread([this] { reap_loop(); });
}

Scheduler::~Scheduler() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  reaper_.join();
  unload_all();
}

uint64_t Scheduler::used_bytes_locked() const {
  uint64_t total = 0;
  for (const auto& [path, model] : models_) total += model->memory_bytes;
  return total;
}

std::unique_ptr<Runner> Scheduler::evict_locked(const std::string& path, const char* reason) {
  auto it = models_.find(path);
  if (it == models_.end()) return nullptr;
  std::unique_ptr<Runner> runner = std::move(it->second->runner);
  log_info("unloading model", {{"model", it->second->spec.name},
                               {"reason", reason},
                               {"size", human_bytes_binary(it->second->memory_bytes)}});
  models_.erase(it);
  changed_.notify_all();
  return runner;
}

RunnerLease Scheduler::acquire(const ModelSpec& spec, LoadOptions options,
                               std::optional<int64_t> keep_alive,
                               const std::function<bool()>& cancelled) {
  const int64_t start = now_ns();
  options.num_parallel = config_.num_parallel;
  const int64_t session = keep_alive.value_or(config_.default_keep_alive_ns);
  const std::string& path = spec.model_path;
  std::vector<std::unique_ptr<Runner>> graveyard;  // destroyed after the lock is released
  std::unique_lock lock(mutex_);

  auto grant = [&](const std::shared_ptr<SchedulerModel>& model) {
    model->active++;
    model->last_used = ++use_counter_;
    model->keep_alive_ns = session;
    model->expire_when_idle = session == 0;
    Runner* runner = model->runner.get();
    return RunnerLease(this, model, runner, now_ns() - start);
  };

  // Fast path: loaded, compatible, a free slot and nobody ahead.
  auto& queue = queues_[path];
  if (queue.empty()) {
    auto it = models_.find(path);
    if (it != models_.end() && it->second->runner && serves(*it->second, options) &&
        it->second->active < config_.num_parallel) {
      return grant(it->second);
    }
  }
  if (waiting_ >= config_.max_queue) {
    throw SchedulerError(SchedulerError::Kind::kBusy,
                         "server busy, please try again.  maximum pending requests exceeded");
  }
  const uint64_t ticket = ++next_ticket_;
  queue.push_back(ticket);
  names_[path] = spec.name;
  ++waiting_;
  changed_.notify_all();
  auto leave_queue = [&] {
    auto& q = queues_[path];
    q.erase(std::remove(q.begin(), q.end(), ticket), q.end());
    --waiting_;
    changed_.notify_all();
  };

  for (;;) {
    if (stopping_) {
      leave_queue();
      throw SchedulerError(SchedulerError::Kind::kCancelled, "server shutting down");
    }
    if (cancelled && cancelled()) {
      leave_queue();
      throw SchedulerError(SchedulerError::Kind::kCancelled, "request canceled");
    }
    bool first = !queues_[path].empty() && queues_[path].front() == ticket;
    if (first) {
      auto it = models_.find(path);
      if (it != models_.end() && it->second->runner) {
        auto model = it->second;
        if (serves(*model, options)) {
          if (model->active < config_.num_parallel) {
            leave_queue();
            return grant(model);
          }
        } else if (model->active == 0) {
          graveyard.push_back(evict_locked(path, "options changed"));
          continue;
        }
      } else if (!loading_) {
        uint64_t need = factory_->estimate_bytes(spec, options);
        if (need > config_.memory_budget) {
          leave_queue();
          throw SchedulerError(
              SchedulerError::Kind::kTooLarge,
              str_cat("model requires more system memory (", human_bytes_binary(need),
                      ") than is available (", human_bytes_binary(config_.memory_budget), ")"));
        }
        // Make room: evict idle models, least recently used first, until this one fits.
        bool room = true;
        while (models_.size() >= static_cast<size_t>(config_.max_loaded_models) ||
               used_bytes_locked() + need > config_.memory_budget) {
          std::shared_ptr<SchedulerModel> victim;
          for (const auto& [p, m] : models_) {
            if (m->active == 0 && (!victim || m->last_used < victim->last_used)) victim = m;
          }
          if (!victim) {
            room = false;
            break;
          }
          graveyard.push_back(evict_locked(victim->spec.model_path, "making room"));
        }
        if (room) {
          loading_ = true;
          lock.unlock();
          graveyard.clear();
          std::unique_ptr<Runner> runner;
          std::string error;
          const int64_t load_start = now_ns();
          try {
            runner = factory_->load(spec, options);
          } catch (const std::exception& e) {
            error = e.what();
          }
          lock.lock();
          loading_ = false;
          changed_.notify_all();
          if (!runner) {
            leave_queue();
            log_error("failed to load model", {{"model", spec.name}, {"error", error}});
            throw SchedulerError(SchedulerError::Kind::kLoadFailed, error);
          }
          auto model = std::make_shared<SchedulerModel>();
          model->spec = spec;
          model->options = options;
          model->memory_bytes = runner->memory_bytes();
          model->runner = std::move(runner);
          models_[path] = model;
          if (load_observer_) load_observer_(spec.name, now_ns() - load_start);
          log_info(
              "model loaded",
              {{"model", spec.name},
               {"size", human_bytes_binary(model->memory_bytes)},
               {"duration", str_printf("%.2fs", static_cast<double>(now_ns() - load_start) / 1e9)},
               {"loaded", static_cast<int64_t>(models_.size())}});
          continue;
        }
      }
    }
    if (!graveyard.empty()) {
      lock.unlock();
      graveyard.clear();
      lock.lock();
      continue;
    }
    if (cancelled) {
      changed_.wait_for(lock, std::chrono::milliseconds(50));
    } else {
      changed_.wait(lock);
    }
  }
}

void Scheduler::release(const std::shared_ptr<SchedulerModel>& model) {
  std::unique_ptr<Runner> dead;
  {
    std::lock_guard lock(mutex_);
    model->active--;
    model->last_used = ++use_counter_;
    if (model->active == 0) {
      auto it = models_.find(model->spec.model_path);
      bool current = it != models_.end() && it->second == model;
      if (current && (model->expire_when_idle || model->keep_alive_ns <= 0)) {
        dead = evict_locked(model->spec.model_path, "keep_alive expired");
      } else if (model->keep_alive_ns == kForeverNs) {
        model->expires_wall = std::chrono::system_clock::time_point::max();
        model->expires = std::chrono::steady_clock::time_point::max();
      } else {
        model->expires =
            std::chrono::steady_clock::now() + std::chrono::nanoseconds(model->keep_alive_ns);
        model->expires_wall = wall_after(model->keep_alive_ns);
      }
    }
    changed_.notify_all();
  }
}

bool Scheduler::expire(const std::string& model_path) {
  std::unique_ptr<Runner> dead;
  std::lock_guard lock(mutex_);
  auto it = models_.find(model_path);
  if (it == models_.end()) return false;
  if (it->second->active == 0) {
    dead = evict_locked(model_path, "keep_alive 0");
  } else {
    it->second->expire_when_idle = true;
    it->second->keep_alive_ns = 0;
  }
  return true;
}

void Scheduler::unload_all() {
  std::vector<std::unique_ptr<Runner>> dead;
  std::lock_guard lock(mutex_);
  std::vector<std::string> paths;
  for (const auto& [path, model] : models_) {
    if (model->active == 0) paths.push_back(path);
  }
  for (const std::string& path : paths) dead.push_back(evict_locked(path, "shutdown"));
}

void Scheduler::reap_loop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    auto next = std::chrono::steady_clock::time_point::max();
    std::vector<std::string> expired;
    auto now = std::chrono::steady_clock::now();
    for (const auto& [path, model] : models_) {
      if (model->active > 0 || model->keep_alive_ns == kForeverNs || !model->runner) continue;
      if (model->expires <= now) {
        expired.push_back(path);
      } else {
        next = std::min(next, model->expires);
      }
    }
    if (!expired.empty()) {
      std::vector<std::unique_ptr<Runner>> dead;
      for (const std::string& path : expired)
        dead.push_back(evict_locked(path, "keep_alive expired"));
      lock.unlock();
      dead.clear();
      lock.lock();
      continue;
    }
    if (next == std::chrono::steady_clock::time_point::max()) {
      changed_.wait(lock);
    } else {
      changed_.wait_until(lock, next);
    }
  }
}

std::vector<LoadedModelInfo> Scheduler::loaded() const {
  std::lock_guard lock(mutex_);
  std::vector<LoadedModelInfo> out;
  for (const auto& [path, model] : models_) {
    LoadedModelInfo info;
    info.spec = model->spec;
    info.options = model->options;
    info.memory_bytes = model->memory_bytes;
    info.context_length = model->runner ? model->runner->context_length() : model->options.num_ctx;
    info.active = model->active;
    if (auto q = queues_.find(path); q != queues_.end()) info.queued = q->second.size();
    if (model->runner) info.batch = model->runner->batch_stats();
    info.expires_at = model->active > 0 ? wall_after(model->keep_alive_ns) : model->expires_wall;
    if (model->keep_alive_ns == kForeverNs)
      info.expires_at = std::chrono::system_clock::time_point::max();
    out.push_back(info);
  }
  std::sort(out.begin(), out.end(), [](const LoadedModelInfo& a, const LoadedModelInfo& b) {
    return a.expires_at > b.expires_at;
  });
  return out;
}

size_t Scheduler::queued() const {
  std::lock_guard lock(mutex_);
  return waiting_;
}

std::vector<ModelActivity> Scheduler::activity() const {
  std::lock_guard lock(mutex_);
  std::map<std::string, ModelActivity> by_name;
  for (const auto& [path, model] : models_) {
    ModelActivity& a = by_name[model->spec.name];
    a.name = model->spec.name;
    a.active += model->active;
    a.loaded = a.loaded || model->runner != nullptr;
    a.memory_bytes += model->memory_bytes;
    if (model->runner) a.batch = model->runner->batch_stats();
  }
  for (const auto& [path, queue] : queues_) {
    if (queue.empty()) continue;
    auto name = names_.find(path);
    if (name == names_.end()) continue;
    ModelActivity& a = by_name[name->second];
    a.name = name->second;
    a.queued += queue.size();
  }
  std::vector<ModelActivity> out;
  for (auto& [name, a] : by_name) out.push_back(std::move(a));
  return out;
}

void Scheduler::set_load_observer(
    std::function<void(const std::string& model, int64_t load_ns)> observer) {
  std::lock_guard lock(mutex_);
  load_observer_ = std::move(observer);
}

bool Scheduler::wait_for_queued(size_t count, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return waiting_ >= count; });
}

bool Scheduler::wait_for_queued_at_most(size_t count, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return waiting_ <= count; });
}

}  // namespace slimllm
