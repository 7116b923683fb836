// The BERT-family encoder's tensors and layer loop (see encoder.h). Post-norm: each sub-layer's
// output is added to its input and the sum LayerNormed, so the last layer's output is already the
// final hidden state (no output norm, no LM head).
#include "model/encoder.h"

#include "base/error.h"
#include "model/tensor_table.h"

namespace slimllm {
namespace {

// `rows` rows of `w` starting at row `first`, as a view of their own: how the fused q/k/v matrix
// is read as three (rows are whole blocks of any type, so a row boundary is a valid start).
WeightView row_slice(const WeightView& w, int64_t first, int64_t rows) {
  return WeightView{w.type, rows, w.cols, w.row(first)};
}

}  // namespace

EncoderModel::EncoderModel(std::shared_ptr<const GgufFile> file, ModelConfig config,
                           EncoderLayout layout)
    : Model(std::move(file), std::move(config)), layout_(layout) {
  const ModelConfig& c = config_;
  DecoderWeights& w = weights_;
  EncoderWeights& e = encoder_;
  const int64_t L = c.n_layer;
  w.layers.resize(static_cast<size_t>(L));
  e.layers.resize(static_cast<size_t>(L));
  qkv_.resize(static_cast<size_t>(L));
  qkv_bias_.resize(static_cast<size_t>(L));

  TensorTable t;
  t.matrix("token_embd.weight", c.n_embd, c.n_vocab, &w.token_embd);
  // The token-type table's row count comes from the tokenizer's token_type_count, else from the
  // tensor itself (only row 0 is used: see forward_layers).
  int64_t n_types = c.n_token_types;
  if (const GgufTensorInfo* types = file_->find_tensor("token_types.weight"); n_types == 0 && types)
    n_types = static_cast<int64_t>(types->dim(1));
  WeightView token_types;
  if (n_types > 0) {
    t.matrix("token_types.weight", c.n_embd, n_types, &token_types, TensorNeed::kOptional);
  }
  if (layout_.absolute_positions) {
    t.matrix("position_embd.weight", c.n_embd, c.n_ctx_train, &e.position_embd);
  }
  t.vector("token_embd_norm.weight", c.n_embd, &e.embd_norm);
  t.vector("token_embd_norm.bias", c.n_embd, &e.embd_norm_b);
  const int64_t qkv_rows = c.q_dim() + 2 * c.kv_dim();
  for (int64_t i = 0; i < L; ++i) {
    LayerWeights& l = w.layers[static_cast<size_t>(i)];
    EncoderLayerWeights& el = e.layers[static_cast<size_t>(i)];
    if (layout_.fused_qkv) {
      t.matrix(layer_tensor(i, "attn_qkv.weight"), c.n_embd, qkv_rows,
               &qkv_[static_cast<size_t>(i)]);
      t.vector(layer_tensor(i, "attn_qkv.bias"), qkv_rows, &qkv_bias_[static_cast<size_t>(i)],
               TensorNeed::kOptional);
    } else {
      t.matrix(layer_tensor(i, "attn_q.weight"), c.n_embd, c.q_dim(), &l.wq);
      t.matrix(layer_tensor(i, "attn_k.weight"), c.n_embd, c.kv_dim(), &l.wk);
      t.matrix(layer_tensor(i, "attn_v.weight"), c.n_embd, c.kv_dim(), &l.wv);
      t.vector(layer_tensor(i, "attn_q.bias"), c.q_dim(), &l.bq, TensorNeed::kOptional);
      t.vector(layer_tensor(i, "attn_k.bias"), c.kv_dim(), &l.bk, TensorNeed::kOptional);
      t.vector(layer_tensor(i, "attn_v.bias"), c.kv_dim(), &l.bv, TensorNeed::kOptional);
    }
    t.matrix(layer_tensor(i, "attn_output.weight"), c.q_dim(), c.n_embd, &l.wo);
    t.vector(layer_tensor(i, "attn_output.bias"), c.n_embd, &el.bo, TensorNeed::kOptional);
    t.vector(layer_tensor(i, "attn_output_norm.weight"), c.n_embd, &el.attn_out_norm);
    t.vector(layer_tensor(i, "attn_output_norm.bias"), c.n_embd, &el.attn_out_norm_b);
    if (layout_.gated_ffn) {
      t.matrix(layer_tensor(i, "ffn_gate.weight"), c.n_embd, c.n_ff, &l.w_gate);
    }
    t.matrix(layer_tensor(i, "ffn_up.weight"), c.n_embd, c.n_ff, &l.w_up);
    t.vector(layer_tensor(i, "ffn_up.bias"), c.n_ff, &el.b_up, TensorNeed::kOptional);
    t.matrix(layer_tensor(i, "ffn_down.weight"), c.n_ff, c.n_embd, &l.w_down);
    t.vector(layer_tensor(i, "ffn_down.bias"), c.n_embd, &el.b_down, TensorNeed::kOptional);
    t.vector(layer_tensor(i, "layer_output_norm.weight"), c.n_embd, &el.layer_out_norm);
    t.vector(layer_tensor(i, "layer_output_norm.bias"), c.n_embd, &el.layer_out_norm_b);
  }
  int64_t n_labels = 1;
  if (const GgufTensorInfo* head = file_->find_tensor("cls.output.weight"); head && head->dim(1) > 0)
    n_labels = static_cast<int64_t>(head->dim(1));
  classifier_.add_to(t, c.n_embd, n_labels);
  t.bind(*file_);
  if (c.pooling_type == PoolingType::kRank && !classifier_.present()) {
    fail("model file ", file_->path(), ": pooling_type 4 (rank) needs a classification head, ",
         "but cls.weight and cls.output.weight are missing");
  }

  if (!token_types.empty()) {
    // Every token is type 0 ("sentence A"), as llama.cpp and Ollama feed embedding models.
    e.token_type0.resize(static_cast<size_t>(c.n_embd));
    const int32_t row = 0;
    get_rows(token_types, &row, 1, e.token_type0.data());
  }
  if (layout_.fused_qkv) {
    for (int64_t i = 0; i < L; ++i) {
      LayerWeights& l = w.layers[static_cast<size_t>(i)];
      const WeightView& qkv = qkv_[static_cast<size_t>(i)];
      l.wq = row_slice(qkv, 0, c.q_dim());
      l.wk = row_slice(qkv, c.q_dim(), c.kv_dim());
      l.wv = row_slice(qkv, c.q_dim() + c.kv_dim(), c.kv_dim());
      const std::vector<float>& b = qkv_bias_[static_cast<size_t>(i)];
      if (!b.empty()) {
        l.bq.assign(b.begin(), b.begin() + c.q_dim());
        l.bk.assign(b.begin() + c.q_dim(), b.begin() + c.q_dim() + c.kv_dim());
        l.bv.assign(b.begin() + c.q_dim() + c.kv_dim(), b.end());
      }
    }
  }
}

std::vector<float> EncoderModel::classify(std::span<const float> pooled) const {
  return classifier_.apply(pooled);
}

void EncoderModel::forward_layers(std::span<const BatchToken> batch, KvCache& kv, ForwardState& s,
                                  ThreadPool* pool) const {
  const ModelConfig& c = config_;
  const EncoderWeights& e = encoder_;
  const int64_t n = static_cast<int64_t>(batch.size());
  const int64_t d = c.n_embd;
  const RopeParams rope_params = c.rope();
  const Scratch scratch = s.matmul_scratch();

  // x[n, n_embd] = LayerNorm(token embedding + token type 0 + position embedding)
  get_rows(weights_.token_embd, s.ids.data(), n, s.x.data());
  if (!e.token_type0.empty()) {
    for (int64_t r = 0; r < n; ++r) add_in_place(s.x.data() + r * d, e.token_type0.data(), d);
  }
  if (layout_.absolute_positions) {
    get_rows(e.position_embd, s.positions.data(), n, s.xb.data());  // xb[n, n_embd]
    add_in_place(s.x.data(), s.xb.data(), n * d);
  }
  layer_norm(s.x.data(), e.embd_norm.data(), e.embd_norm_b.data(), n, d, c.norm_eps, s.x.data(),
             pool);

  for (int64_t i = 0; i < c.n_layer; ++i) {
    const LayerWeights& l = weights_.layers[static_cast<size_t>(i)];
    const EncoderLayerWeights& el = e.layers[static_cast<size_t>(i)];

    // Attention: x = LayerNorm(x + Wo·attention(Wq·x + bq, Wk·x + bk, Wv·x + bv) + bo), with q
    // and k rotated first in a rotary model.
    // q[n, n_head, head_dim], k and v[n, n_head_kv, head_dim]
    const MatmulOut qkv[] = {{&l.wq, s.q.data()}, {&l.wk, s.k.data()}, {&l.wv, s.v.data()}};
    matmul_many(qkv, s.x.data(), n, scratch, pool);
    add_bias(s.q.data(), l.bq, n, c.q_dim());
    add_bias(s.k.data(), l.bk, n, c.kv_dim());
    add_bias(s.v.data(), l.bv, n, c.kv_dim());
    if (!layout_.absolute_positions) {
      rope(s.q.data(), n, c.n_head, c.head_dim, s.positions.data(), rope_params, pool);
      rope(s.k.data(), n, c.n_head_kv, c.head_dim, s.positions.data(), rope_params, pool);
    }
    // The cache's one layer serves every layer (see encoder.h).
    store_kv(kv, 0, batch, s.k.data(), s.v.data());
    attend(kv, 0, batch, s, pool);                               // att[n, n_head, head_dim]
    matmul(l.wo, s.att.data(), n, s.xb2.data(), scratch, pool);  // xb2[n, n_embd]
    add_bias(s.xb2.data(), el.bo, n, d);
    add_in_place(s.xb2.data(), s.x.data(), n * d);
    layer_norm(s.xb2.data(), el.attn_out_norm.data(), el.attn_out_norm_b.data(), n, d, c.norm_eps,
               s.x.data(), pool);

    // Feed-forward: x = LayerNorm(x + W_down·act + b_down), act = gelu(W_up·x + b_up), or
    // silu(W_gate·x) ⊙ W_up·x for a gated (SwiGLU) model.
    if (layout_.gated_ffn) {
      // hb[n, n_ff] (gate), hb2[n, n_ff] (up)
      const MatmulOut gate_up[] = {{&l.w_gate, s.hb.data()}, {&l.w_up, s.hb2.data()}};
      matmul_many(gate_up, s.x.data(), n, scratch, pool);
      add_bias(s.hb2.data(), el.b_up, n, c.n_ff);
      silu_mul(s.hb.data(), s.hb2.data(), s.hb.data(), n * c.n_ff, pool);
    } else {
      matmul(l.w_up, s.x.data(), n, s.hb.data(), scratch, pool);  // hb[n, n_ff]
      add_bias(s.hb.data(), el.b_up, n, c.n_ff);
      gelu(s.hb.data(), s.hb.data(), n * c.n_ff, pool);
    }
    matmul(l.w_down, s.hb.data(), n, s.xb2.data(), scratch, pool);  // xb2[n, n_embd]
    add_bias(s.xb2.data(), el.b_down, n, d);
    add_in_place(s.xb2.data(), s.x.data(), n * d);
    layer_norm(s.xb2.data(), el.layer_out_norm.data(), el.layer_out_norm_b.data(), n, d, c.norm_eps,
               s.x.data(), pool);
  }
}

}  // namespace slimllm
