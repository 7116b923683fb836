// Continuous batching (engine/step_loop.h) on tiny synthetic models: sequences decoded together,
// joining and leaving mid-way, give the tokens each gives alone; the prompt cache across
// sequences; the KV budget (eviction, refusal, never exceeded).
#include "engine/step_loop.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "engine/generate.h"
#include "engine/session.h"
#include "model/tiny_model.h"

namespace slimllm {
namespace {

using testing_models::TinyModelSpec;

class FakeText final : public TokenText {
 public:
  bool is_end_of_generation(int32_t) const override { return false; }
  std::string push(int32_t id) override {
    pushed.push_back(id);
    return std::string(1, static_cast<char>('a' + id % 26));
  }
  std::string flush() override { return ""; }
  std::string token_text(int32_t id) const override {
    return std::string(1, static_cast<char>('a' + id % 26));
  }
  std::vector<int32_t> pushed;
};

struct Job {
  std::vector<int32_t> prompt;
  int num_predict = 8;
  float repeat_penalty = 1.1f;
};

GenerateOptions greedy(const Job& j) {
  GenerateOptions o;
  o.sampling.temperature = 0;
  o.sampling.repeat_penalty = j.repeat_penalty;
  o.num_predict = j.num_predict;
  return o;
}

std::unique_ptr<Model> tiny(const TinyModelSpec& spec, const std::string& name) {
  const std::string path = ::testing::TempDir() + "/steploop-" + name + ".gguf";
  testing_models::write_tiny_model(path, spec);
  return load_model(std::make_shared<const GgufFile>(GgufFile::open(path)));
}

// The tokens a job generates alone, in its own session.
std::vector<int32_t> alone(const Model& m, const Job& j) {
  Session s(m, 128, 16, nullptr);
  FakeText text;
  generate(s, j.prompt, greedy(j), text, [](std::string_view) { return true; });
  return text.pushed;
}

std::vector<int32_t> prompt_of(int seed, size_t length, int64_t vocab) {
  std::vector<int32_t> p;
  for (size_t i = 0; i < length; ++i) {
    p.push_back(static_cast<int32_t>((seed * 7 + i * 13 + i * i) % static_cast<size_t>(vocab)));
  }
  return p;
}

StepLoopConfig small_config(int running) {
  StepLoopConfig c;
  c.max_running = running;
  c.slots = 2 * running;
  c.budget_cells = 128 * running;
  c.max_ctx = 128;
  c.num_batch = 32;
  c.prefill_chunk = 4;  // small, so prompts are read over several steps among the decodes
  return c;
}

struct Arch {
  std::string arch;
  DType type;
};

class Batched : public ::testing::TestWithParam<Arch> {
 protected:
  void SetUp() override {
    TinyModelSpec spec;
    spec.arch = GetParam().arch;
    spec.type = GetParam().type;
    spec.n_ff = 64;  // quantized blocks of 32
    model_ = tiny(spec, spec.arch + "-" + std::to_string(static_cast<int>(spec.type)));
  }
  std::unique_ptr<Model> model_;
};

// Four sequences of different prompt lengths, num_predict and options; the second joins when
// the first has generated 3 tokens, the third when the second has generated 2, the fourth at
// once; they leave at different steps. Each must give the tokens it gives alone.
TEST_P(Batched, SequencesJoiningAndLeavingGiveTheTokensTheyGiveAlone) {
  const Model& m = *model_;
  const int64_t vocab = m.config().n_vocab;
  const std::vector<Job> jobs = {
      {prompt_of(1, 5, vocab), 12, 1.1f},
      {prompt_of(2, 23, vocab), 6, 1.0f},
      {prompt_of(3, 9, vocab), 15, 1.3f},
      {prompt_of(4, 1, vocab), 3, 1.1f},
  };
  std::vector<std::vector<int32_t>> expected;
  for (const Job& j : jobs) expected.push_back(alone(m, j));

  StepLoop loop(m, nullptr, small_config(4));
  std::vector<std::vector<int32_t>> got(jobs.size());
  std::mutex mu;
  std::condition_variable cv;
  std::vector<int> produced(jobs.size(), 0);
  auto wait_for = [&](size_t job, int count) {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return produced[job] >= count; });
  };
  auto run = [&](size_t i) {
    const Job& j = jobs[i];
    auto seq = loop.join(j.prompt, 128, static_cast<int64_t>(j.prompt.size()) + j.num_predict + 1);
    FakeText text;
    generate(*seq, j.prompt, greedy(j), text, [&](std::string_view) {
      std::lock_guard lock(mu);
      ++produced[i];
      cv.notify_all();
      return true;
    });
    got[i] = text.pushed;
    std::lock_guard lock(mu);
    produced[i] = 1000;  // done
    cv.notify_all();
  };
  std::vector<std::thread> threads;
  threads.emplace_back(run, 0);
  threads.emplace_back(run, 3);
  wait_for(0, 3);
  threads.emplace_back(run, 1);
  wait_for(1, 2);
  threads.emplace_back(run, 2);
  for (auto& t : threads) t.join();
  for (size_t i = 0; i < jobs.size(); ++i) EXPECT_EQ(got[i], expected[i]) << "job " << i;
  const StepLoopStats st = loop.stats();
  EXPECT_EQ(st.running, 0);
  EXPECT_GT(st.steps, 0u);
}

