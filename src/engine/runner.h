// The narrow seam between the scheduler and an inference engine: a Runner is one loaded model
// that generates from a prompt; a RunnerFactory estimates and loads them. The server only ever
// talks to Runners through the Scheduler, so a fake Runner is enough to test everything above.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace slimllm {

// Options fixed when a model is loaded; a request asking for different ones reloads the model.
struct LoadOptions {
  int num_ctx = 4096;
  int num_batch = 512;
  int num_gpu = -1;
  int main_gpu = 0;
  std::optional<bool> use_mmap;
  int num_thread = 0;    // 0: the CPUs this process may use (available_cpus)
  int num_parallel = 1;  // sequences decoded at once; the KV budget is num_ctx × num_parallel cells

  bool operator==(const LoadOptions&) const = default;
};

// Options of one generation (Ollama's defaults).
struct SamplingOptions {
  int num_keep = 4;
  int64_t seed = -1;
  int num_predict = -1;  // -1: until a stop condition (capped at 10 × num_ctx)
  int top_k = 40;
  float top_p = 0.9f;
  float min_p = 0.0f;
  float typical_p = 1.0f;
  int repeat_last_n = 64;
  float temperature = 0.8f;
  float repeat_penalty = 1.1f;
  float presence_penalty = 0.0f;
  float frequency_penalty = 0.0f;
  std::vector<std::string> stop;  // stop strings; the stop text itself is not emitted
};

// What the output must be: a grammar (GBNF text, grammar/grammar.h) every generated token must
// keep the output a valid prefix of, and that ends the generation once complete.
struct OutputGrammar {
  std::string gbnf;           // "" ⇒ unconstrained
  std::string root = "root";  // the start rule
  // When set, the output is free until this text has been generated (a thinking model's closing
  // tag), and the grammar holds from there on.
  std::string after;

  bool operator==(const OutputGrammar&) const = default;
};

struct GenerateInput {
  std::string prompt;                   // the rendered prompt text
  // The request's num_ctx when it differs from the loaded one (the runner said it holds it,
  // Runner::holds_context); 0: the loaded context.
  int num_ctx = 0;
  std::vector<int32_t> context_tokens;  // tokens placed before the prompt (deprecated `context`)
  bool add_special = true;  // add BOS etc. as the vocabulary asks (false for raw context)
  SamplingOptions sampling;
  OutputGrammar grammar;
  bool truncate = true;  // drop the prompt's head (after num_keep) when it exceeds num_ctx
  bool shift = true;     // shift the context instead of stopping when it fills
  // Log-probabilities of each generated token (of the model's distribution, before temperature,
  // penalties, truncation and any grammar), with the top_logprobs most likely alternatives.
  bool logprobs = false;
  int top_logprobs = 0;
};

// One alternative of a token's log-probability report.
struct TokenAlternative {
  std::string token;  // its bytes (need not be whole UTF-8)
  float logprob = 0.0f;
};

struct TokenLogprob {
  std::string token;
  float logprob = 0.0f;
  std::vector<TokenAlternative> top;  // most likely first
};

// A piece of generated text as it becomes final, with the log-probabilities of the tokens
// generated since the previous piece (when asked for). The last call may carry no text.
struct GeneratedPiece {
  std::string_view text;
  std::span<const TokenLogprob> logprobs;
};

struct GenerateResult {
  std::string done_reason;  // "stop", "length", or "" when cancelled
  int64_t prompt_eval_count = 0;
  int64_t prompt_cached_count = 0;  // prompt tokens reused from the cache, not evaluated again
  int64_t prompt_eval_duration_ns = 0;
  int64_t eval_count = 0;
  int64_t eval_duration_ns = 0;
  std::vector<int32_t> context;  // prompt + generated tokens, for the deprecated `context`
};

// One input of an embedding request: text (tokenized with the model's special tokens, as a
// prompt is) or token ids given as they are (OpenAI's token-array inputs).
struct EmbedItem {
  std::string text;
  std::vector<int32_t> tokens;
  bool is_tokens = false;

  static EmbedItem of_text(std::string text) { return EmbedItem{std::move(text), {}, false}; }
  static EmbedItem of_tokens(std::vector<int32_t> ids) {
    return EmbedItem{{}, std::move(ids), true};
  }
};

struct EmbedInput {
  std::vector<EmbedItem> items;
  // An input longer than the context is cut to fit (its trailing special token kept); false
  // refuses it with ContextExceededError instead.
  bool truncate = true;
  // The request's context (its num_ctx): a loaded model serves another context without a reload
  // (Runner::holds_context), so the input is fitted to this one. 0: the loaded context.
  int64_t num_ctx = 0;
};

struct EmbedResult {
  // One pooled vector per item, in the items' order, as the model gives it: not normalized
  // (/api/embed normalizes, the legacy /api/embeddings does not).
  std::vector<std::vector<float>> embeddings;
  int64_t prompt_eval_count = 0;  // tokens evaluated over all items, after truncation
  int64_t prompt_eval_duration_ns = 0;
};

