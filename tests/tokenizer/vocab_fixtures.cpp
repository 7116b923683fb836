#include "vocab_fixtures.h"

#include "gguf/reader.h"

namespace slimllm::testing {
namespace {

Tokenizer load(const std::string& path) {
  return Tokenizer::from_gguf(GgufFile::open(path));
}

}  // namespace

std::string tokenizer_testdata(const std::string& name) {
  return std::string(SLIMLLM_TESTDATA) + "/tokenizer/" + name;
}

const Tokenizer& spm_tokenizer() {
  static const Tokenizer tokenizer = load(tokenizer_testdata("ggml-vocab-llama-spm.gguf"));
  return tokenizer;
}

const Tokenizer& llama3_tokenizer() {
  static const Tokenizer tokenizer = load(tokenizer_testdata("ggml-vocab-llama-bpe.gguf"));
  return tokenizer;
}

const Tokenizer& qwen2_tokenizer() {
  static const Tokenizer tokenizer = load(tokenizer_testdata("ggml-vocab-qwen2.gguf"));
  return tokenizer;
}

const Tokenizer& bert_tokenizer() {
  static const Tokenizer tokenizer = load(tokenizer_testdata("ggml-vocab-bert-bge.gguf"));
  return tokenizer;
}

const Tokenizer& stories_tokenizer() {
  static const Tokenizer tokenizer = load(std::string(SLIMLLM_DATA) + "/models/stories260K.gguf");
  return tokenizer;
}

}  // namespace slimllm::testing
