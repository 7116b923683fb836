// A JSON Schema `pattern` (an ECMA-262 regular expression, the subset clients write) → a GBNF
// expression for the content of a JSON string (between its quotes) whose decoded value the
// pattern matches. Characters come out as JSON spells them ('"' as \", a newline as \n, ...).
#pragma once

#include <string>
#include <string_view>

namespace slimllm::grammar {

// `any_char` names the rule for one JSON string character, used for the parts an unanchored
// pattern leaves free (a pattern without ^ may be preceded by anything, without $ followed by
// anything: JSON Schema patterns search, they do not match whole strings). Supports literals,
// escapes (\d \w \s \D \W \S \t \n \r \f \v \0 \xHH \uHHHH \cX, escaped punctuation), `.`,
// classes with ranges and negation, groups ( ), (?: ), (?<name> ), alternation, the quantifiers
// ? * + {m} {m,} {m,n} (lazy forms too: the language is the same), and ^ $ at the ends of a
// top-level alternative. Throws Error "unsupported JSON schema pattern ..." for the rest
// (backreferences, lookaround, \b, anchors inside groups).
std::string regex_to_gbnf(std::string_view pattern, const std::string& any_char);

}  // namespace slimllm::grammar
