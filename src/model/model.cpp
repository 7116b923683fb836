#include "model/model.h"

#include <algorithm>
#include <cmath>

#include "base/error.h"
#include "tensor/half.h"

namespace slimllm {

std::vector<const WeightView*> DecoderWeights::matrices() const {
  std::vector<const WeightView*> all = {&token_embd, &output};
  for (const LayerWeights& l : layers) {
    for (const WeightView* w : {&l.wq, &l.wk, &l.wv, &l.wo, &l.w_gate, &l.w_up, &l.w_down}) {
      all.push_back(w);
    }
  }
  return all;
}

Model::Model(std::shared_ptr<const GgufFile> file, ModelConfig config)
    : file_(std::move(file)), config_(std::move(config)) {}

ForwardState Model::make_state(int64_t max_tokens, int64_t max_outputs, OutputKind kind) const {
  return ForwardState(config_, weights_.matrices(), max_tokens, max_outputs, kind);
}

KvCache Model::make_cache(int64_t n_ctx, int64_t n_seq, bool allocate, int64_t max_batch) const {
  KvRing ring;
  const int64_t window = config_.sliding_window;
  if (max_batch > 0 && window > 0 && !config_.is_encoder) {
    ring.layers.resize(static_cast<size_t>(cache_layers()));
    for (int64_t l = 0; l < cache_layers(); ++l)
      ring.layers[static_cast<size_t>(l)] = config_.is_swa_layer(l) ? 1 : 0;
    const int64_t cells = std::max(window + max_batch - 1, 2 * window - 1);
    ring.cells = static_cast<int32_t>(std::min<int64_t>(cells, int64_t{1} << 30));
    ring.window = static_cast<int32_t>(window);
  }
  return KvCache(cache_layers(), n_ctx, n_seq, config_.kv_dim(), allocate, ring);
}

void Model::check_batch(std::span<const BatchToken> batch, const KvCache& kv,
                        const ForwardState& state) const {
  const int64_t n = static_cast<int64_t>(batch.size());
  if (n == 0) fail("forward pass: empty batch");
  if (n > state.max_tokens) {
    fail("forward pass: batch of ", n, " tokens exceeds the ", state.max_tokens,
         " it was sized for");
  }
  if (kv.n_layer() != cache_layers() || kv.kv_dim() != config_.kv_dim()) {
    fail("forward pass: KV cache was made for a different model");
  }
  int64_t outputs = 0;
  // A ring (kv_cache.h) takes at most ring - window + 1 tokens of a sequence per pass: more would
  // overwrite cells its first token still reads.
  std::vector<int32_t> first_pos(kv.ring() > 0 ? static_cast<size_t>(kv.n_seq()) : 0, -1);
  for (int64_t i = 0; i < n; ++i) {
    const BatchToken& t = batch[static_cast<size_t>(i)];
    if (t.token < 0 || t.token >= config_.n_vocab) {
      fail("forward pass: token id ", t.token, " is outside the vocabulary of ", config_.n_vocab);
    }
    if (t.seq < 0 || t.seq >= kv.n_seq()) {
      fail("forward pass: sequence ", t.seq, " is outside the cache's ", kv.n_seq());
    }
    if (t.pos < 0 || t.pos >= kv.n_ctx()) {
      fail("forward pass: position ", t.pos, " is outside the context of ", kv.n_ctx());
    }
    if (t.pos >= kv.capacity(t.seq)) {
      fail("forward pass: position ", t.pos, " is beyond the ", kv.capacity(t.seq),
           " cells sequence ", t.seq, " holds");
    }
    // The sequence's previous token in this batch, else its length in the cache, fixes where
    // this token may go. An encoder keeps nothing between calls: a sequence starts at 0.
    int64_t prev = i - 1;
    while (prev >= 0 && batch[static_cast<size_t>(prev)].seq != t.seq) --prev;
    if (prev < 0 && config_.is_encoder && t.pos != 0) {
      fail("forward pass: sequence ", t.seq, " starts at position ", t.pos,
           "; an encoder model takes each sequence whole, from position 0, in one batch");
    }
    if (prev >= 0 ? t.pos != batch[static_cast<size_t>(prev)].pos + 1 : t.pos > kv.length(t.seq)) {
      fail("forward pass: token at position ", t.pos, " of sequence ", t.seq,
           " does not follow the sequence's previous position");
    }
    if (config_.is_encoder && t.pos >= config_.n_ctx_train) {
      fail("forward pass: position ", t.pos, " is beyond the ", config_.n_ctx_train,
           " positions the model was trained for");
    }
    if (kv.ring() > 0) {
      int32_t& first = first_pos[static_cast<size_t>(t.seq)];
      if (first < 0) first = t.pos;
      if (t.pos - first + 1 > kv.ring() - kv.window() + 1) {
        fail("forward pass: more than ", kv.ring() - kv.window() + 1, " tokens of sequence ",
             t.seq, " in one batch; its sliding-window cache keeps a ring of ", kv.ring(),
             " cells");
      }
    }
    outputs += t.output ? 1 : 0;
  }
  if (outputs > state.max_outputs) {
    fail("forward pass: ", outputs, " outputs requested, the state holds ", state.max_outputs);
  }
}

std::span<const float> Model::forward(std::span<const BatchToken> batch, KvCache& kv,
                                      ForwardState& state, ThreadPool* pool,
                                      OutputKind kind) const {
  if (config_.is_encoder && kind == OutputKind::kLogits) {
    fail("forward pass: ", config_.arch, " is an embedding model, it has no logits");
  }
  check_batch(batch, kv, state);
  const int64_t n = static_cast<int64_t>(batch.size());
  for (int64_t i = 0; i < n; ++i) {
    state.ids[static_cast<size_t>(i)] = batch[static_cast<size_t>(i)].token;
    state.positions[static_cast<size_t>(i)] = batch[static_cast<size_t>(i)].pos;
  }
  // Non-causal attention sees the whole sequence, so its length must be known before the layers
  // run (attend() reads it); causal attention needs only each token's position.
  if (!config_.causal) {
    for (const BatchToken& t : batch) kv.set_length(t.seq, t.pos + 1);
  }
  forward_layers(batch, kv, state, pool);
  for (const BatchToken& t : batch) kv.set_length(t.seq, t.pos + 1);

  // out_x[n_out, n_embd] = the residual rows of the tokens that asked, then the final norm.
  const int64_t d = config_.n_embd;
  int64_t n_out = 0;
  for (int64_t i = 0; i < n; ++i) {
    if (!batch[static_cast<size_t>(i)].output) continue;
    std::copy_n(state.x.data() + i * d, d, state.out_x.data() + n_out * d);
    ++n_out;
  }
  if (n_out == 0) return {};
  if (kind == OutputKind::kHidden && weights_.output_norm.empty()) {
    // A post-norm encoder: the last layer's LayerNorm already made the final hidden state.
    std::copy_n(state.out_x.data(), n_out * d, state.output.data());
    return {state.output.data(), static_cast<size_t>(n_out * d)};
  }
  if (kind == OutputKind::kHidden) {
    rms_norm(state.out_x.data(), weights_.output_norm.data(), n_out, d, config_.norm_eps,
             state.output.data(), pool);
    return {state.output.data(), static_cast<size_t>(n_out * d)};
  }
  if (state.output.size() < static_cast<size_t>(n_out * config_.n_vocab)) {
    fail("forward pass: logits asked of a state made for hidden states only");
  }
  rms_norm(state.out_x.data(), weights_.output_norm.data(), n_out, d, config_.norm_eps,
           state.out_x.data(), pool);
  // output[n_out, n_vocab] = out_x · outputᵀ
  matmul(weights_.output, state.out_x.data(), n_out, state.output.data(), state.matmul_scratch(),
         pool);
  if (config_.logit_scale != 0.0f) {
    scale_in_place(state.output.data(), n_out * config_.n_vocab, 1.0f / config_.logit_scale);
  }
  if (config_.final_softcap > 0) {
    const float cap = config_.final_softcap;
    float* logits = state.output.data();
    for (int64_t i = 0; i < n_out * config_.n_vocab; ++i)
      logits[i] = cap * std::tanh(logits[i] / cap);
  }
  return {state.output.data(), static_cast<size_t>(n_out * config_.n_vocab)};
}

std::vector<float> Model::classify(std::span<const float> pooled) const {
  (void)pooled;
  fail("model file ", file_->path(), ": ", config_.arch,
       " has no classification head (a reranker's cls.output.weight)");
}

void Model::shift_context(KvCache& kv, int64_t seq, int32_t keep, int32_t discard,
                          ThreadPool* pool) const {
  if (discard <= 0) return;
  if (config_.is_encoder) fail("context shift: an encoder model keeps no context to shift");
  kv.remove(seq, keep, discard);
  // The next token reads the window before it: a ring must still hold it (with its size,
  // kv_cache.h, halving what follows `keep` always does).
  const int32_t len = kv.length(seq);
  if (kv.ring() > 0 && std::max(0, len - kv.window() + 1) < kv.ring_start(seq)) {
    fail("context shift: keeping ", keep, " and dropping ", discard,
         " tokens leaves the sliding window without cells its cache no longer holds");
  }
  // A rotation by pos·θ followed by one by -discard·θ is a rotation by (pos - discard)·θ.
  const int32_t delta = -discard;
  std::vector<float> cell(static_cast<size_t>(kv.kv_dim()));
  for (int64_t layer = 0; layer < config_.n_layer; ++layer) {
    const RopeParams rope_params = config_.rope(layer, kv.rope_context());
    // A ring layer holds only its last positions (each moved there by remove()).
    for (int32_t c = std::max(keep, kv.first_held(layer, seq)); c < len; ++c) {
      uint16_t* k = kv.k(layer, seq, c);
      for (size_t i = 0; i < cell.size(); ++i) cell[i] = f16_to_f32(k[i]);
      rope(cell.data(), 1, config_.n_head_kv, config_.head_dim, &delta, rope_params, nullptr);
      for (size_t i = 0; i < cell.size(); ++i) k[i] = f32_to_f16(cell[i]);
    }
  }
  (void)pool;
}

void Model::store_kv(KvCache& kv, int64_t layer, std::span<const BatchToken> batch, const float* k,
                     const float* v) {
  const int64_t dim = kv.kv_dim();
  for (size_t i = 0; i < batch.size(); ++i) {
    uint16_t* kc = kv.k(layer, batch[i].seq, batch[i].pos);
    uint16_t* vc = kv.v(layer, batch[i].seq, batch[i].pos);
    const float* kr = k + static_cast<int64_t>(i) * dim;
    const float* vr = v + static_cast<int64_t>(i) * dim;
    for (int64_t j = 0; j < dim; ++j) {
      kc[j] = f32_to_f16(kr[j]);
      vc[j] = f32_to_f16(vr[j]);
    }
  }
}

void Model::attend(const KvCache& kv, int64_t layer, std::span<const BatchToken> batch,
                   ForwardState& s, ThreadPool* pool) const {
  for (size_t i = 0; i < batch.size(); ++i) {
    s.k_cells[i] = kv.k(layer, batch[i].seq, 0);
    s.v_cells[i] = kv.v(layer, batch[i].seq, 0);
    // Causal: cells [0, pos]. Otherwise the whole sequence, whose length forward() has set.
    s.n_visible[i] = config_.causal ? batch[i].pos + 1 : kv.length(batch[i].seq);
  }
  AttentionArgs a;
  a.q = s.q.data();
  a.out = s.att.data();
  a.k_cells = s.k_cells.data();
  a.v_cells = s.v_cells.data();
  a.n_visible = s.n_visible.data();
  a.n_tokens = static_cast<int64_t>(batch.size());
  a.n_head = config_.n_head;
  a.n_head_kv = config_.n_head_kv;
  a.head_dim = config_.head_dim;
  a.cell_stride = kv.kv_dim();
  a.scale = config_.attention_scale != 0.0f
                ? config_.attention_scale
                : 1.0f / std::sqrt(static_cast<float>(config_.head_dim));
  a.window = config_.is_swa_layer(layer) ? config_.sliding_window : 0;
  a.softcap = config_.attn_softcap;
  a.ring = kv.is_ring(layer) ? kv.ring() : 0;
  attention(a, pool);
}

void Model::add_bias(float* x, const std::vector<float>& bias, int64_t n, int64_t dim) {
  if (bias.empty()) return;
  for (int64_t r = 0; r < n; ++r) {
    for (int64_t i = 0; i < dim; ++i) x[r * dim + i] += bias[static_cast<size_t>(i)];
  }
}

void Model::head_norm(float* x, const std::vector<float>& weight, int64_t n_heads,
                      ThreadPool* pool) const {
  if (weight.empty()) return;
  rms_norm(x, weight.data(), n_heads, config_.head_dim, config_.norm_eps, x, pool);
}

void Model::add_in_place(float* x, const float* y, int64_t count) {
  for (int64_t i = 0; i < count; ++i) x[i] += y[i];
}

void Model::add_scaled(float* x, const float* y, int64_t count, float scale) {
  if (scale == 0.0f) return add_in_place(x, y, count);
  for (int64_t i = 0; i < count; ++i) x[i] += scale * y[i];
}

void Model::scale_in_place(float* x, int64_t count, float scale) {
  for (int64_t i = 0; i < count; ++i) x[i] *= scale;
}

void Model::scale_rotated(float* x, int64_t n_heads, float factor) const {
  for (int64_t h = 0; h < n_heads; ++h) {
    float* head = x + h * config_.head_dim;
    for (int64_t i = 0; i < config_.n_rot; ++i) head[i] *= factor;
  }
}

WeightView weight_rows(const WeightView& w, int64_t first, int64_t count) {
  if (first < 0 || count < 0 || first + count > w.rows) {
    fail("weight rows ", first, "..", first + count, " are outside the matrix's ", w.rows);
  }
  WeightView v = w;
  v.rows = count;
  v.data = w.row(first);
  return v;
}

}  // namespace slimllm
