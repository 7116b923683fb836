// The pre-norm decoder that llama-like architectures share: the tensors it binds and its layer
// loop. Architectures differ in their configuration (RoPE layout and factors, head size) and in
// whether the q/k/v projections carry biases or q and k a per-head norm; all of it is data here,
// not separate code paths.
#include "model/model.h"
#include "model/tensor_table.h"

namespace slimllm {

void Model::bind_decoder_tensors(TensorTable& t, DecoderTensors extras) {
  const ModelConfig& c = config_;
  DecoderWeights& w = weights_;
  w.layers.resize(static_cast<size_t>(c.n_layer));
  t.matrix("token_embd.weight", c.n_embd, c.n_vocab, &w.token_embd);
  t.vector("output_norm.weight", c.n_embd, &w.output_norm);
  t.matrix("output.weight", c.n_embd, c.n_vocab, &w.output, TensorNeed::kRequired,
           "token_embd.weight");
  for (int64_t i = 0; i < c.n_layer; ++i) {
    LayerWeights& l = w.layers[static_cast<size_t>(i)];
    t.vector(layer_tensor(i, "attn_norm.weight"), c.n_embd, &l.attn_norm);
    if (!extras.fused_qkv) {
      t.matrix(layer_tensor(i, "attn_q.weight"), c.n_embd, c.q_dim(), &l.wq);
      t.matrix(layer_tensor(i, "attn_k.weight"), c.n_embd, c.kv_dim(), &l.wk);
      t.matrix(layer_tensor(i, "attn_v.weight"), c.n_embd, c.kv_dim(), &l.wv);
    }
    if (extras.qkv_bias) {
      t.vector(layer_tensor(i, "attn_q.bias"), c.q_dim(), &l.bq);
      t.vector(layer_tensor(i, "attn_k.bias"), c.kv_dim(), &l.bk);
      t.vector(layer_tensor(i, "attn_v.bias"), c.kv_dim(), &l.bv);
    }
    if (extras.qk_norm) {
      t.vector(layer_tensor(i, "attn_q_norm.weight"), c.head_dim, &l.q_norm);
      t.vector(layer_tensor(i, "attn_k_norm.weight"), c.head_dim, &l.k_norm);
    }
    t.matrix(layer_tensor(i, "attn_output.weight"), c.q_dim(), c.n_embd, &l.wo);
    t.vector(layer_tensor(i, "ffn_norm.weight"), c.n_embd, &l.ffn_norm);
    if (!extras.fused_gate_up) {
      t.matrix(layer_tensor(i, "ffn_gate.weight"), c.n_embd, c.n_ff, &l.w_gate);
      t.matrix(layer_tensor(i, "ffn_up.weight"), c.n_embd, c.n_ff, &l.w_up);
    }
    t.matrix(layer_tensor(i, "ffn_down.weight"), c.n_ff, c.n_embd, &l.w_down);
  }
}

void Model::self_attention(const LayerWeights& l, int64_t layer,
                           std::span<const BatchToken> batch, KvCache& kv, ForwardState& s,
                           const Scratch& scratch, ThreadPool* pool) const {
  const ModelConfig& c = config_;
  const int64_t n = static_cast<int64_t>(batch.size());
  const RopeParams rope_params = c.rope(layer, kv.rope_context());
  // q[n, n_head, head_dim], k and v[n, n_head_kv, head_dim]
  const MatmulOut qkv[] = {{&l.wq, s.q.data()}, {&l.wk, s.k.data()}, {&l.wv, s.v.data()}};
  matmul_many(qkv, s.xb.data(), n, scratch, pool);
  add_bias(s.q.data(), l.bq, n, c.q_dim());
  add_bias(s.k.data(), l.bk, n, c.kv_dim());
  add_bias(s.v.data(), l.bv, n, c.kv_dim());
  head_norm(s.q.data(), l.q_norm, n * c.n_head, pool);
  head_norm(s.k.data(), l.k_norm, n * c.n_head_kv, pool);
  rope(s.q.data(), n, c.n_head, c.head_dim, s.positions.data(), rope_params, pool);
  rope(s.k.data(), n, c.n_head_kv, c.head_dim, s.positions.data(), rope_params, pool);
  if (c.rope_attn_factor != 1.0f) {
    scale_rotated(s.q.data(), n * c.n_head, c.rope_attn_factor);
    scale_rotated(s.k.data(), n * c.n_head_kv, c.rope_attn_factor);
  }
  store_kv(kv, layer, batch, s.k.data(), s.v.data());
  attend(kv, layer, batch, s, pool);                           // att[n, n_head, head_dim]
  matmul(l.wo, s.att.data(), n, s.xb2.data(), scratch, pool);  // xb2[n, n_embd]
}

void Model::forward_layers(std::span<const BatchToken> batch, KvCache& kv, ForwardState& s,
                           ThreadPool* pool) const {
  const ModelConfig& c = config_;
  const int64_t n = static_cast<int64_t>(batch.size());
  const Scratch scratch = s.matmul_scratch();

  // x[n, n_embd] = embeddings of the tokens
  get_rows(weights_.token_embd, s.ids.data(), n, s.x.data());
  if (c.embedding_scale != 0.0f) scale_in_place(s.x.data(), n * c.n_embd, c.embedding_scale);
  for (int64_t i = 0; i < c.n_layer; ++i) {
    const LayerWeights& l = weights_.layers[static_cast<size_t>(i)];

    // Attention: x += Wo · attention(...) of xb = rmsnorm(x) (self_attention).
    rms_norm(s.x.data(), l.attn_norm.data(), n, c.n_embd, c.norm_eps, s.xb.data(), pool);
    self_attention(l, i, batch, kv, s, scratch, pool);  // xb2[n, n_embd]
    add_scaled(s.x.data(), s.xb2.data(), n * c.n_embd, c.residual_scale);

    // Feed-forward (SwiGLU): x += W_down · (silu(W_gate·xb) ⊙ W_up·xb), xb = rmsnorm(x)
    rms_norm(s.x.data(), l.ffn_norm.data(), n, c.n_embd, c.norm_eps, s.xb.data(), pool);
    // hb[n, n_ff] (gate), hb2[n, n_ff] (up)
    const MatmulOut gate_up[] = {{&l.w_gate, s.hb.data()}, {&l.w_up, s.hb2.data()}};
    matmul_many(gate_up, s.xb.data(), n, scratch, pool);
    silu_mul(s.hb.data(), s.hb2.data(), s.hb.data(), n * c.n_ff, pool);
    matmul(l.w_down, s.hb.data(), n, s.xb2.data(), scratch, pool);  // xb2[n, n_embd]
    add_scaled(s.x.data(), s.xb2.data(), n * c.n_embd, c.residual_scale);
  }
}

}  // namespace slimllm