// Two sequences with the same long prefix at once: neither's cache is the other's, and both
// give the tokens they give alone.
TEST_P(Batched, TwoSequencesSharingAPrefixAtOnce) {
  const Model& m = *model_;
  std::vector<int32_t> shared = prompt_of(9, 20, m.config().n_vocab);
  Job a{shared, 10, 1.1f};
  Job b{shared, 10, 1.1f};
  b.prompt.push_back(5);
  const auto want_a = alone(m, a), want_b = alone(m, b);
  StepLoop loop(m, nullptr, small_config(2));
  std::vector<int32_t> got_a, got_b;
  auto run = [&](const Job& j, std::vector<int32_t>* out) {
    auto seq = loop.join(j.prompt, 128, 64);
    FakeText text;
    generate(*seq, j.prompt, greedy(j), text, [](std::string_view) { return true; });
    *out = text.pushed;
  };
  std::thread ta(run, std::cref(a), &got_a), tb(run, std::cref(b), &got_b);
  ta.join();
  tb.join();
  EXPECT_EQ(got_a, want_a);
  EXPECT_EQ(got_b, want_b);
}

INSTANTIATE_TEST_SUITE_P(Models, Batched,
                         ::testing::Values(Arch{"llama", DType::kF32}, Arch{"qwen2", DType::kF32},
                                           Arch{"llama", DType::kQ8_0},
                                           Arch{"qwen2", DType::kQ8_0}),
                         [](const auto& info) {
                           return info.param.arch +
                                  (info.param.type == DType::kF32 ? "_f32" : "_q8_0");
                         });

// Generates `j` on the loop; returns the tokens and how many prompt tokens came from a cache.
std::pair<std::vector<int32_t>, int64_t> on(StepLoop& loop, const Job& j, int64_t need) {
  auto seq = loop.join(j.prompt, loop.config().max_ctx, need);
  FakeText text;
  const GenerateStats st =
      generate(*seq, j.prompt, greedy(j), text, [](std::string_view) { return true; });
  return {text.pushed, st.prompt_cached_count};
}

class Cache : public ::testing::Test {
 protected:
  void SetUp() override {
    TinyModelSpec spec;
    spec.n_ff = 64;
    model_ = tiny(spec, "cache");
  }
  std::unique_ptr<Model> model_;
};

// A conversation's next turn reuses the cached prefix of its earlier turn (left in an idle
// slot), even with another conversation in between, and gives what a cold run gives.
TEST_F(Cache, ANextTurnReusesTheCachedPrefixAndMatchesAColdRun) {
  const Model& m = *model_;
  StepLoop loop(m, nullptr, small_config(1));
  Job turn1{prompt_of(5, 12, m.config().n_vocab), 6, 1.1f};
  const auto [first, cached1] = on(loop, turn1, 40);
  EXPECT_EQ(cached1, 0);
  on(loop, Job{prompt_of(6, 10, m.config().n_vocab), 4, 1.1f}, 40);
  Job turn2 = turn1;
  turn2.prompt.insert(turn2.prompt.end(), first.begin(), first.end());
  turn2.prompt.push_back(3);
  turn2.prompt.push_back(17);
  const auto [second, cached2] = on(loop, turn2, 60);
  // The first turn's prompt and its answer (but the last token when a stop ended it).
  EXPECT_GE(cached2, static_cast<int64_t>(turn1.prompt.size() + first.size() - 1));
  EXPECT_EQ(second, alone(m, turn2));
}

