// `slimllm tokenize` / `slimllm detokenize` output, which scripts parse.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <string>

namespace slimllm {
namespace {

struct Result {
  std::string out;
  int status = -1;
};

Result run(const std::string& args) {
  std::string command = std::string(SLIMLLM_BINARY) + " " + args + " 2>&1";
  Result result;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0) result.out.append(buffer, n);
  result.status = pclose(pipe);
  return result;
}

// The binary is built before the tests; a partial build (make test_tokenizer/fast) may lack it.
class CommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(SLIMLLM_BINARY)) GTEST_SKIP() << SLIMLLM_BINARY << " not built";
  }
};

const std::string kStories = std::string(SLIMLLM_DATA) + "/models/stories260K.gguf";
const std::string kQwen = std::string(SLIMLLM_TESTDATA) + "/tokenizer/ggml-vocab-qwen2.gguf";
const std::string kBert = std::string(SLIMLLM_TESTDATA) + "/tokenizer/ggml-vocab-bert-bge.gguf";

TEST_F(CommandTest, TokenizeCommandPrintsIdsAsJsonArray) {
  Result r = run("tokenize " + kStories + " 'Once upon a time'");
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out, "[1, 403, 407, 261, 378]\n");
  r = run("tokenize --no-bos " + kStories + " 'Once upon a time'");
  EXPECT_EQ(r.out, "[403, 407, 261, 378]\n");
  r = run("tokenize " + kStories + " ''");
  EXPECT_EQ(r.out, "[1]\n");
}

TEST_F(CommandTest, TokenizeCommandSpecialParsingSwitch) {
  Result parsed = run("tokenize " + kQwen + " '<|im_start|>user'");
  EXPECT_EQ(parsed.out, "[151644, 872]\n");
  // As text: "<|" "im" "_start" "|>" ... with no control token.
  Result plain = run("tokenize --no-special " + kQwen + " '<|im_start|>user'");
  EXPECT_EQ(plain.status, 0);
  EXPECT_EQ(plain.out, "[27, 91, 318, 4906, 91, 29, 872]\n");
}

TEST_F(CommandTest, DetokenizeCommandPrintsText) {
  Result r = run("detokenize " + kStories + " 1 403 407 261 378");
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out, "<s> Once upon a time\n");
  r = run("detokenize --no-special " + kStories + " 1 403 407 261 378");
  EXPECT_EQ(r.out, "Once upon a time\n");
}

TEST_F(CommandTest, TokenizeCommandWithBertVocabulary) {
  // WordPiece: lower-cased, punctuation split off, [CLS] ... [SEP] around the text.
  Result r = run("tokenize " + kBert + " 'Hello, world!'");
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out, "[101, 7592, 1010, 2088, 999, 102]\n");
  r = run("tokenize --no-bos " + kBert + " 'Hello, world!'");
  EXPECT_EQ(r.out, "[7592, 1010, 2088, 999]\n");
  r = run("detokenize " + kBert + " 101 7592 1010 2088 999 102");
  EXPECT_EQ(r.out, "[CLS] hello, world![SEP]\n");
  r = run("detokenize --no-special " + kBert + " 101 7592 1010 2088 999 102");
  EXPECT_EQ(r.out, "hello, world!\n");
}

TEST_F(CommandTest, DetokenizeCommandRejectsBadIds) {
  Result r = run("detokenize " + kStories + " 1 abc");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.out.find("'abc'"), std::string::npos) << r.out;
  r = run("detokenize " + kStories + " 512");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.out.find("512"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace slimllm
