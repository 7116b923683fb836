#include "engine/step_loop.h"

#include <algorithm>
#include <chrono>

#include "base/error.h"
#include "base/log.h"

namespace slimllm {
namespace {

// How long a step waits for sequences still sampling their next token (they are about to submit
// it) before it runs without them. Only a bound: a step runs as soon as none is sampling.
constexpr auto kGather = std::chrono::milliseconds(20);

size_t bucket_of(size_t sequences) {
  if (sequences <= 1) return 0;
  if (sequences <= 2) return 1;
  if (sequences <= 4) return 2;
  if (sequences <= 8) return 3;
  if (sequences <= 16) return 4;
  return 5;
}

}  // namespace

StepLoop::StepLoop(const Model& model, ThreadPool* pool, StepLoopConfig config)
    : model_(model),
      pool_(pool),
      config_([&] {
        config.max_running = std::max(1, config.max_running);
        config.slots = std::max(config.slots, config.max_running);
        config.budget_cells = std::max<int64_t>(config.budget_cells, 4);
        config.max_ctx = std::clamp<int64_t>(config.max_ctx, 4, config.budget_cells);
        config.num_batch = std::max<int64_t>(config.num_batch, config.slots);
        config.prefill_chunk = std::clamp<int64_t>(config.prefill_chunk, 1, config.num_batch);
        return config;
      }()),
      kv_(model.make_cache(config_.max_ctx, config_.slots, false, config_.num_batch)),
      state_(model.make_state(config_.num_batch, config_.slots)),
      slots_(static_cast<size_t>(config_.slots)) {
  if (config_.rope_ctx > 0) kv_.set_rope_context(config_.rope_ctx);
  stats_.kv_budget_bytes = static_cast<uint64_t>(config_.budget_cells) * kv_.cell_bytes();
  batch_.reserve(static_cast<size_t>(config_.num_batch));
  thread_ = std::thread([this] { run(); });
}

StepLoop::~StepLoop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  work_.notify_all();
  done_.notify_all();
  thread_.join();
}

int64_t StepLoop::held_cells_locked(int except) const {
  int64_t held = 0;
  for (int i = 0; i < config_.slots; ++i) {
    if (i == except) continue;
    const Slot& s = slots_[static_cast<size_t>(i)];
    // In cells of kv_.cell_bytes(): a sliding-window ring costs less per position (kv_cache.h).
    held += kv_.cost_cells(s.busy ? std::max<int64_t>(s.reserved, kv_.capacity(i)) : kv_.capacity(i));
  }
  return held;
}

std::unique_ptr<StepLoop::Sequence> StepLoop::join(std::span<const int32_t> tokens,
                                                   int64_t num_ctx, int64_t need) {
  need = std::max<int64_t>(need, 1);
  if (num_ctx > config_.max_ctx || kv_.cost_cells(need) > config_.budget_cells) {
    fail("a context of ", num_ctx, " tokens does not fit this model's KV budget of ",
         config_.budget_cells, " cells; lower num_ctx or raise the loaded context");
  }
  std::unique_lock lock(mutex_);
  ++waiting_;
  for (;;) {
    if (stopping_) {
      --waiting_;
      fail("the model is unloading");
    }
    int busy = 0;
    for (const Slot& s : slots_) busy += s.busy ? 1 : 0;
    int best = -1;
    size_t best_common = 0;
    if (busy < config_.max_running) {
      for (int i = 0; i < config_.slots; ++i) {
        const Slot& s = slots_[static_cast<size_t>(i)];
        if (s.busy) continue;
        size_t common = 0;
        while (common < s.tokens.size() && common < tokens.size() &&
               s.tokens[common] == tokens[common]) {
          ++common;
        }
        // What a sliding-window ring can still continue from (kv_cache.h).
        common = static_cast<size_t>(kv_.reusable(i, static_cast<int32_t>(common)));
        if (common < kMinReuse && common < s.tokens.size()) common = 0;
        const Slot* b = best < 0 ? nullptr : &slots_[static_cast<size_t>(best)];
        // Longest prefix; then a slot caching nothing (keeps others' caches); then the least
        // recently used.
        const bool better =
            !b || common > best_common ||
            (common == best_common &&
             (s.tokens.empty() != b->tokens.empty() ? s.tokens.empty()
                                                    : s.last_used < b->last_used));
        if (better) {
          best = i;
          best_common = common;
        }
      }
    }
    if (best >= 0) {
      // Make room: drop idle caches, least recently used first, until the reservation fits.
      auto fits = [&] {
        return held_cells_locked(best) +
                   kv_.cost_cells(std::max<int64_t>(need, kv_.capacity(best))) <=
               config_.budget_cells;
      };
      while (!fits()) {
        int victim = -1;
        for (int i = 0; i < config_.slots; ++i) {
          const Slot& s = slots_[static_cast<size_t>(i)];
          if (i == best || s.busy || kv_.capacity(i) == 0) continue;
          if (victim < 0 || s.last_used < slots_[static_cast<size_t>(victim)].last_used) victim = i;
        }
        if (victim < 0) break;
        kv_.release(victim);
        slots_[static_cast<size_t>(victim)].tokens.clear();
      }
      if (!fits() && best_common == 0 && kv_.capacity(best) > need) {
        kv_.release(best);
        slots_[static_cast<size_t>(best)].tokens.clear();
      }
      if (fits()) {
        Slot& s = slots_[static_cast<size_t>(best)];
        s.busy = true;
        s.reserved = need;
        s.num_ctx = num_ctx;
        s.state = State::kComputing;
        s.last_used = ++uses_;
        --waiting_;
        return std::make_unique<Sequence>(*this, best);
      }
    }
    done_.wait(lock);
  }
}

