// Holds a generation to a grammar: which tokens may come next, and when the output must end.
// The sampled token is checked first (one walk of its bytes); only when the grammar refuses it
// is the whole vocabulary masked and the token drawn again, so a model that follows the grammar
// by itself pays almost nothing.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "grammar/matcher.h"
#include "grammar/vocab_trie.h"

namespace slimllm {

// A vocabulary as a grammar sees it, built once per loaded model.
struct GrammarVocab {
  // pieces[i]: the bytes of token i; "" for control tokens, which a grammar never allows.
  GrammarVocab(std::vector<std::string> pieces, std::vector<uint8_t> end_of_generation);
  std::vector<std::string> pieces;
  std::vector<uint8_t> end_of_generation;  // [n_vocab]: 1 for the tokens that end a generation
  grammar::VocabTrie trie;
};

class OutputConstraint {
 public:
  // `after`: the grammar holds only once this text has been generated ("" ⇒ from the start).
  OutputConstraint(std::shared_ptr<const grammar::Grammar> grammar,
                   std::shared_ptr<const GrammarVocab> vocab, std::string after = "");

  // Whether the grammar holds at this point of the output.
  bool active() const { return active_; }
  // Whether `token` may be generated next.
  bool allows(int32_t token) const;
  // Sets the logits of every token that may not come next to -infinity; false when none may.
  bool mask(std::span<float> logits);
  // Records a generated token (one that allows() took, or any while not active).
  void accept(int32_t token);
  // The output is a complete sentence of the grammar and nothing may follow it.
  bool must_end() const;

  // How often the grammar was consulted, for benchmarks and logs: a model that follows the
  // grammar by itself needs `masks` near 0, and every mask walks the whole vocabulary.
  struct Counts {
    int64_t checks = 0;  // allows() while active: one walk of a token's bytes
    int64_t masks = 0;   // mask() while active: one walk of the vocabulary trie
  };
  const Counts& counts() const { return counts_; }

 private:
  std::shared_ptr<const GrammarVocab> vocab_;
  grammar::Matcher matcher_;
  std::string after_;
  std::string seen_;  // output so far while waiting for `after_` (its tail only)
  bool active_ = false;
  std::vector<uint8_t> allowed_;
  mutable Counts counts_;  // allows() is a const query; counting it changes no answer
};

}  // namespace slimllm