// A budget for one sequence at a time: a second sequence's cache evicts the first's.
TEST_F(Cache, ASmallBudgetEvictsTheLeastRecentlyUsedCache) {
  const Model& m = *model_;
  StepLoopConfig c = small_config(1);
  c.slots = 3;
  c.budget_cells = 64;
  c.max_ctx = 64;
  StepLoop loop(m, nullptr, c);
  Job a{prompt_of(7, 20, m.config().n_vocab), 5, 1.1f};
  Job b{prompt_of(8, 20, m.config().n_vocab), 5, 1.1f};
  on(loop, a, 30);
  EXPECT_GT(loop.stats().kv_bytes, 0u);
  on(loop, b, 40);  // 30 + 40 > 64: a's cache goes
  EXPECT_LE(loop.stats().kv_bytes, loop.stats().kv_budget_bytes);
  EXPECT_EQ(on(loop, a, 30).second, 0) << "a's cache should have been evicted";
  // With room for both, a cache survives another sequence.
  StepLoopConfig roomy = c;
  roomy.budget_cells = 128;
  StepLoop loop2(m, nullptr, roomy);
  on(loop2, a, 30);
  on(loop2, b, 40);
  EXPECT_GT(on(loop2, a, 30).second, 0);
}

TEST_F(Cache, ARequestLargerThanTheBudgetIsRefused) {
  StepLoopConfig c = small_config(1);
  c.budget_cells = 64;
  c.max_ctx = 64;
  StepLoop loop(*model_, nullptr, c);
  const std::vector<int32_t> p = {1, 2, 3};
  EXPECT_THROW(loop.join(p, 128, 100), Error);
  EXPECT_THROW(loop.join(p, 64, 65), Error);
}

// Eight streams at once on a budget that holds only some of their caches at a time: the KV
// memory never exceeds the budget, and every stream gives what it gives alone.
TEST_F(Cache, EightStreamsStayWithinTheBudget) {
  const Model& m = *model_;
  StepLoopConfig c = small_config(8);
  c.budget_cells = 8 * 40;
  c.max_ctx = 64;
  StepLoop loop(m, nullptr, c);
  std::atomic<bool> over{false};
  std::vector<std::vector<int32_t>> got(8);
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      Job j{prompt_of(20 + i, 10 + static_cast<size_t>(i), m.config().n_vocab), 20, 1.1f};
      auto seq = loop.join(j.prompt, 64, static_cast<int64_t>(j.prompt.size()) + 21);
      FakeText text;
      generate(*seq, j.prompt, greedy(j), text, [&](std::string_view) {
        const StepLoopStats st = loop.stats();
        if (st.kv_bytes > st.kv_budget_bytes) over = true;
        return true;
      });
      got[static_cast<size_t>(i)] = text.pushed;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_FALSE(over);
  for (int i = 0; i < 8; ++i) {
    Job j{prompt_of(20 + i, 10 + static_cast<size_t>(i), m.config().n_vocab), 20, 1.1f};
    EXPECT_EQ(got[static_cast<size_t>(i)], alone(m, j)) << "stream " << i;
  }
}

// A caller that stops (its client went away) leaves at once: its slot is free for the next.
TEST_F(Cache, ACancelledSequenceLeavesAndFreesItsSlot) {
  const Model& m = *model_;
  StepLoop loop(m, nullptr, small_config(1));
  Job j{prompt_of(30, 8, m.config().n_vocab), 50, 1.1f};
  {
    auto seq = loop.join(j.prompt, 128, 60);
    FakeText text;
    int pieces = 0;
    const GenerateStats st = generate(*seq, j.prompt, greedy(j), text,
                                      [&](std::string_view) { return ++pieces < 3; });
    EXPECT_EQ(st.done_reason, "");
    EXPECT_EQ(st.eval_count, 3);
    EXPECT_EQ(loop.stats().running, 1);
  }
  EXPECT_EQ(loop.stats().running, 0);
  on(loop, j, 60);  // the one running slot is free again
}

// Gemma 3 (tests/data/decoders/gemma3-*.gguf: window 8, 5 of 6 layers local). Passes of up to 8
// tokens make the local layers' rings 15 cells (model/kv_cache.h), so every sequence below wraps
// them many times.
class GemmaBatched : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    model_ = load_model(std::make_shared<const GgufFile>(
        GgufFile::open(std::string(SLIMLLM_DATA) + "/decoders/" + GetParam())));
  }
  static StepLoopConfig config(int running) {
    StepLoopConfig c = small_config(running);
    c.num_batch = std::max(8, c.slots);
    return c;
  }
  std::unique_ptr<Model> model_;
};