void StepLoop::leave(int slot) {
  {
    std::lock_guard lock(mutex_);
    Slot& s = slots_[static_cast<size_t>(slot)];
    s.busy = false;
    s.state = State::kIdle;
    s.reserved = 0;
    s.job = {};
    s.done = 0;
    s.last_used = ++uses_;
    // Cells past the cached tokens (a reservation never used) go back to the budget.
    if (s.tokens.empty()) kv_.release(slot);
  }
  done_.notify_all();
  work_.notify_all();
}

void StepLoop::set_state(int slot, State state) {
  {
    std::lock_guard lock(mutex_);
    slots_[static_cast<size_t>(slot)].state = state;
  }
  work_.notify_all();
}

void StepLoop::keep_prefix(int slot, size_t count) {
  std::lock_guard lock(mutex_);
  Slot& s = slots_[static_cast<size_t>(slot)];
  count = std::min(count, s.tokens.size());
  // A sliding-window ring may no longer hold the window before the prefix's end.
  count = static_cast<size_t>(kv_.reusable(slot, static_cast<int32_t>(count)));
  s.tokens.resize(count);
  kv_.set_length(slot, static_cast<int32_t>(std::min<int64_t>(count, kv_.capacity(slot))));
  if (kv_.length(slot) < static_cast<int32_t>(count)) s.tokens.resize(kv_.length(slot));
}

void StepLoop::shift(int slot, int32_t keep, int32_t discard) {
  std::lock_guard running(run_);
  model_.shift_context(kv_, slot, keep, discard, pool_);
}

std::span<const float> StepLoop::evaluate(int slot, std::span<const int32_t> tokens,
                                          int32_t start) {
  if (tokens.empty()) return {};
  std::unique_lock lock(mutex_);
  Slot& s = slots_[static_cast<size_t>(slot)];
  s.job = tokens;
  s.start = start;
  s.done = 0;
  s.error.clear();
  // Alone on the model (no other sequence running or waiting to join): the caller runs its own
  // forward passes, as a single-sequence session would. Handing each token to the loop's thread
  // and back costs two thread wake-ups per token, and on a busy machine each waits for a core.
  // Another sequence joining meanwhile sends the rest of the job (the next chunk) to the loop;
  // run_ keeps its passes after the one in progress.
  while (s.done < s.job.size() && alone_locked(slot)) {
    const size_t n = std::min<size_t>(s.job.size() - s.done,
                                      static_cast<size_t>(config_.num_batch));
    const int32_t first = s.start + static_cast<int32_t>(s.done);
    grow_locked(slot, first + static_cast<int64_t>(n));
    solo_batch_.clear();
    for (size_t t = 0; t < n; ++t) {
      const size_t at = s.done + t;
      solo_batch_.push_back(BatchToken{s.job[at], first + static_cast<int32_t>(t), slot,
                                       at + 1 == s.job.size()});
    }
    lock.unlock();
    {
      std::lock_guard running(run_);
      const std::span<const float> logits = model_.forward(solo_batch_, kv_, state_, pool_);
      if (s.done + n == s.job.size()) s.logits.assign(logits.begin(), logits.end());
    }
    lock.lock();
    s.done += n;
    ++stats_.steps;
    stats_.step_tokens += n;
    ++stats_.step_sequences;
    ++stats_.sequences_per_step[0];
  }
  if (s.done == s.job.size()) return {s.logits.data(), s.logits.size()};
  s.state = State::kPending;
  s.arrival = ++arrivals_;
  work_.notify_all();
  done_.wait(lock, [&] { return s.done >= s.job.size() || !s.error.empty() || stopping_; });
  s.state = State::kComputing;
  if (!s.error.empty()) fail(s.error);
  if (stopping_ && s.done < s.job.size()) fail("the model is unloading");
  return {s.logits.data(), s.logits.size()};
}

bool StepLoop::alone_locked(int slot) const {
  if (waiting_ > 0 || stopping_) return false;
  for (int i = 0; i < config_.slots; ++i) {
    if (i != slot && slots_[static_cast<size_t>(i)].busy) return false;
  }
  return true;
}

