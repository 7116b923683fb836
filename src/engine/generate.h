// The generation loop: evaluates a prompt (reusing the session's cached prefix), then samples
// token after token, streaming the decoded text through a callback until an end-of-generation
// token, num_predict, a stop string, or the callback returning false. Reports the counts and
// durations Ollama's API returns.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "engine/options.h"
#include "engine/output_constraint.h"
#include "engine/runner.h"
#include "engine/sequence_context.h"
#include "engine/session.h"
#include "engine/token_text.h"

namespace slimllm {

struct GenerateStats {
  std::string done_reason;           // "stop", "length", or "" when the callback cancelled
  int64_t prompt_eval_count = 0;     // prompt tokens after truncation
  int64_t prompt_cached_count = 0;   // of them, the prefix the session's cache already held
  int64_t prompt_eval_duration = 0;  // ns
  int64_t eval_count = 0;            // generated tokens
  int64_t eval_duration = 0;         // ns
  int64_t total_duration = 0;        // ns, from the call's start (the caller adds load time)
};

// Receives each piece of text as it becomes final; returning false cancels within one token.
using TextCallback = std::function<bool(std::string_view text)>;
// The same with the log-probabilities of the tokens behind each piece (GenerateControls).
using PieceCallback = std::function<bool(const GeneratedPiece& piece)>;

// What a generation reports and obeys beyond the sampling options.
struct GenerateControls {
  OutputConstraint* constraint = nullptr;  // a grammar the output must follow, or none
  bool logprobs = false;                   // report each token's log-probability
  int top_logprobs = 0;                    // ... with this many most likely alternatives
};

// Generates from `prompt` (token ids, BOS included as the vocabulary wants). Throws Error for an
// empty prompt or a prompt that cannot fit even after truncation.
GenerateStats generate(SequenceContext& session, std::span<const int32_t> prompt,
                       const GenerateOptions& options, TokenText& text,
                       const PieceCallback& on_piece, const GenerateControls& controls = {});
GenerateStats generate(SequenceContext& session, std::span<const int32_t> prompt,
                       const GenerateOptions& options, TokenText& text,
                       const TextCallback& on_text);

}  // namespace slimllm
