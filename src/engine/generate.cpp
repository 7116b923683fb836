#include "engine/generate.h"

#include <algorithm>
#include <vector>

#include "base/clock.h"
#include "base/error.h"
#include "base/log.h"
#include "engine/logprobs.h"
#include "engine/stop_strings.h"
#include "sampling/sampler.h"
#include "sampling/steps.h"

namespace slimllm {
namespace {

// Ollama's truncation: keep the first num_keep tokens and as much of the end as fits, leaving
// room for at least one generated token.
std::vector<int32_t> truncate_prompt(std::span<const int32_t> prompt, int64_t num_ctx,
                                     int64_t num_keep) {
  std::vector<int32_t> out(prompt.begin(), prompt.end());
  const int64_t limit = num_ctx - 1;
  if (static_cast<int64_t>(out.size()) <= limit) return out;
  const int64_t keep = std::clamp<int64_t>(num_keep, 0, limit / 2);
  const int64_t tail = limit - keep;
  log_warn("truncating input prompt", {{"limit", num_ctx},
                                       {"prompt", static_cast<int64_t>(out.size())},
                                       {"keep", keep},
                                       {"new", limit}});
  out.erase(out.begin() + keep, out.end() - tail);
  return out;
}

}  // namespace

GenerateStats generate(SequenceContext& s, std::span<const int32_t> prompt, const GenerateOptions& options,
                       TokenText& text, const TextCallback& on_text) {
  return generate(s, prompt, options, text, [&](const GeneratedPiece& piece) {
    return piece.text.empty() || on_text(piece.text);
  });
}

GenerateStats generate(SequenceContext& s, std::span<const int32_t> prompt_in,
                       const GenerateOptions& options, TokenText& text,
                       const PieceCallback& on_piece, const GenerateControls& controls) {
  const int64_t start_ns = now_ns();
  GenerateStats stats;
  if (prompt_in.empty()) fail("generate: the prompt has no tokens");
  const int64_t num_ctx = s.num_ctx();
  const std::vector<int32_t> prompt = truncate_prompt(prompt_in, num_ctx, options.num_keep);
  const int32_t num_keep =
      static_cast<int32_t>(std::clamp<int64_t>(options.num_keep, 0, num_ctx / 2));

  // Reuse the cached prefix, but evaluate at least the last prompt token for its logits.
  std::vector<int32_t>& tokens = s.tokens();
  size_t common = 0;
  while (common < tokens.size() && common < prompt.size() && tokens[common] == prompt[common]) {
    ++common;
  }
  common = std::min(common, prompt.size() - 1);
  s.keep_prefix(common);
  common = tokens.size();  // less when the cache cannot continue from there (a sliding window)

  SamplerConfig sampling = options.sampling;
  if (sampling.repeat_last_n < 0) sampling.repeat_last_n = static_cast<int32_t>(num_ctx);
  Sampler sampler(sampling, s.model().config().n_vocab);
  for (int32_t id : prompt) sampler.accept(id);

  std::span<const float> logits =
      s.evaluate(std::span<const int32_t>(prompt).subspan(common), static_cast<int32_t>(common));
  tokens.insert(tokens.end(), prompt.begin() + static_cast<std::ptrdiff_t>(common), prompt.end());
  const int64_t prompt_done_ns = now_ns();
  stats.prompt_eval_count = static_cast<int64_t>(prompt.size());
  stats.prompt_cached_count = static_cast<int64_t>(common);
  stats.prompt_eval_duration = prompt_done_ns - start_ns;

  // Ollama's cap: -1 or anything past ten contexts ends after ten contexts.
  const int64_t limit = options.num_predict < 0 || options.num_predict > 10 * num_ctx
                            ? 10 * num_ctx
                            : options.num_predict;
  StopStrings stops(options.stop);
  OutputConstraint* constraint = controls.constraint;
  std::vector<float> masked;          // the logits with the grammar's mask, when it had to apply
  std::vector<TokenLogprob> pending;  // reports of tokens whose text is not out yet
  bool cancelled = false;
  auto emit = [&](std::string_view piece) {
    if (cancelled || (piece.empty() && pending.empty())) return;
    if (!on_piece(GeneratedPiece{piece, pending})) cancelled = true;
    pending.clear();
  };
  std::string reason;
  while (true) {
    if (stats.eval_count >= limit) {
      reason = "length";
      break;
    }
    int32_t next = sampler.sample(logits);
    if (constraint && !constraint->allows(next)) {
      // The model's choice breaks the grammar: draw again from the tokens it allows.
      masked.assign(logits.begin(), logits.end());
      if (!constraint->mask(masked)) {
        log_warn("grammar allows no token: generation ended", {});
        reason = "stop";
        break;
      }
      next = sampler.sample(masked);
      // A draw within rounding of 1 can land past the last token with any probability: fall
      // back to the most likely allowed one rather than break the grammar.
      if (!constraint->allows(next)) next = pick_greedy(masked);
    }
    if (controls.logprobs && !text.is_end_of_generation(next)) {
      pending.push_back(token_logprob(logits, next, controls.top_logprobs, text));
    }
    if (text.is_end_of_generation(next)) {
      reason = "stop";
      break;
    }
    sampler.accept(next);
    if (constraint) constraint->accept(next);
    ++stats.eval_count;
    const StopStrings::Result r = stops.push(text.push(next));
    if (!r.text.empty()) emit(r.text);
    if (r.stopped || (constraint && constraint->must_end())) {
      reason = "stop";
      break;
    }
    if (cancelled) break;
    if (static_cast<int64_t>(tokens.size()) >= num_ctx) {
      if (!options.shift) {
        reason = "length";
        break;
      }
      const int32_t discard =
          static_cast<int32_t>((static_cast<int64_t>(tokens.size()) - num_keep) / 2);
      log_debug("context limit hit - shifting", {{"limit", num_ctx},
                                                 {"input", static_cast<int64_t>(tokens.size())},
                                                 {"keep", num_keep},
                                                 {"discard", discard}});
      s.shift(num_keep, discard);
      tokens.erase(tokens.begin() + num_keep, tokens.begin() + num_keep + discard);
    }
    const int32_t pos = static_cast<int32_t>(tokens.size());
    tokens.push_back(next);
    logits = s.evaluate(std::span<const int32_t>(&tokens.back(), 1), pos);
  }
  if (!cancelled) {
    const StopStrings::Result tail = stops.push(text.flush());
    if (!tail.text.empty()) emit(tail.text);
    if (!tail.stopped) {
      const std::string rest = stops.flush();
      if (!rest.empty()) emit(rest);
    }
    emit("");  // reports still pending
  }
  const int64_t end_ns = now_ns();
  stats.done_reason = cancelled ? "" : reason;
  stats.eval_duration = end_ns - prompt_done_ns;
  stats.total_duration = end_ns - start_ns;
  return stats;
}

}  // namespace slimllm
