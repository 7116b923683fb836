// The incremental parser state of one sequence under a Grammar: which bytes may come next. A
// generation feeds it each sampled token's bytes; the sampler asks it whether a token keeps the
// output a valid prefix of the grammar, or for the whole vocabulary's mask at once.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "grammar/grammar.h"

namespace slimllm::grammar {

class VocabTrie;

// Not thread-safe for concurrent use of one Matcher; different Matchers (sharing a Grammar) may be
// used on different threads at once.
class Matcher {
 public:
  explicit Matcher(std::shared_ptr<const Grammar> grammar);
  // A copy has its own state (e.g. to try a continuation without disturbing the original).
  Matcher(const Matcher& other);
  Matcher& operator=(const Matcher& other);
  Matcher(Matcher&&) noexcept;
  Matcher& operator=(Matcher&&) noexcept;
  ~Matcher();

  // Advances over `bytes` when they keep the input a valid prefix; otherwise returns false and
  // leaves the state as it was.
  bool accept(std::string_view bytes);
  // Whether accept(bytes) would succeed, without changing the state.
  bool would_accept(std::string_view bytes) const;
  // The bytes so far are a complete sentence of the grammar (it may still continue).
  bool is_complete() const;
  // Some parse still waits for a byte (an end-of-generation token should be refused when
  // !is_complete(), and forced when is_complete() && !can_continue()).
  bool can_continue() const;
  // Back to the start of the grammar.
  void reset();

  // allowed[i] = 1 for every token of `trie` whose bytes accept() would take, else 0; tokens
  // with no bytes (special tokens) are never allowed. `allowed` is resized to trie.size().
  // Walks the trie from the current stacks, pruning a prefix as soon as no stack survives it.
  void allowed_tokens(const VocabTrie& trie, std::vector<uint8_t>& allowed) const;

  struct State;  // internal (grammar/matcher_state.h)

 private:
  std::shared_ptr<const Grammar> grammar_;
  std::shared_ptr<State> state_;
};

}  // namespace slimllm::grammar