// Three sequences decoded together (prompts read in chunks among the decodes) give what each
// gives alone.
TEST_P(GemmaBatched, SequencesTogetherGiveTheTokensTheyGiveAlone) {
  const Model& m = *model_;
  const int64_t vocab = m.config().n_vocab;
  const std::vector<Job> jobs = {{prompt_of(1, 21, vocab), 40, 1.1f},
                                 {prompt_of(2, 5, vocab), 50, 1.0f},
                                 {prompt_of(3, 13, vocab), 30, 1.3f}};
  StepLoop loop(m, nullptr, config(3));
  std::vector<std::vector<int32_t>> got(jobs.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < jobs.size(); ++i) {
    threads.emplace_back([&, i] {
      const Job& j = jobs[i];
      auto seq = loop.join(j.prompt, 128, static_cast<int64_t>(j.prompt.size()) + j.num_predict + 1);
      FakeText text;
      generate(*seq, j.prompt, greedy(j), text, [](std::string_view) { return true; });
      got[i] = text.pushed;
    });
  }
  for (auto& t : threads) t.join();
  for (size_t i = 0; i < jobs.size(); ++i) {
    EXPECT_EQ(got[i].size(), static_cast<size_t>(jobs[i].num_predict));
    EXPECT_EQ(got[i], alone(m, jobs[i])) << "job " << i;
  }
}

// A cached sequence that ran far past the window: a request sharing only its early prefix cannot
// continue from the ring (which dropped the window before that prefix's end), so it is read cold
// and gives the cold run's tokens; the conversation's next turn (sharing all of it) reuses it.
TEST_P(GemmaBatched, ThePromptCacheReusesOnlyWhatTheRingStillHolds) {
  const Model& m = *model_;
  const int64_t vocab = m.config().n_vocab;
  StepLoopConfig c = config(1);
  c.slots = 1;  // every request takes the one cached slot
  StepLoop loop(m, nullptr, c);
  const Job turn1{prompt_of(5, 20, vocab), 40, 1.1f};
  const auto [first, cached1] = on(loop, turn1, 64);
  EXPECT_EQ(cached1, 0);
  Job turn2 = turn1;
  turn2.prompt.insert(turn2.prompt.end(), first.begin(), first.end());
  turn2.prompt.push_back(3);
  turn2.prompt.push_back(17);
  turn2.num_predict = 20;
  const auto [second, cached2] = on(loop, turn2, 100);
  EXPECT_GE(cached2, static_cast<int64_t>(turn1.prompt.size() + first.size() - 1));
  EXPECT_EQ(second, alone(m, turn2));

  Job early{std::vector<int32_t>(turn1.prompt.begin(), turn1.prompt.begin() + 12), 30, 1.1f};
  early.prompt.push_back(7);
  early.prompt.push_back(9);
  const auto [got_early, cached_early] = on(loop, early, 64);
  EXPECT_EQ(cached_early, 0);
  EXPECT_EQ(got_early, alone(m, early));

  // The single-sequence session: the same refusal, through the generation loop's keep_prefix.
  Session s(m, 128, 8, nullptr);
  FakeText t1, t2;
  generate(s, turn2.prompt, greedy(turn2), t1, [](std::string_view) { return true; });
  const GenerateStats st =
      generate(s, early.prompt, greedy(early), t2, [](std::string_view) { return true; });
  EXPECT_EQ(st.prompt_cached_count, 0);
  EXPECT_EQ(t2.pushed, alone(m, early));
}

// The loop's KV bytes are the ring's: one sequence holding 100 cells costs 100 cells in the
// global layer and 15 in each local one.
TEST_P(GemmaBatched, KvBytesAreTheWindows) {
  const Model& m = *model_;
  StepLoop loop(m, nullptr, config(1));
  Job j{prompt_of(9, 30, m.config().n_vocab), 60, 1.1f};
  on(loop, j, 100);
  const uint64_t cell = static_cast<uint64_t>(m.config().kv_dim()) * 2 * sizeof(uint16_t);
  EXPECT_EQ(loop.stats().kv_bytes, (100 + 5 * 15) * cell);
  EXPECT_EQ(loop.stats().kv_budget_bytes, 128 * 6 * cell);
}

INSTANTIATE_TEST_SUITE_P(Gemma3, GemmaBatched,
                         ::testing::Values("gemma3-f32.gguf", "gemma3-q8_0.gguf"),
                         [](const auto& info) {
                           return info.param.find("q8_0") != std::string::npos ? "q8_0" : "f32";
                         });

}  // namespace
}  // namespace slimllm
