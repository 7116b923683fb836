#include "engine/rerank_pair.h"

#include <algorithm>

#include "engine/runner.h"

namespace slimllm {

std::vector<int32_t> rerank_pair(const Tokenizer& tokenizer, std::string_view query,
                                 std::string_view document, int64_t num_ctx, bool truncate) {
  std::vector<int32_t> q = tokenizer.encode(query, false, false);
  std::vector<int32_t> d = tokenizer.encode(document, false, false);
  const int32_t bos = tokenizer.bos(), eos = tokenizer.eos(), sep = tokenizer.separator();
  const int64_t specials = (bos >= 0) + 2 * (eos >= 0) + (sep >= 0);
  const int64_t total = specials + static_cast<int64_t>(q.size() + d.size());
  if (total > num_ctx) {
    if (!truncate) throw ContextExceededError();
    int64_t excess = total - num_ctx;
    const int64_t from_document = std::min<int64_t>(excess, static_cast<int64_t>(d.size()));
    d.resize(d.size() - static_cast<size_t>(from_document));
    excess -= from_document;
    if (excess > static_cast<int64_t>(q.size())) {
      throw EmbedInputError("the context cannot hold even the reranking pair's special tokens");
    }
    q.resize(q.size() - static_cast<size_t>(excess));
  }
  std::vector<int32_t> out;
  out.reserve(static_cast<size_t>(std::min(total, num_ctx)));
  if (bos >= 0) out.push_back(bos);
  out.insert(out.end(), q.begin(), q.end());
  if (eos >= 0) out.push_back(eos);
  if (sep >= 0) out.push_back(sep);
  out.insert(out.end(), d.begin(), d.end());
  if (eos >= 0) out.push_back(eos);
  if (out.empty()) throw EmbedInputError("the reranking pair is empty after tokenization");
  return out;
}

}  // namespace slimllm
