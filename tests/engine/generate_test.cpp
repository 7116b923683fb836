// The generation loop on a tiny synthetic model with a hand-made vocabulary.
#include "engine/generate.h"

#include <gtest/gtest.h>

#include "model/tiny_model.h"

namespace slimllm {
namespace {

// Token i's text is kPieces[i % size]; token 0 ends the generation.
class FakeText final : public TokenText {
 public:
  bool is_end_of_generation(int32_t id) const override { return id == eog; }
  std::string push(int32_t id) override {
    pushed.push_back(id);
    return piece(id);
  }
  std::string flush() override { return ""; }
  std::string token_text(int32_t id) const override { return piece(id); }
  static std::string piece(int32_t id) {
    static const char* kPieces[] = {"", "a", "b", "c", "d", "e", "f", "g", "h", "<", "|", ">", " "};
    return kPieces[id % 13];
  }
  int32_t eog = -1;
  std::vector<int32_t> pushed;
};

class Generate : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    path_ = ::testing::TempDir() + "/generate-tiny.gguf";
    testing_models::TinyModelSpec spec;
    spec.n_ctx = 64;
    testing_models::write_tiny_model(path_, spec);
  }
  void SetUp() override {
    model_ = load_model(std::make_shared<const GgufFile>(GgufFile::open(path_)));
  }
  GenerateOptions greedy(int n) {
    GenerateOptions o;
    o.sampling.temperature = 0;
    o.num_predict = n;
    return o;
  }
  static inline std::string path_;
  std::unique_ptr<Model> model_;
  const std::vector<int32_t> prompt_ = {1, 2, 3, 4, 5};
};

TEST_F(Generate, StopsAtNumPredictWithLength) {
  Session s(*model_, 64, 8, nullptr);
  FakeText text;
  std::string streamed;
  auto st = generate(s, prompt_, greedy(10), text, [&](std::string_view p) {
    streamed += p;
    return true;
  });
  EXPECT_EQ(st.done_reason, "length");
  EXPECT_EQ(st.eval_count, 10);
  EXPECT_EQ(st.prompt_eval_count, 5);
  EXPECT_EQ(text.pushed.size(), 10u);
  std::string expected;
  for (int32_t id : text.pushed) expected += FakeText::piece(id);
  EXPECT_EQ(streamed, expected);
  EXPECT_GT(st.total_duration, 0);
  EXPECT_GE(st.total_duration, st.prompt_eval_duration + st.eval_duration);
}

TEST_F(Generate, EndOfGenerationTokenStopsWithStop) {
  Session s(*model_, 64, 8, nullptr);
  FakeText probe;
  generate(s, prompt_, greedy(6), probe, [](std::string_view) { return true; });
  FakeText text;
  text.eog = probe.pushed[3];  // the 4th greedy token ends it
  Session s2(*model_, 64, 8, nullptr);
  auto st = generate(s2, prompt_, greedy(20), text, [](std::string_view) { return true; });
  EXPECT_EQ(st.done_reason, "stop");
  EXPECT_LE(st.eval_count, 3);
}

TEST_F(Generate, StopStringAcrossTokensNeverReachesTheCaller) {
  Session s(*model_, 64, 8, nullptr);
  FakeText probe;
  generate(s, prompt_, greedy(12), probe, [](std::string_view) { return true; });
  // A stop string made of the texts of greedy tokens 4..6 spans three tokens.
  std::string before, stop;
  for (size_t i = 0; i < 4; ++i) before += FakeText::piece(probe.pushed[i]);
  for (size_t i = 4; i < 7; ++i) stop += FakeText::piece(probe.pushed[i]);
  ASSERT_FALSE(stop.empty());
  GenerateOptions o = greedy(12);
  o.stop = {stop};
  FakeText text;
  std::string streamed;
  Session s2(*model_, 64, 8, nullptr);
  auto st = generate(s2, prompt_, o, text, [&](std::string_view p) {
    streamed += p;
    return true;
  });
  EXPECT_EQ(st.done_reason, "stop");
  EXPECT_EQ(streamed.find(stop), std::string::npos);
  const std::string full = before + stop;
  EXPECT_EQ(streamed, full.substr(0, full.find(stop)));
}