// A reranking request: each document scored against the query by a cross-encoder (a model
// with pooling rank), which reads the pair as one input.
struct RerankInput {
  std::string query;
  std::vector<std::string> documents;
  // A pair longer than the context loses the document's tail (then the query's); false refuses
  // it with ContextExceededError instead.
  bool truncate = true;
};

struct RerankResult {
  std::vector<float> logits;      // per document, in order: the head's relevance logit
  int64_t prompt_eval_count = 0;  // tokens evaluated over all pairs
  int64_t prompt_eval_duration_ns = 0;
};

// An embedding input the model cannot take (a token id outside its vocabulary, an input that
// encodes to nothing); the server answers it with 400, as a bad request rather than a failure.
class EmbedInputError : public Error {
 public:
  using Error::Error;
};

// An embedding input that does not fit the context while truncation is off, with the text of
// Ollama's runner (also 400).
class ContextExceededError : public EmbedInputError {
 public:
  ContextExceededError() : EmbedInputError("the input length exceeds the context length") {}
};

// A generation input the model cannot take (a `context` token id outside its vocabulary, a prompt
// too long for the context with truncation off): the client's error, answered with 400.
class GenerateInputError : public Error {
 public:
  using Error::Error;
};

// What a runner that batches its sequences (continuous batching) is doing, for /metrics and
// /api/ps.
struct BatchStats {
  int running = 0;  // sequences generating
  int waiting = 0;  // generations waiting for room in the KV budget
  uint64_t kv_bytes = 0;         // KV cache held now (running and cached idle sequences)
  uint64_t kv_budget_bytes = 0;  // the most it may hold
  uint64_t steps = 0;            // batched forward passes so far
  uint64_t step_tokens = 0;      // tokens they carried
  uint64_t step_sequences = 0;   // sequences they advanced (summed over steps)
  // Steps by how many sequences they advanced: 1, 2, 3–4, 5–8, 9–16, more.
  std::vector<uint64_t> sequences_per_step = std::vector<uint64_t>(6, 0);
  static constexpr int kBucketBounds[] = {1, 2, 4, 8, 16};
};

// Receives each piece of generated text as it is decoded; return false to stop generating (the
// client went away). Runners must check it after every token.
using TokenCallback = std::function<bool(const GeneratedPiece& piece)>;

class Runner {
 public:
  virtual ~Runner() = default;
  // Generates until a stop condition or until `on_piece` returns false. Called by at most
  // LoadOptions::num_parallel threads at once. Throws Error on failure.
  virtual GenerateResult generate(const GenerateInput& input, const TokenCallback& on_piece) = 0;
  // Bytes of memory the loaded model holds (weights + KV cache + scratch).
  virtual uint64_t memory_bytes() const = 0;
  // Whether generations with this num_ctx can run on this runner as loaded (GenerateInput::
  // num_ctx), so a request asking for another context need not reload the model.
  virtual bool holds_context(int num_ctx) const {
    (void)num_ctx;
    return false;
  }
  // Batching counters, for runners that batch their sequences.
  virtual std::optional<BatchStats> batch_stats() const { return std::nullopt; }
  // The context length actually in use (num_ctx clamped to the model's).
  virtual int context_length() const = 0;
  // Tokens in the model's vocabulary, so that token ids from a request can be checked before a
  // stream starts; 0 when the runner does not know.
  virtual int vocab_size() const { return 0; }
  // Tokens `text` encodes to (control tokens spelled in it count as one), for fitting a
  // conversation into the context before generating.
  virtual size_t count_tokens(std::string_view text) const = 0;
  // Embeds every item together (one call per request, so the runner can batch them). Called like
  // generate(), holding one slot. Throws ContextExceededError, or Error on failure. The default
  // is for runners of models that cannot embed.
  virtual EmbedResult embed(const EmbedInput& input) {
    (void)input;
    fail("this model does not support embeddings");
  }
  // Scores every document together, as embed() batches its items. Throws EmbedInputError for a
  // model that is not a reranker or an input it cannot take.
  virtual RerankResult rerank(const RerankInput& input) {
    (void)input;
    fail("this model does not support reranking");
  }
};

// What the scheduler needs to know about a model to load it.
struct ModelSpec {
  std::string name;        // display name, for logs and /api/ps
  std::string model_path;  // the GGUF blob: the model's identity
  uint64_t file_size = 0;
};

class RunnerFactory {
 public:
  virtual ~RunnerFactory() = default;
  // Bytes a load with these options would take, before loading (checked against the budget).
  virtual uint64_t estimate_bytes(const ModelSpec& spec, const LoadOptions& options) = 0;
  // Loads the model; throws Error on failure.
  virtual std::unique_ptr<Runner> load(const ModelSpec& spec, const LoadOptions& options) = 0;
};

}  // namespace slimllm
