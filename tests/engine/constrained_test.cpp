// The generation loop held to a grammar, and its log-probability reports, on a tiny synthetic
// model with a hand-made vocabulary: whatever the random model prefers, the output follows the
// grammar and ends where the grammar does.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>

#include "engine/generate.h"
#include "engine/logprobs.h"
#include "engine/output_constraint.h"
#include "grammar/grammar.h"
#include "model/tiny_model.h"

namespace slimllm {
namespace {

// Token i's text is kPieces[i % 13]; token `eog` ends the generation.
constexpr const char* kPieces[] = {"", "a", "b", "c", "d", "e", "f", "g", "h", "<", "|", ">", " "};

class PieceText final : public TokenText {
 public:
  explicit PieceText(int32_t eog) : eog_(eog) {}
  bool is_end_of_generation(int32_t id) const override { return id == eog_; }
  std::string push(int32_t id) override { return token_text(id); }
  std::string flush() override { return ""; }
  std::string token_text(int32_t id) const override { return id == eog_ ? "" : kPieces[id % 13]; }

 private:
  int32_t eog_;
};

class Constrained : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    path_ = ::testing::TempDir() + "/constrained-tiny.gguf";
    testing_models::TinyModelSpec spec;
    spec.n_ctx = 128;
    testing_models::write_tiny_model(path_, spec);
  }
  void SetUp() override {
    model_ = load_model(std::make_shared<const GgufFile>(GgufFile::open(path_)));
    const int32_t n = static_cast<int32_t>(model_->config().n_vocab);
    eog_ = n - 1;
    std::vector<std::string> pieces(static_cast<size_t>(n));
    std::vector<uint8_t> eog(static_cast<size_t>(n), 0);
    for (int32_t id = 0; id < n; ++id) pieces[static_cast<size_t>(id)] = kPieces[id % 13];
    pieces[static_cast<size_t>(eog_)] = "";
    eog[static_cast<size_t>(eog_)] = 1;
    vocab_ = std::make_shared<const GrammarVocab>(pieces, eog);
  }
  GenerateOptions sampled(int n, int64_t seed) {
    GenerateOptions o;
    o.sampling.temperature = 1.0f;
    o.sampling.top_k = 0;
    o.sampling.top_p = 1.0f;
    o.sampling.seed = seed;
    o.num_predict = n;
    return o;
  }
  std::string run(const std::string& gbnf, const GenerateOptions& o, GenerateStats* stats,
                  const std::string& after = "") {
    OutputConstraint constraint(grammar::compile_gbnf(gbnf), vocab_, after);
    GenerateControls controls;
    controls.constraint = &constraint;
    Session s(*model_, 128, 16, nullptr);
    PieceText text(eog_);
    std::string out;
    *stats = generate(
        s, prompt_, o, text,
        [&](const GeneratedPiece& p) {
          out += p.text;
          return true;
        },
        controls);
    return out;
  }

  static inline std::string path_;
  std::unique_ptr<Model> model_;
  std::shared_ptr<const GrammarVocab> vocab_;
  int32_t eog_ = 0;
  const std::vector<int32_t> prompt_ = {1, 2, 3, 4, 5};
};

TEST_F(Constrained, OutputFollowsTheGrammarAndEndsWithIt) {
  // Exactly "<" then 2..5 letters from a-c then ">": the grammar forces the end.
  const std::string gbnf = "root ::= \"<\" [a-c]{2,5} \">\"";
  for (int64_t seed = 1; seed <= 8; ++seed) {
    GenerateStats st;
    const std::string out = run(gbnf, sampled(50, seed), &st);
    ASSERT_GE(out.size(), 4u) << seed;
    EXPECT_EQ(out.front(), '<') << out;
    EXPECT_EQ(out.back(), '>') << out;
    EXPECT_LE(out.size(), 7u) << out;
    for (size_t i = 1; i + 1 < out.size(); ++i)
      EXPECT_NE(std::string("abc").find(out[i]), std::string::npos) << out;
    EXPECT_EQ(st.done_reason, "stop") << out;
  }
}

