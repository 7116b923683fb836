// llama.cpp's tokenizer test cases (testdata/tokenizer/*.inp/.out): every case must encode to
// exactly the expected ids (no BOS, specials not parsed) and, for the lossless tokenizers, those
// ids must decode back to the input.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "gguf/reader.h"
#include "vocab_fixtures.h"

namespace slimllm {
namespace {

using testing::tokenizer_testdata;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << "cannot open " << path;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

struct GoldenCase {
  std::string input;
  std::vector<int32_t> ids;
};

std::vector<GoldenCase> read_cases(const std::string& vocab) {
  std::string inputs = read_file(tokenizer_testdata(vocab + ".inp"));
  std::string outputs = read_file(tokenizer_testdata(vocab + ".out"));
  const std::string separator = "\n__ggml_vocab_test__\n";
  std::vector<GoldenCase> cases;
  size_t at = 0;
  while (at < inputs.size()) {
    size_t end = inputs.find(separator, at);
    if (end == std::string::npos) end = inputs.size();
    cases.push_back({inputs.substr(at, end - at), {}});
    at = end + separator.size();
  }
  std::istringstream lines(outputs);
  std::string line;
  size_t index = 0;
  while (std::getline(lines, line)) {
    if (index >= cases.size()) {
      ADD_FAILURE() << vocab << ": more expected lines than inputs";
      break;
    }
    std::istringstream numbers(line);
    int32_t id;
    while (numbers >> id) cases[index].ids.push_back(id);
    ++index;
  }
  EXPECT_EQ(index, cases.size()) << vocab << ": inputs and expected lines differ in number";
  return cases;
}

// lossless: decode gives back the input. WordPiece lower-cases, strips accents and drops
// whitespace, so only its encoding is checked here (wordpiece_test.cpp covers its decoding).
void check_vocab(const Tokenizer& tokenizer, const std::string& vocab, bool lossless = true) {
  std::vector<GoldenCase> cases = read_cases(vocab);
  ASSERT_GT(cases.size(), 30u);
  size_t encoded = 0, decoded = 0;
  for (const GoldenCase& c : cases) {
    std::vector<int32_t> ids = tokenizer.encode(c.input, false, false);
    if (ids == c.ids) {
      ++encoded;
    } else {
      ADD_FAILURE() << vocab << ": input '" << c.input << "' encodes differently";
      EXPECT_EQ(ids, c.ids);
    }
    if (!lossless) continue;
    std::string text = tokenizer.decode(c.ids);
    if (text == c.input) {
      ++decoded;
    } else {
      EXPECT_EQ(text, c.input) << vocab << ": decode of the expected ids";
    }
  }
  std::printf("[ golden   ] %s: %zu/%zu cases encode", vocab.c_str(), encoded, cases.size());
  if (lossless) std::printf(", %zu/%zu decode", decoded, cases.size());
  std::printf("\n");
}

TEST(TokenizerGolden, LlamaSentencePiece) {
  check_vocab(testing::spm_tokenizer(), "ggml-vocab-llama-spm.gguf");
}

TEST(TokenizerGolden, Llama3BytePairs) {
  check_vocab(testing::llama3_tokenizer(), "ggml-vocab-llama-bpe.gguf");
}

TEST(TokenizerGolden, Qwen2BytePairs) {
  check_vocab(testing::qwen2_tokenizer(), "ggml-vocab-qwen2.gguf");
}

TEST(TokenizerGolden, BertWordPiece) {
  check_vocab(testing::bert_tokenizer(), "ggml-vocab-bert-bge.gguf", /*lossless=*/false);
}

// llama.cpp's other test vocabularies, each with the pre-tokenizer it declares: gpt-2, falcon,
// starcoder, refact, mpt, deepseek-llm, deepseek-coder (byte-level BPE) and Phi-3
// (SentencePiece).
class OtherVocabGolden : public ::testing::TestWithParam<const char*> {};

TEST_P(OtherVocabGolden, EncodesAsLlamaCpp) {
  const std::string vocab = std::string("ggml-vocab-") + GetParam() + ".gguf";
  const Tokenizer tokenizer = Tokenizer::from_gguf(GgufFile::open(tokenizer_testdata(vocab)));
  check_vocab(tokenizer, vocab);
}

INSTANTIATE_TEST_SUITE_P(LlamaCppVocabularies, OtherVocabGolden,
                         ::testing::Values("phi-3", "gpt-2", "falcon", "refact", "starcoder",
                                           "deepseek-llm", "deepseek-coder", "mpt"),
                         [](const ::testing::TestParamInfo<const char*>& info) {
                           std::string name = info.param;
                           for (char& c : name)
                             if (c == '-') c = '_';
                           return name;
                         });

}  // namespace
}  // namespace slimllm
