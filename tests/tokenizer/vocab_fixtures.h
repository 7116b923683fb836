// Shared tokenizers for the tests, loaded once per process (the BPE vocabularies take a moment).
#pragma once

#include <string>

#include "tokenizer/tokenizer.h"

namespace slimllm::testing {

std::string tokenizer_testdata(const std::string& name);  // path under testdata/tokenizer/
const Tokenizer& spm_tokenizer();                         // ggml-vocab-llama-spm.gguf
const Tokenizer& llama3_tokenizer();                      // ggml-vocab-llama-bpe.gguf
const Tokenizer& qwen2_tokenizer();                       // ggml-vocab-qwen2.gguf
const Tokenizer& bert_tokenizer();                        // ggml-vocab-bert-bge.gguf
const Tokenizer& stories_tokenizer();                     // stories260K.gguf

}  // namespace slimllm::testing
