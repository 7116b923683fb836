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
#include "engine/session.h"
#include "engine/token_text.h"

namespace slimllm {

struct GenerateStats {
  std::string done_reason;           // "stop", "length", or "" when the callback cancelled
  int64_t prompt_eval_count = 0;     // prompt tokens after truncation
  int64_t prompt_eval_duration = 0;  // ns
  int64_t eval_count = 0;            // generated tokens
  int64_t eval_duration = 0;         // ns
  int64_t total_duration = 0;        // ns, from the call's start (the caller adds load time)
};

// Receives each piece of text as it becomes final; returning false cancels within one token.
using TextCallback = std::function<bool(std::string_view text)>;

// Generates from `prompt` (token ids, BOS included as the vocabulary wants). Throws Error for an
// empty prompt or a prompt that cannot fit even after truncation.
GenerateStats generate(Session& session, std::span<const int32_t> prompt,
                       const GenerateOptions& options, TokenText& text,
                       const TextCallback& on_text);

}  // namespace slimllm
