// GBNF text → rules over bytes (internal to grammar/): literals and character classes are
// already UTF-8 byte sets, groups and repetitions already generated rules. compile_gbnf then
// flattens these and precomputes closures (grammar_compile.cpp).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "grammar/rules.h"

namespace slimllm::grammar {

struct Symbol {
  bool is_rule;  // a call of rules[index]; else one byte of byte_sets[index]
  uint32_t index;
};

struct ParsedRule {
  std::string name;
  std::vector<std::vector<Symbol>> alternatives;
  bool defined = false;    // has a `name ::=` (generated rules always do)
  bool generated = false;  // a group, repetition or multi-byte class
  uint32_t origin = 0;     // the user rule it belongs to (itself, if not generated)
  // Where the rule is defined, or (while undefined) first called; for generated rules, the
  // definition of the user rule they belong to.
  uint32_t line = 0, column = 0;
};

struct ParsedGrammar {
  std::vector<ParsedRule> rules;
  std::vector<ByteSet> byte_sets;
};

// Throws Error naming the line and column of a syntax error or an excessive size.
ParsedGrammar parse_gbnf(std::string_view text);

}  // namespace slimllm::grammar