TEST_F(Generate, CallbackReturningFalseCancelsWithinOneToken) {
  Session s(*model_, 64, 8, nullptr);
  FakeText text;
  int calls = 0;
  auto st = generate(s, prompt_, greedy(30), text, [&](std::string_view) {
    ++calls;
    return calls < 2;
  });
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(st.done_reason, "");
  EXPECT_LE(st.eval_count, static_cast<int64_t>(text.pushed.size()));
  EXPECT_LT(st.eval_count, 30);
}

TEST_F(Generate, ContextShiftKeepsGoingPastNumCtx) {
  Session s(*model_, 16, 8, nullptr);  // 16 cells, 5 prompt tokens, 40 generated
  FakeText text;
  auto st = generate(s, prompt_, greedy(40), text, [](std::string_view) { return true; });
  EXPECT_EQ(st.done_reason, "length");
  EXPECT_EQ(st.eval_count, 40);
  EXPECT_LE(static_cast<int64_t>(s.tokens().size()), 16);
  // The kept head is the prompt's first num_keep tokens.
  EXPECT_EQ(std::vector<int32_t>(s.tokens().begin(), s.tokens().begin() + 4),
            std::vector<int32_t>(prompt_.begin(), prompt_.begin() + 4));
}

// Ollama's cap: a num_predict of -1 (no limit) or past ten contexts ends after ten contexts of
// generated tokens, shifting as it goes, instead of running on.
TEST_F(Generate, NumPredictIsCappedAtTenContexts) {
  for (const int n : {-1, 100000000}) {
    SCOPED_TRACE(n);
    Session s(*model_, 16, 8, nullptr);
    FakeText text;
    auto st = generate(s, prompt_, greedy(n), text, [](std::string_view) { return true; });
    EXPECT_EQ(st.done_reason, "length");
    EXPECT_EQ(st.eval_count, 160);
  }
  Session s(*model_, 16, 8, nullptr);
  FakeText text;
  auto st = generate(s, prompt_, greedy(159), text, [](std::string_view) { return true; });
  EXPECT_EQ(st.eval_count, 159);  // below the cap: as asked
}

TEST_F(Generate, WithoutShiftAFullContextEndsWithLength) {
  Session s(*model_, 16, 8, nullptr);
  GenerateOptions o = greedy(40);
  o.shift = false;
  FakeText text;
  auto st = generate(s, prompt_, o, text, [](std::string_view) { return true; });
  EXPECT_EQ(st.done_reason, "length");
  EXPECT_EQ(st.eval_count, 16 - 5 + 1);
}

TEST_F(Generate, ReusedPrefixGivesTheSameTokens) {
  Session s(*model_, 64, 8, nullptr);
  FakeText first, second;
  generate(s, prompt_, greedy(8), first, [](std::string_view) { return true; });
  generate(s, prompt_, greedy(8), second, [](std::string_view) { return true; });  // cached
  EXPECT_EQ(first.pushed, second.pushed);
}

TEST_F(Generate, SeededSamplingReproduces) {
  GenerateOptions o;
  o.num_predict = 12;
  o.sampling.seed = 1234;
  o.sampling.temperature = 1.0f;
  FakeText a, b;
  Session s1(*model_, 64, 8, nullptr), s2(*model_, 64, 8, nullptr);
  generate(s1, prompt_, o, a, [](std::string_view) { return true; });
  generate(s2, prompt_, o, b, [](std::string_view) { return true; });
  EXPECT_EQ(a.pushed, b.pushed);
}

}  // namespace
}  // namespace slimllm
