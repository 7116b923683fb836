#include "engine/gguf_runner.h"

#include <algorithm>
#include <list>
#include <mutex>
#include <optional>
#include <vector>

#include "base/cgroup.h"
#include "base/clock.h"
#include "base/error.h"
#include "base/thread_pool.h"
#include "engine/generate.h"
#include "engine/loaded_model.h"
#include "engine/output_constraint.h"
#include "engine/rerank_pair.h"
#include "engine/session.h"
#include "engine/tokenizer_text.h"
#include "grammar/grammar.h"
#include "model/config.h"
#include "model/embedding.h"
#include "model/kv_cache.h"

namespace slimllm {
namespace {

// Working memory of one slot besides its KV cache: activations for num_batch tokens and one row
// of logits. An estimate; the exact figure is known once loaded.
uint64_t state_bytes(const ModelConfig& c, int64_t num_batch) {
  const int64_t per_token = 4 * c.n_embd + 2 * c.q_dim() + 2 * c.kv_dim() + 2 * c.n_ff;
  return static_cast<uint64_t>(num_batch * per_token + c.n_vocab + c.n_embd) * sizeof(float);
}

int64_t context_for(const ModelConfig& c, const LoadOptions& o) {
  return std::clamp<int64_t>(o.num_ctx, 4, std::max<int64_t>(4, c.n_ctx_train));
}

GenerateOptions to_generate_options(const GenerateInput& in) {
  GenerateOptions o;
  const SamplingOptions& s = in.sampling;
  o.num_keep = s.num_keep;
  o.num_predict = s.num_predict;
  o.stop = s.stop;
  o.shift = in.shift;
  o.sampling.seed = s.seed;
  o.sampling.top_k = s.top_k;
  o.sampling.top_p = s.top_p;
  o.sampling.min_p = s.min_p;
  o.sampling.typical_p = s.typical_p;
  o.sampling.repeat_last_n = s.repeat_last_n;
  o.sampling.temperature = s.temperature;
  o.sampling.repeat_penalty = s.repeat_penalty;
  o.sampling.presence_penalty = s.presence_penalty;
  o.sampling.frequency_penalty = s.frequency_penalty;
  return o;
}

class GgufRunner final : public Runner {
 public:
  GgufRunner(const ModelSpec& spec, const LoadOptions& options)
      : pool_(threads_or_available(options.num_thread)),
        loaded_(LoadedModel::load(spec.model_path, options.use_mmap, pool_.size())),
        pooling_(pooling_of(*loaded_.model)) {
    const int slots = std::max(1, options.num_parallel);
    const int64_t num_ctx = context_for(loaded_.model->config(), options);
    for (int i = 0; i < slots; ++i) {
      slots_.push_back(std::make_unique<Slot>(*loaded_.model, num_ctx, options.num_batch, &pool_));
    }
    memory_ = loaded_.file->file_size();
    for (const auto& slot : slots_) {
      memory_ += slot->session.kv().bytes() +
                 state_bytes(loaded_.model->config(), slot->session.num_batch());
    }
  }

  GenerateResult generate(const GenerateInput& input, const TokenCallback& on_piece) override {
    const int32_t vocab = loaded_.tokenizer.vocab_size();
    for (int32_t id : input.context_tokens) {
      if (id < 0 || id >= vocab) {
        throw GenerateInputError(str_cat(
            "context: token id ", id, " is outside the model's vocabulary of ", vocab, " tokens"));
      }
    }
    std::vector<int32_t> tokens = input.context_tokens;
    const std::vector<int32_t> prompt =
        loaded_.tokenizer.encode(input.prompt, input.add_special, true);
    tokens.insert(tokens.end(), prompt.begin(), prompt.end());
    if (tokens.empty()) fail("the prompt is empty");
    const Held held(*this, acquire(tokens));
    Slot& slot = held.slot;

    if (!input.truncate && static_cast<int64_t>(tokens.size()) >= slot.session.num_ctx()) {
      throw GenerateInputError("the input length exceeds the context length");
    }
    TokenizerText text(loaded_.tokenizer);
    GenerateControls controls;
    controls.logprobs = input.logprobs;
    controls.top_logprobs = input.top_logprobs;
    std::optional<OutputConstraint> constraint;
    if (!input.grammar.gbnf.empty()) {
      constraint.emplace(compiled(input.grammar), grammar_vocab(), input.grammar.after);
      controls.constraint = &*constraint;
    }
    const GenerateStats st = slimllm::generate(slot.session, tokens, to_generate_options(input),
                                               text, on_piece, controls);
    GenerateResult r;
    r.done_reason = st.done_reason;
    r.prompt_eval_count = st.prompt_eval_count;
    r.prompt_cached_count = st.prompt_cached_count;
    r.prompt_eval_duration_ns = st.prompt_eval_duration;
    r.eval_count = st.eval_count;
    r.eval_duration_ns = st.eval_duration;
    r.context = slot.session.tokens();
    return r;
  }

