#include "model/embedding.h"

#include <algorithm>
#include <numeric>
#include <optional>
#include <string>

#include "base/error.h"

namespace slimllm {
namespace {

// kNone and kLast read the same token; see pooling_of.
Pooling effective(Pooling pooling) { return pooling == Pooling::kNone ? Pooling::kLast : pooling; }

// Whether the token at `pos` of a `len`-token input contributes to the pooled vector. A
// reranker's head reads the first token's state, as BERT's classifier reads [CLS].
bool wants_output(Pooling pooling, int64_t pos, int64_t len) {
  switch (pooling) {
    case Pooling::kMean:
      return true;
    case Pooling::kCls:
    case Pooling::kRank:
      return pos == 0;
    default:
      return pos == len - 1;
  }
}

int64_t outputs_for(Pooling pooling, int64_t len) {
  return pooling == Pooling::kMean ? len : 1;
}

// Accumulates the hidden rows of one input's tokens into its pooled vector.
class Pooler {
 public:
  Pooler(Pooling pooling, int64_t d, int64_t len)
      : pooling_(pooling), len_(len), sum_(static_cast<size_t>(d), 0.0) {}
  // `row` [d] is the state of a token for which wants_output() holds.
  void add(const float* row) {
    // Double sums: a long input's mean does not depend on the order its chunks arrive in.
    for (size_t j = 0; j < sum_.size(); ++j) sum_[j] += row[j];
  }
  std::vector<float> result() const {
    const double scale = pooling_ == Pooling::kMean ? 1.0 / static_cast<double>(len_) : 1.0;
    std::vector<float> out(sum_.size());
    for (size_t j = 0; j < sum_.size(); ++j) out[j] = static_cast<float>(sum_[j] * scale);
    return out;
  }

 private:
  Pooling pooling_;
  int64_t len_;
  std::vector<double> sum_;
};

void check_input(std::span<const int32_t> tokens, int64_t max_ctx) {
  const int64_t n = static_cast<int64_t>(tokens.size());
  if (n == 0) fail("embedding: no input tokens");
  if (n > max_ctx) fail("embedding: input of ", n, " tokens exceeds the context length ", max_ctx);
}

}  // namespace

Pooling pooling_of(const Model& model) {
  // The config keeps the file's numbering; kNone (every decoder) pools the last token.
  return effective(static_cast<Pooling>(model.config().pooling_type));
}

// The pooled state as the caller gets it: through the classification head for a reranker.
std::vector<float> finished(const Model& model, Pooling pooling, std::vector<float> pooled) {
  return pooling == Pooling::kRank ? model.classify(pooled) : pooled;
}

std::vector<float> embed(const Model& model, std::span<const int32_t> tokens, Pooling pooling,
                         KvCache& kv, int64_t seq, ForwardState& state, ThreadPool* pool) {
  pooling = effective(pooling);
  check_input(tokens, kv.n_ctx());
  const int64_t n = static_cast<int64_t>(tokens.size());
  const int64_t d = model.config().n_embd;
  kv.clear(seq);
  Pooler pooler(pooling, d, n);
  // Chunks no larger than the state's output rows, since with mean pooling every token returns
  // its hidden state.
  const int64_t chunk = std::min(state.max_tokens, state.max_outputs);
  std::vector<BatchToken> batch;
  for (int64_t start = 0; start < n; start += chunk) {
    const int64_t len = std::min(chunk, n - start);
    batch.clear();
    for (int64_t i = start; i < start + len; ++i) {
      batch.push_back(BatchToken{tokens[static_cast<size_t>(i)], static_cast<int32_t>(i),
                                 static_cast<int32_t>(seq), wants_output(pooling, i, n)});
    }
    std::span<const float> out = model.forward(batch, kv, state, pool, OutputKind::kHidden);
    for (size_t r = 0; r * d < out.size(); ++r) pooler.add(out.data() + r * d);
  }
  return finished(model, pooling, pooler.result());
}

std::vector<std::vector<float>> embed_batch(const Model& model,
                                            std::span<const std::vector<int32_t>> inputs,
                                            Pooling pooling, int64_t max_ctx, ForwardState& state,
                                            ThreadPool* pool) {
  pooling = effective(pooling);
  for (const auto& tokens : inputs) check_input(tokens, max_ctx);
  const int64_t d = model.config().n_embd;
  const size_t n = inputs.size();
  std::vector<std::vector<float>> result(n);

  // Shortest first: neighbours have similar lengths, so a pass's cache (one row of cells per
  // input, as long as its longest) stays close to the tokens it holds.
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return inputs[a].size() < inputs[b].size(); });
  const int64_t max_tokens = state.max_tokens;
  const int64_t max_outputs = state.max_outputs;
  const int64_t max_cells = 2 * max_tokens;  // bounds the pass cache's size

  std::optional<KvCache> kv;
  std::vector<BatchToken> batch;
  std::vector<size_t> members;  // inputs of the pass; member j is sequence j
  std::vector<Pooler> poolers;
  size_t next = 0;
  while (next < n) {
    const auto& first = inputs[order[next]];
    const int64_t first_len = static_cast<int64_t>(first.size());
    if (first_len > max_tokens || outputs_for(pooling, first_len) > max_outputs) {
      // Too long for one pass: alone, in chunks. Every later input is at least as long.
      KvCache own = model.make_cache(first_len, 1);
      result[order[next]] = embed(model, first, pooling, own, 0, state, pool);
      ++next;
      continue;
    }
    members.clear();
    int64_t tokens = 0, outputs = 0, longest = 0;
    while (next < n) {
      const int64_t len = static_cast<int64_t>(inputs[order[next]].size());
      const int64_t count = static_cast<int64_t>(members.size()) + 1;
      const bool fits = tokens + len <= max_tokens &&
                        outputs + outputs_for(pooling, len) <= max_outputs &&
                        count * len <= std::max(max_cells, len);
      if (!fits) break;
      members.push_back(order[next++]);
      tokens += len;
      outputs += outputs_for(pooling, len);
      longest = len;
    }
    const int64_t count = static_cast<int64_t>(members.size());
    if (!kv || kv->n_seq() < count || kv->n_ctx() < longest) {
      kv.emplace(model.make_cache(longest, count));
    }
    batch.clear();
    poolers.clear();
    for (int64_t j = 0; j < count; ++j) {
      const auto& t = inputs[members[static_cast<size_t>(j)]];
      const int64_t len = static_cast<int64_t>(t.size());
      kv->clear(j);
      poolers.emplace_back(pooling, d, len);
      for (int64_t p = 0; p < len; ++p) {
        batch.push_back(BatchToken{t[static_cast<size_t>(p)], static_cast<int32_t>(p),
                                   static_cast<int32_t>(j), wants_output(pooling, p, len)});
      }
    }
    std::span<const float> out = model.forward(batch, *kv, state, pool, OutputKind::kHidden);
    // Rows come back in batch order, one per token that asked.
    size_t row = 0;
    for (const BatchToken& t : batch) {
      if (!t.output) continue;
      poolers[static_cast<size_t>(t.seq)].add(out.data() + row * static_cast<size_t>(d));
      ++row;
    }
    for (int64_t j = 0; j < count; ++j) {
      result[members[static_cast<size_t>(j)]] =
          finished(model, pooling, poolers[static_cast<size_t>(j)].result());
    }
  }
  return result;
}

}  // namespace slimllm