TEST_F(Constrained, EndOfGenerationOnlyOnceTheGrammarIsComplete) {
  // "a"+ can always continue, so it ends only by the model's end token (allowed once there is
  // at least one "a") or by num_predict.
  for (int64_t seed = 1; seed <= 8; ++seed) {
    GenerateStats st;
    const std::string out = run("root ::= \"a\"+", sampled(30, seed), &st);
    ASSERT_FALSE(out.empty());
    EXPECT_EQ(out, std::string(out.size(), 'a'));
  }
}

TEST_F(Constrained, GreedyToo) {
  GenerateOptions o = sampled(40, 1);
  o.sampling.temperature = 0;
  GenerateStats st;
  EXPECT_EQ(run("root ::= \"hello\" | \"head\"", o, &st).substr(0, 2), "he");
  EXPECT_EQ(st.done_reason, "stop");
}

TEST_F(Constrained, GrammarHoldsOnlyAfterItsTrigger) {
  // Free text until "|>", then exactly "abc".
  int triggered = 0;
  for (int64_t seed = 1; seed <= 40; ++seed) {
    GenerateStats st;
    const std::string out = run("root ::= \"abc\"", sampled(400, seed), &st, "|>");
    const size_t at = out.find("|>");
    if (at == std::string::npos) continue;  // never triggered: unconstrained throughout
    std::string rest = out.substr(at + 2);
    rest.erase(0, rest.find_first_not_of(' '));
    EXPECT_EQ(rest, "abc") << out;
    EXPECT_EQ(st.done_reason, "stop");
    ++triggered;
  }
  EXPECT_GT(triggered, 0);  // the random model did write the trigger in some runs
}

TEST_F(Constrained, LogprobsAreTheModelsOwnDistribution) {
  // With a grammar forcing "<", the report is still of the unmasked distribution: the logprob of
  // the forced token under the model's own softmax, and the top alternatives the model liked.
  OutputConstraint constraint(grammar::compile_gbnf("root ::= \"<\" \">\""), vocab_);
  GenerateControls controls;
  controls.constraint = &constraint;
  controls.logprobs = true;
  controls.top_logprobs = 3;
  Session s(*model_, 128, 16, nullptr);
  PieceText text(eog_);
  std::vector<TokenLogprob> reports;
  GenerateOptions o = sampled(10, 3);
  o.sampling.temperature = 0;
  generate(
      s, prompt_, o, text,
      [&](const GeneratedPiece& p) {
        reports.insert(reports.end(), p.logprobs.begin(), p.logprobs.end());
        return true;
      },
      controls);
  ASSERT_EQ(reports.size(), 2u);
  EXPECT_EQ(reports[0].token, "<");
  EXPECT_EQ(reports[1].token, ">");
  for (const TokenLogprob& r : reports) {
    EXPECT_LT(r.logprob, 0.0f);
    ASSERT_EQ(r.top.size(), 3u);
    EXPECT_GE(r.top[0].logprob, r.top[1].logprob);
    EXPECT_GE(r.top[1].logprob, r.top[2].logprob);
    EXPECT_GE(r.top[0].logprob, r.logprob);  // the best is at least as likely as the forced one
  }
}

TEST(TokenLogprobOf, IsLogSoftmaxWithSortedAlternatives) {
  const std::vector<float> logits = {1.0f, 3.0f, -2.0f, 3.0f, 0.5f};
  PieceText text(-1);
  const TokenLogprob r = token_logprob(logits, 4, 3, text);
  double sum = 0;
  for (float l : logits) sum += std::exp(static_cast<double>(l));
  EXPECT_NEAR(r.logprob, 0.5 - std::log(sum), 1e-6);
  EXPECT_EQ(r.token, "d");
  ASSERT_EQ(r.top.size(), 3u);
  EXPECT_EQ(r.top[0].token, "a");  // id 1 (ties broken by the lower id: 1 before 3)
  EXPECT_EQ(r.top[1].token, "c");  // id 3
  EXPECT_EQ(r.top[2].token, "");   // id 0
  EXPECT_NEAR(r.top[0].logprob, 3.0 - std::log(sum), 1e-6);
  EXPECT_EQ(token_logprob(logits, 0, 0, text).top.size(), 0u);
  EXPECT_EQ(token_logprob(logits, 0, 20, text).top.size(), 5u);
}

}  // namespace
}  // namespace slimllm
