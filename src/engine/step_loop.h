// Continuous batching: one loop per loaded model advances every running sequence together. Each
// step gathers the next token of every decoding sequence and a chunk of each prompt still being
// read into one batch (tokens carry their sequence and position), so every weight matrix is read
// once per step for all of them; decode is memory-bound, so a few sequences cost little more
// than one.
//
// A generation joins through join(), which picks a sequence slot (the idle one whose cache holds
// the longest prefix of its prompt) and reserves the cells it may need from the model's budget;
// the returned Sequence is a SequenceContext, so the generation loop (generate.h) runs unchanged
// on the caller's thread: sampling, stop strings, grammar, logprobs and the client callback stay
// per sequence, and a slow client only delays its own sequence. Dropping the Sequence leaves the
// loop at once; its cells stay cached (for the next request sharing the prefix) until the budget
// needs them, least recently used first.
//
// KV memory: each slot's cache grows in kGrowCells-cell pieces up to what its request reserved
// (min(num_ctx, prompt + num_predict)), and the cells held by all slots never exceed the budget
// (a sequence of a sliding-window model costs its real bytes in cells, KvCache::cost_cells).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "engine/runner.h"
#include "engine/sequence_context.h"
#include "model/model.h"

namespace slimllm {

struct StepLoopConfig {
  int max_running = 4;          // sequences decoding at once (OLLAMA_NUM_PARALLEL)
  int slots = 8;                // sequence caches, running or idle (≥ max_running)
  int64_t budget_cells = 4096;  // KV cells over every slot
  int64_t max_ctx = 4096;       // the most cells one sequence may hold (≤ budget_cells)
  int64_t num_batch = 512;      // tokens per step
  // Prompt tokens one sequence adds to a step while others decode: a larger chunk reads the
  // prompt faster, a smaller one delays the other streams' next token less. Alone, a prompt
  // goes num_batch tokens per step.
  int64_t prefill_chunk = 64;
  // The context the model's rotation is chosen for (KvCache::rope_context): the loaded num_ctx.
  // 0: max_ctx.
  int64_t rope_ctx = 0;
};

using StepLoopStats = BatchStats;

class StepLoop {
 public:
  static constexpr int32_t kGrowCells = 256;  // a slot's cache grows by this many cells
  static constexpr size_t kMinReuse = 4;  // shared tokens that make an idle slot's cache worth taking

  StepLoop(const Model& model, ThreadPool* pool, StepLoopConfig config);
  ~StepLoop();
  StepLoop(const StepLoop&) = delete;
  StepLoop& operator=(const StepLoop&) = delete;

  class Sequence;
  // A sequence of up to num_ctx positions for a prompt starting with `tokens`, reserving `need`
  // cells (≤ num_ctx). Waits while running sequences hold the budget; throws Error when `need`
  // can never fit. The slot's cached tokens are the caller's to reuse or drop (keep_prefix).
  std::unique_ptr<Sequence> join(std::span<const int32_t> tokens, int64_t num_ctx, int64_t need);

  const StepLoopConfig& config() const { return config_; }
  StepLoopStats stats() const;

 private:
  enum class State { kIdle, kComputing, kAway, kPending };
  struct Slot {
    std::vector<int32_t> tokens;  // cached, in order
    bool busy = false;
    uint64_t last_used = 0;
    int64_t reserved = 0;  // cells reserved while busy
    int64_t num_ctx = 0;
    State state = State::kIdle;
    // The pending evaluation: tokens [done, size) still to run, from position start.
    std::span<const int32_t> job;
    int32_t start = 0;
    size_t done = 0;
    uint64_t arrival = 0;
    std::string error;
    std::vector<float> logits;  // [n_vocab] of the job's last token
  };

  void run();
  std::span<const float> evaluate(int slot, std::span<const int32_t> tokens, int32_t start);
  void keep_prefix(int slot, size_t count);
  void shift(int slot, int32_t keep, int32_t discard);
  void set_state(int slot, State state);
  void leave(int slot);
  int64_t held_cells_locked(int except) const;
  void grow_locked(int slot, int64_t cells);
  // No other sequence holds a slot or waits for one (and the loop is not stopping).
  bool alone_locked(int slot) const;

  const Model& model_;
  ThreadPool* pool_;
  StepLoopConfig config_;
  KvCache kv_;
  ForwardState state_;
  std::vector<Slot> slots_;
  mutable std::mutex mutex_;
  std::condition_variable work_;  // the loop waits on it
  std::condition_variable done_;  // callers wait on it
  std::mutex run_;                // held while a forward pass or a shift runs
  uint64_t uses_ = 0;
  uint64_t arrivals_ = 0;
  int waiting_ = 0;
  bool stopping_ = false;
  StepLoopStats stats_;
  std::vector<BatchToken> batch_;
  std::vector<BatchToken> solo_batch_;  // a sequence alone runs its own passes (evaluate)
  std::thread thread_;
};

class StepLoop::Sequence final : public SequenceContext {
 public:
  Sequence(StepLoop& loop, int slot) : loop_(loop), slot_(slot) {}
  ~Sequence() override { loop_.leave(slot_); }
  Sequence(const Sequence&) = delete;
  Sequence& operator=(const Sequence&) = delete;

  const Model& model() const override { return loop_.model_; }
  int64_t num_ctx() const override { return loop_.slots_[static_cast<size_t>(slot_)].num_ctx; }
  std::vector<int32_t>& tokens() override { return loop_.slots_[static_cast<size_t>(slot_)].tokens; }
  void keep_prefix(size_t count) override { loop_.keep_prefix(slot_, count); }
  std::span<const float> evaluate(std::span<const int32_t> tokens, int32_t start) override {
    return loop_.evaluate(slot_, tokens, start);
  }
  void shift(int32_t keep, int32_t discard) override { loop_.shift(slot_, keep, discard); }
  // While away (handing a piece to a client), the loop does not wait for this sequence before
  // running a step.
  void set_away(bool away) { loop_.set_state(slot_, away ? State::kAway : State::kComputing); }
  int slot() const { return slot_; }

 private:
  StepLoop& loop_;
  int slot_;
};

}  // namespace slimllm