  EmbedResult embed(const EmbedInput& input) override {
    const Held held(*this, acquire());
    Slot& slot = held.slot;

    if (pooling_ == Pooling::kRank) {
      throw EmbedInputError(
          "this model is a reranker: it scores query/document pairs (/api/rerank) and has no "
          "embeddings");
    }
    const int64_t start = now_ns();
    const int64_t num_ctx = slot.session.num_ctx();
    std::vector<std::vector<int32_t>> inputs;
    inputs.reserve(input.items.size());
    EmbedResult r;
    for (const EmbedItem& item : input.items) {
      inputs.push_back(embed_tokens(item, num_ctx, input.truncate));
      r.prompt_eval_count += static_cast<int64_t>(inputs.back().size());
    }
    r.embeddings = embed_batch(*loaded_.model, inputs, pooling_, num_ctx, embed_state(slot), &pool_);
    r.prompt_eval_duration_ns = now_ns() - start;
    return r;
  }

  RerankResult rerank(const RerankInput& input) override {
    if (pooling_ != Pooling::kRank) throw EmbedInputError("this model does not support reranking");
    const Held held(*this, acquire());
    Slot& slot = held.slot;

    const int64_t start = now_ns();
    const int64_t num_ctx = slot.session.num_ctx();
    std::vector<std::vector<int32_t>> pairs;
    pairs.reserve(input.documents.size());
    RerankResult r;
    for (const std::string& document : input.documents) {
      pairs.push_back(
          rerank_pair(loaded_.tokenizer, input.query, document, num_ctx, input.truncate));
      r.prompt_eval_count += static_cast<int64_t>(pairs.back().size());
    }
    const std::vector<std::vector<float>> heads =
        embed_batch(*loaded_.model, pairs, pooling_, num_ctx, embed_state(slot), &pool_);
    for (const auto& head : heads) r.logits.push_back(head.at(0));
    r.prompt_eval_duration_ns = now_ns() - start;
    return r;
  }

  uint64_t memory_bytes() const override { return memory_; }
  int vocab_size() const override { return loaded_.tokenizer.vocab_size(); }

  int context_length() const override {
    return static_cast<int>(slots_.front()->session.num_ctx());
  }
  size_t count_tokens(std::string_view text) const override {
    return loaded_.tokenizer.encode(text, false, true).size();
  }

