#include "model/forward_state.h"

#include <algorithm>

#include "base/error.h"

namespace slimllm {

ForwardState::ForwardState(const ModelConfig& c, const std::vector<const WeightView*>& weights,
                           int64_t max_tokens_, int64_t max_outputs_, OutputKind kind)
    : max_tokens(max_tokens_), max_outputs(max_outputs_) {
  if (max_tokens <= 0 || max_tokens > 65536 || max_outputs <= 0 || max_outputs > max_tokens) {
    fail("forward pass buffers out of range: ", max_tokens, " tokens, ", max_outputs, " outputs");
  }
  auto sized = [](int64_t a, int64_t b) { return static_cast<size_t>(a * b); };
  x.resize(sized(max_tokens, c.n_embd));
  xb.resize(sized(max_tokens, c.n_embd));
  xb2.resize(sized(max_tokens, c.n_embd));
  q.resize(sized(max_tokens, c.q_dim()));
  k.resize(sized(max_tokens, c.kv_dim()));
  v.resize(sized(max_tokens, c.kv_dim()));
  att.resize(sized(max_tokens, c.q_dim()));
  hb.resize(sized(max_tokens, c.n_ff));
  hb2.resize(sized(max_tokens, c.n_ff));
  out_x.resize(sized(max_outputs, c.n_embd));
  output.resize(
      sized(max_outputs, kind == OutputKind::kLogits ? std::max(c.n_vocab, c.n_embd) : c.n_embd));
  ids.resize(static_cast<size_t>(max_tokens));
  positions.resize(static_cast<size_t>(max_tokens));
  n_visible.resize(static_cast<size_t>(max_tokens));
  k_cells.resize(static_cast<size_t>(max_tokens));
  v_cells.resize(static_cast<size_t>(max_tokens));
  // Enough for matmul_many of any group of these matrices (q, k and v may differ in type).
  scratch.resize(matmul_scratch_bytes(weights, max_tokens));
}

}  // namespace slimllm