void StepLoop::grow_locked(int slot, int64_t cells) {
  Slot& s = slots_[static_cast<size_t>(slot)];
  if (cells <= kv_.capacity(slot)) return;
  if (cells > s.reserved) {
    // Beyond the reservation (a prompt longer than planned): only while the budget has room.
    if (held_cells_locked(slot) + kv_.cost_cells(cells) > config_.budget_cells) {
      fail("the model's KV budget of ", config_.budget_cells, " cells is full");
    }
    s.reserved = cells;
  }
  const int64_t rounded = (cells + kGrowCells - 1) / kGrowCells * kGrowCells;
  kv_.reserve(slot, static_cast<int32_t>(std::min(rounded, s.reserved)));
}

void StepLoop::run() {
  std::unique_lock lock(mutex_);
  std::vector<int> in_batch;  // slots with tokens in the step, in batch order
  std::vector<size_t> taken;  // tokens each of them has in it
  for (;;) {
    auto pending = [&] {
      for (const Slot& s : slots_) {
        if (s.state == State::kPending) return true;
      }
      return false;
    };
    auto computing = [&] {
      for (const Slot& s : slots_) {
        if (s.state == State::kComputing) return true;
      }
      return false;
    };
    work_.wait(lock, [&] { return stopping_ || pending(); });
    if (stopping_) return;
    // Let the sequences still sampling their next token join this step.
    work_.wait_for(lock, kGather, [&] { return stopping_ || !computing(); });
    if (stopping_) return;

    std::vector<int> order;
    int busy = 0;
    for (int i = 0; i < config_.slots; ++i) {
      const Slot& s = slots_[static_cast<size_t>(i)];
      busy += s.busy ? 1 : 0;
      if (s.state == State::kPending) order.push_back(i);
    }
    // Decodes (one token left) first, then prompts in arrival order.
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
      const Slot& x = slots_[static_cast<size_t>(a)];
      const Slot& y = slots_[static_cast<size_t>(b)];
      const bool xd = x.job.size() - x.done == 1, yd = y.job.size() - y.done == 1;
      if (xd != yd) return xd;
      return x.arrival < y.arrival;
    });
    const int64_t chunk = busy > 1 ? config_.prefill_chunk : config_.num_batch;
    batch_.clear();
    in_batch.clear();
    taken.clear();
    for (int i : order) {
      Slot& s = slots_[static_cast<size_t>(i)];
      const int64_t room = config_.num_batch - static_cast<int64_t>(batch_.size());
      if (room <= 0) break;
      const size_t left = s.job.size() - s.done;
      const size_t n = static_cast<size_t>(std::min<int64_t>({static_cast<int64_t>(left), chunk, room}));
      const int32_t first = s.start + static_cast<int32_t>(s.done);
      try {
        grow_locked(i, first + static_cast<int64_t>(n));
      } catch (const std::exception& e) {
        s.error = e.what();
        s.state = State::kComputing;
        continue;
      }
      for (size_t t = 0; t < n; ++t) {
        const size_t at = s.done + t;
        batch_.push_back(BatchToken{s.job[at], first + static_cast<int32_t>(t), i,
                                    at + 1 == s.job.size()});
      }
      in_batch.push_back(i);
      taken.push_back(n);
    }
    if (batch_.empty()) {
      done_.notify_all();
      continue;
    }
    lock.unlock();
    std::span<const float> logits;
    std::string error;
    {
      std::lock_guard running(run_);
      try {
        logits = model_.forward(batch_, kv_, state_, pool_);
      } catch (const std::exception& e) {
        error = e.what();
        log_error("batched forward pass failed", {{"error", error}});
      }
    }
    lock.lock();
    const size_t n_vocab = static_cast<size_t>(model_.config().n_vocab);
    size_t row = 0;
    for (size_t j = 0; j < in_batch.size(); ++j) {
      Slot& s = slots_[static_cast<size_t>(in_batch[j])];
      if (!error.empty()) {
        s.error = error;
        s.state = State::kComputing;
        continue;
      }
      s.done += taken[j];
      if (s.done == s.job.size()) {
        s.logits.assign(logits.begin() + static_cast<std::ptrdiff_t>(row * n_vocab),
                        logits.begin() + static_cast<std::ptrdiff_t>((row + 1) * n_vocab));
        ++row;
        s.state = State::kComputing;
      }
    }
    ++stats_.steps;
    stats_.step_tokens += batch_.size();
    stats_.step_sequences += in_batch.size();
    ++stats_.sequences_per_step[bucket_of(in_batch.size())];
    done_.notify_all();
  }
}

StepLoopStats StepLoop::stats() const {
  std::lock_guard lock(mutex_);
  StepLoopStats s = stats_;
  s.waiting = waiting_;
  s.running = 0;
  s.kv_bytes = 0;
  for (int i = 0; i < config_.slots; ++i) {
    s.running += slots_[static_cast<size_t>(i)].busy ? 1 : 0;
    s.kv_bytes += kv_.seq_bytes(kv_.capacity(i));
  }
  return s;
}

}  // namespace slimllm
