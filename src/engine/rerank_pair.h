// How a cross-encoder reads a query/document pair: one input of
//   [BOS] query [EOS] [SEP] document [EOS]
// with each special token present only when the vocabulary has it — llama.cpp's layout, which
// gives XLM-RoBERTa rerankers (bge-reranker-v2-m3) their trained "<s> q </s></s> d </s>" and
// BERT ones "[CLS] q [SEP] d".
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "tokenizer/tokenizer.h"

namespace slimllm {

// The pair's tokens (texts tokenized without special tokens, control-token spellings as plain
// text), at most `num_ctx` of them: a longer pair loses the document's tail first, then the
// query's, when `truncate`; otherwise throws ContextExceededError (engine/runner.h).
std::vector<int32_t> rerank_pair(const Tokenizer& tokenizer, std::string_view query,
                                 std::string_view document, int64_t num_ctx, bool truncate);

}  // namespace slimllm