 private:
  // The vocabulary as grammars see it: built on the first constrained request, then shared.
  std::shared_ptr<const GrammarVocab> grammar_vocab() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!grammar_vocab_) {
      const Tokenizer& t = loaded_.tokenizer;
      const int32_t n = t.vocab_size();
      std::vector<std::string> pieces(static_cast<size_t>(n));
      std::vector<uint8_t> eog(static_cast<size_t>(n), 0);
      for (int32_t id = 0; id < n; ++id) {
        eog[static_cast<size_t>(id)] = t.is_end_of_generation(id) ? 1 : 0;
        if (!t.is_control(id)) pieces[static_cast<size_t>(id)] = t.token_piece(id);
      }
      grammar_vocab_ = std::make_shared<const GrammarVocab>(std::move(pieces), std::move(eog));
    }
    return grammar_vocab_;
  }
  // Compiled grammars of recent requests (a client sends the same schema again and again).
  std::shared_ptr<const grammar::Grammar> compiled(const OutputGrammar& g) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto it = grammars_.begin(); it != grammars_.end(); ++it) {
      if (it->first.gbnf == g.gbnf && it->first.root == g.root) {
        grammars_.splice(grammars_.begin(), grammars_, it);
        return it->second;
      }
    }
    grammars_.emplace_front(g, grammar::compile_gbnf(g.gbnf, g.root));
    if (grammars_.size() > kCachedGrammars) grammars_.pop_back();
    return grammars_.front().second;
  }
  static constexpr size_t kCachedGrammars = 16;

  // The tokens of one embedding input, fitted to the context: a text with the model's special
  // tokens (as Ollama's runner tokenizes it), token ids as given. Too long and truncating: the
  // head is kept, and an end token the tokenizer appended stays last (an encoder's [SEP]).
  std::vector<int32_t> embed_tokens(const EmbedItem& item, int64_t num_ctx, bool truncate) const {
    const Tokenizer& t = loaded_.tokenizer;
    std::vector<int32_t> tokens = item.is_tokens ? item.tokens : t.encode(item.text, true, true);
    if (tokens.empty()) throw EmbedInputError("the input is empty after tokenization");
    for (int32_t id : tokens) {
      if (id < 0 || id >= t.vocab_size()) {
        throw EmbedInputError(
            str_cat("token id ", id, " is out of the vocabulary of ", t.vocab_size(), " tokens"));
      }
    }
    if (static_cast<int64_t>(tokens.size()) <= num_ctx) return tokens;
    if (!truncate) throw ContextExceededError();
    const bool keep_end = !item.is_tokens && t.add_eos() && tokens.back() == t.eos();
    const int32_t end = tokens.back();
    tokens.resize(static_cast<size_t>(num_ctx));
    if (keep_end) tokens.back() = end;
    return tokens;
  }

  struct Slot;
  // A slot held for one call, released however the call ends.
  struct Held {
    Held(GgufRunner& r, Slot& s) : runner(r), slot(s) {}
    Held(const Held&) = delete;
    Held& operator=(const Held&) = delete;
    ~Held() { runner.release(slot); }
    GgufRunner& runner;
    Slot& slot;
  };
  // Working memory of embedding passes: every token of a pass may return its hidden state (mean
  // pooling), so a pass's outputs are as many as its tokens. Made on the first request, then kept.
  ForwardState& embed_state(Slot& slot) const {
    if (!slot.embed_state) {
      const int64_t n = slot.session.num_batch();
      slot.embed_state.emplace(loaded_.model->make_state(n, n, OutputKind::kHidden));
    }
    return *slot.embed_state;
  }

  struct Slot {
    Slot(const Model& model, int64_t num_ctx, int64_t num_batch, ThreadPool* pool)
        : session(model, num_ctx, num_batch, pool) {}
    Session session;
    std::optional<ForwardState> embed_state;  // working memory of embedding passes
    bool busy = false;
    uint64_t last_used = 0;  // uses_ when last acquired
  };

  // The scheduler admits at most num_parallel calls at once, so a free slot always exists. A
  // generation takes the free slot whose cache holds the longest prefix of its tokens (the same
  // conversation's earlier turn, a shared system prompt), else the one used longest ago, so
  // with several slots each conversation keeps finding its own cache. A few shared tokens (a
  // BOS, a template's opening) do not count: taking that slot would drop a conversation's cache
  // for nothing.
  Slot& acquire(std::span<const int32_t> tokens = {}) {
    std::lock_guard<std::mutex> lock(mutex_);
    Slot* best = nullptr;
    size_t best_common = 0;
    for (auto& slot : slots_) {
      if (slot->busy) continue;
      const std::vector<int32_t>& cached = slot->session.tokens();
      size_t common = 0;
      while (common < cached.size() && common < tokens.size() && cached[common] == tokens[common])
        ++common;
      if (common < kMinReuse && common < cached.size()) common = 0;
      if (!best || common > best_common ||
          (common == best_common && slot->last_used < best->last_used)) {
        best = slot.get();
        best_common = common;
      }
    }
    if (!best) fail("model runner: all ", slots_.size(), " slots are busy");
    best->busy = true;
    best->last_used = ++uses_;
    return *best;
  }
  void release(Slot& slot) {
    std::lock_guard<std::mutex> lock(mutex_);
    slot.busy = false;
  }

  ThreadPool pool_;  // before loaded_: its size is the number of threads that read the file
  LoadedModel loaded_;
  Pooling pooling_;
  std::vector<std::unique_ptr<Slot>> slots_;
  uint64_t uses_ = 0;  // acquisitions so far, under mutex_
  static constexpr size_t kMinReuse = 4;  // shared tokens that make a slot's cache worth taking
  std::mutex mutex_;
  uint64_t memory_ = 0;
  std::shared_ptr<const GrammarVocab> grammar_vocab_;
  std::list<std::pair<OutputGrammar, std::shared_ptr<const grammar::Grammar>>> grammars_;
};

}  // namespace

uint64_t GgufRunnerFactory::estimate_bytes(const ModelSpec& spec, const LoadOptions& options) {
  const GgufFile file = GgufFile::open(spec.model_path);
  const ModelConfig c = read_model_config(file, file.require_string("general.architecture"));
  const int64_t slots = std::max(1, options.num_parallel);
  return file.file_size() +
         KvCache::bytes_for(c.n_layer, context_for(c, options), slots, c.kv_dim()) +
         slots * state_bytes(c, std::clamp<int64_t>(options.num_batch, 1, context_for(c, options)));
}

std::unique_ptr<Runner> GgufRunnerFactory::load(const ModelSpec& spec, const LoadOptions& options) {
  return std::make_unique<GgufRunner>(spec, options);
}

}  // namespace slimllm
