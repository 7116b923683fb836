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
#include "engine/step_loop.h"
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

int64_t context_for(const ModelConfig& c, int64_t num_ctx) {
  return std::clamp<int64_t>(num_ctx, 4, std::max<int64_t>(4, c.n_ctx_train));
}
int64_t context_for(const ModelConfig& c, const LoadOptions& o) { return context_for(c, o.num_ctx); }

// Prompt tokens a sequence adds to a step while others decode (StepLoopConfig::prefill_chunk):
// on two cores, 64 tokens of a 1B model's prompt take about as long as eight decode steps, so
// a long prompt arriving delays the running streams' next token by that much per step instead
// of freezing them for the whole prompt, and still reads the prompt at near full batch speed.
constexpr int64_t kPrefillChunk = 64;

// Weights + the KV budget (num_ctx × num_parallel cells) + one forward state of num_batch tokens
// with a row of logits per sequence slot.
uint64_t runner_bytes(uint64_t file_bytes, const ModelConfig& c, int64_t num_ctx, int parallel,
                      int64_t num_batch) {
  const int64_t slots = 2 * static_cast<int64_t>(parallel);
  return file_bytes + KvCache::bytes_for(c.n_layer, num_ctx, parallel, c.kv_dim()) +
         state_bytes(c, num_batch) + static_cast<uint64_t>(slots * 2 * c.n_vocab) * sizeof(float);
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
        pooling_(pooling_of(*loaded_.model)),
        num_ctx_(context_for(loaded_.model->config(), options)),
        num_batch_(std::clamp<int64_t>(options.num_batch, 1, num_ctx_)) {
    const ModelConfig& c = loaded_.model->config();
    const int parallel = std::max(1, options.num_parallel);
    if (!c.is_encoder) {
      StepLoopConfig lc;
      lc.max_running = parallel;
      lc.slots = 2 * parallel;
      lc.budget_cells = num_ctx_ * parallel;
      lc.max_ctx = std::min<int64_t>(lc.budget_cells, std::max<int64_t>(4, c.n_ctx_train));
      lc.num_batch = std::max<int64_t>(num_batch_, lc.slots);
      lc.prefill_chunk = kPrefillChunk;
      lc.rope_ctx = num_ctx_;
      loop_.emplace(*loaded_.model, &pool_, lc);
    }
    memory_ = runner_bytes(loaded_.file->file_size(), c, num_ctx_, parallel, num_batch_);
  }

  GenerateResult generate(const GenerateInput& input, const TokenCallback& on_piece) override {
    if (!loop_) fail("this model is an embedding model: it does not generate text");
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

    const int64_t num_ctx =
        input.num_ctx > 0 ? context_for(loaded_.model->config(), input.num_ctx) : num_ctx_;
    if (!input.truncate && static_cast<int64_t>(tokens.size()) >= num_ctx) {
      throw GenerateInputError("the input length exceeds the context length");
    }
    // The cells this generation may need: its prompt (as truncation leaves it) and the tokens it
    // may generate, up to its context (past that it shifts or stops).
    const SamplingOptions& so = input.sampling;
    const int64_t limit =
        so.num_predict < 0 || so.num_predict > 10 * num_ctx ? 10 * num_ctx : so.num_predict;
    const int64_t prompt_cells = std::min<int64_t>(static_cast<int64_t>(tokens.size()), num_ctx - 1);
    const int64_t need = std::min<int64_t>(num_ctx, prompt_cells + limit + 1);
    const std::unique_ptr<StepLoop::Sequence> seq = loop_->join(tokens, num_ctx, need);

    TokenizerText text(loaded_.tokenizer);
    GenerateControls controls;
    controls.logprobs = input.logprobs;
    controls.top_logprobs = input.top_logprobs;
    std::optional<OutputConstraint> constraint;
    if (!input.grammar.gbnf.empty()) {
      constraint.emplace(compiled(input.grammar), grammar_vocab(), input.grammar.after);
      controls.constraint = &*constraint;
    }
    // While the client takes a piece, the loop runs its steps without this sequence.
    const PieceCallback deliver = [&](const GeneratedPiece& piece) {
      seq->set_away(true);
      const bool more = on_piece(piece);
      seq->set_away(false);
      return more;
    };
    const GenerateStats st =
        slimllm::generate(*seq, tokens, to_generate_options(input), text, deliver, controls);
    GenerateResult r;
    r.done_reason = st.done_reason;
    r.prompt_eval_count = st.prompt_eval_count;
    r.prompt_cached_count = st.prompt_cached_count;
    r.prompt_eval_duration_ns = st.prompt_eval_duration;
    r.eval_count = st.eval_count;
    r.eval_duration_ns = st.eval_duration;
    r.context = seq->tokens();
    return r;
  }

  bool holds_context(int num_ctx) const override {
    // Every sequence of a step rotates alike: a context that picks other LongRoPE factors than
    // the loaded one needs a reload (ModelConfig::rope).
    const ModelConfig& c = loaded_.model->config();
    const int64_t ctx = context_for(c, num_ctx);
    return loop_ && ctx <= loop_->config().max_ctx &&
           c.uses_long_factors(ctx) == c.uses_long_factors(num_ctx_);
  }
  std::optional<BatchStats> batch_stats() const override {
    if (!loop_) return std::nullopt;
    return loop_->stats();
  }

  EmbedResult embed(const EmbedInput& input) override {
    Held held(*this);

    if (pooling_ == Pooling::kRank) {
      throw EmbedInputError(
          "this model is a reranker: it scores query/document pairs (/api/rerank) and has no "
          "embeddings");
    }
    const int64_t start = now_ns();
    const int64_t num_ctx =
        input.num_ctx > 0
            ? std::min(context_for(loaded_.model->config(), input.num_ctx), num_ctx_)
            : num_ctx_;
    std::vector<std::vector<int32_t>> inputs;
    inputs.reserve(input.items.size());
    EmbedResult r;
    for (const EmbedItem& item : input.items) {
      inputs.push_back(embed_tokens(item, num_ctx, input.truncate));
      r.prompt_eval_count += static_cast<int64_t>(inputs.back().size());
    }
    r.embeddings = embed_batch(*loaded_.model, inputs, pooling_, num_ctx, embed_state(held), &pool_);
    r.prompt_eval_duration_ns = now_ns() - start;
    return r;
  }

  RerankResult rerank(const RerankInput& input) override {
    if (pooling_ != Pooling::kRank) throw EmbedInputError("this model does not support reranking");
    Held held(*this);

    const int64_t start = now_ns();
    const int64_t num_ctx = num_ctx_;
    std::vector<std::vector<int32_t>> pairs;
    pairs.reserve(input.documents.size());
    RerankResult r;
    for (const std::string& document : input.documents) {
      pairs.push_back(
          rerank_pair(loaded_.tokenizer, input.query, document, num_ctx, input.truncate));
      r.prompt_eval_count += static_cast<int64_t>(pairs.back().size());
    }
    const std::vector<std::vector<float>> heads =
        embed_batch(*loaded_.model, pairs, pooling_, num_ctx, embed_state(held), &pool_);
    for (const auto& head : heads) r.logits.push_back(head.at(0));
    r.prompt_eval_duration_ns = now_ns() - start;
    return r;
  }

  uint64_t memory_bytes() const override { return memory_; }
  int vocab_size() const override { return loaded_.tokenizer.vocab_size(); }

  int context_length() const override { return static_cast<int>(num_ctx_); }
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

  // Working memory of one embedding or rerank call, taken from a free list (made on demand: as
  // many as calls ran at once) and given back however the call ends. Every token of a pass may
  // return its hidden state (mean pooling), so a pass's outputs are as many as its tokens.
  struct Held {
    explicit Held(GgufRunner& r) : runner(r) {
      std::lock_guard<std::mutex> lock(r.mutex_);
      if (!r.embed_states_.empty()) {
        state = std::move(r.embed_states_.back());
        r.embed_states_.pop_back();
      }
    }
    Held(const Held&) = delete;
    Held& operator=(const Held&) = delete;
    ~Held() {
      if (!state) return;
      std::lock_guard<std::mutex> lock(runner.mutex_);
      runner.embed_states_.push_back(std::move(state));
    }
    GgufRunner& runner;
    std::unique_ptr<ForwardState> state;
  };
  ForwardState& embed_state(Held& held) const {
    if (!held.state) {
      held.state = std::make_unique<ForwardState>(
          loaded_.model->make_state(num_batch_, num_batch_, OutputKind::kHidden));
    }
    return *held.state;
  }

  ThreadPool pool_;  // before loaded_: its size is the number of threads that read the file
  LoadedModel loaded_;
  Pooling pooling_;
  int64_t num_ctx_;    // the loaded context: the budget is num_ctx_ × num_parallel cells
  int64_t num_batch_;  // tokens per forward pass
  std::optional<StepLoop> loop_;  // none for an encoder (embeddings only)
  std::vector<std::unique_ptr<ForwardState>> embed_states_;  // free ones, under mutex_
  std::mutex mutex_;
  uint64_t memory_ = 0;
  std::shared_ptr<const GrammarVocab> grammar_vocab_;
  std::list<std::pair<OutputGrammar, std::shared_ptr<const grammar::Grammar>>> grammars_;
};

}  // namespace

uint64_t GgufRunnerFactory::estimate_bytes(const ModelSpec& spec, const LoadOptions& options) {
  const GgufFile file = GgufFile::open(spec.model_path);
  const ModelConfig c = read_model_config(file, file.require_string("general.architecture"));
  const int64_t num_ctx = context_for(c, options);
  return runner_bytes(file.file_size(), c, num_ctx, std::max(1, options.num_parallel),
                      std::clamp<int64_t>(options.num_batch, 1, num_ctx));
}

std::unique_ptr<Runner> GgufRunnerFactory::load(const ModelSpec& spec, const LoadOptions& options) {
  return std::make_unique<GgufRunner>(spec, options);
}

}  // namespace slimllm
