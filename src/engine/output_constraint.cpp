#include "engine/output_constraint.h"

#include <limits>

#include "base/error.h"

namespace slimllm {

GrammarVocab::GrammarVocab(std::vector<std::string> pieces_in, std::vector<uint8_t> eog)
    : pieces(std::move(pieces_in)), end_of_generation(std::move(eog)), trie(pieces) {
  if (end_of_generation.size() != pieces.size()) {
    fail("grammar vocabulary: ", end_of_generation.size(), " end-of-generation flags for ",
         pieces.size(), " tokens");
  }
}

OutputConstraint::OutputConstraint(std::shared_ptr<const grammar::Grammar> grammar,
                                   std::shared_ptr<const GrammarVocab> vocab, std::string after)
    : vocab_(std::move(vocab)), matcher_(std::move(grammar)), after_(std::move(after)) {
  active_ = after_.empty();
}

bool OutputConstraint::allows(int32_t token) const {
  if (!active_) return true;
  ++counts_.checks;
  if (token < 0 || static_cast<size_t>(token) >= vocab_->pieces.size()) return false;
  if (vocab_->end_of_generation[static_cast<size_t>(token)]) return matcher_.is_complete();
  const std::string& bytes = vocab_->pieces[static_cast<size_t>(token)];
  return !bytes.empty() && matcher_.would_accept(bytes);
}

bool OutputConstraint::mask(std::span<float> logits) {
  if (!active_) return true;
  ++counts_.masks;
  matcher_.allowed_tokens(vocab_->trie, allowed_);
  const bool complete = matcher_.is_complete();
  bool any = false;
  const size_t n = std::min(logits.size(), allowed_.size());
  for (size_t i = 0; i < n; ++i) {
    const bool ok = allowed_[i] || (complete && vocab_->end_of_generation[i]);
    if (!ok) logits[i] = -std::numeric_limits<float>::infinity();
    any = any || ok;
  }
  for (size_t i = n; i < logits.size(); ++i) logits[i] = -std::numeric_limits<float>::infinity();
  return any;
}

void OutputConstraint::accept(int32_t token) {
  if (token < 0 || static_cast<size_t>(token) >= vocab_->pieces.size()) return;
  if (vocab_->end_of_generation[static_cast<size_t>(token)]) return;
  const std::string& bytes = vocab_->pieces[static_cast<size_t>(token)];
  if (active_) {
    matcher_.accept(bytes);
    return;
  }
  // Waiting for the text that switches the grammar on; what follows it in the same token is the
  // grammar's first input (whitespace the grammar does not take is skipped).
  seen_ += bytes;
  const size_t at = seen_.find(after_);
  if (at == std::string::npos) {
    if (seen_.size() > after_.size()) seen_.erase(0, seen_.size() - after_.size());
    return;
  }
  active_ = true;
  std::string_view rest = std::string_view(seen_).substr(at + after_.size());
  while (!rest.empty() && !matcher_.would_accept(rest) &&
         (rest.front() == ' ' || rest.front() == '\n' || rest.front() == '\t' ||
          rest.front() == '\r')) {
    rest.remove_prefix(1);
  }
  if (!rest.empty()) matcher_.accept(rest);
  seen_.clear();
}

bool OutputConstraint::must_end() const {
  return active_ && matcher_.is_complete() && !matcher_.can_continue();
}

}  // namespace slimllm
