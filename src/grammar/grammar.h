// A context-free grammar over bytes, compiled from GBNF text (the grammar notation llama.cpp
// and Ollama use: `name ::= alternatives`, "literals", [classes], [^negated], (groups), `|`,
// `* + ?`, `{m}`, `{m,}`, `{m,n}`, `#` comments). Character classes and literals are Unicode
// code points in the text; compiling turns them into UTF-8 byte sequences, so matching works on
// raw bytes and a token that ends in the middle of a character needs no special handling.
// Immutable once compiled: one Grammar is shared by every sequence that uses it.
#pragma once

#include <memory>
#include <string_view>

namespace slimllm::grammar {

struct Grammar;  // defined in grammar/rules.h (internal)

// Compiles GBNF text; `root` names the start rule. Throws Error ("GBNF grammar: line L, column
// C: ...") for a syntax error, an undefined rule, a rule defined twice, left recursion (a rule
// that can reach itself without consuming a byte, which includes repeating something that can
// match nothing, `("a"?)*`), or an excessive size (a repetition count above 10000, more than
// ~1M elements, parentheses nested over 400 deep); a missing start rule is reported without a
// position. Escapes: \n \r \t \\ \" \' \[ \] \- \^ \/ \xHH \uHHHH \UHHHHHHHH (code points,
// encoded as UTF-8). Surrogates (U+D800-DFFF) are never matched: negated classes and `.` leave
// them out, and a literal escape of one is an error.
std::shared_ptr<const Grammar> compile_gbnf(std::string_view text, std::string_view root = "root");

}  // namespace slimllm::grammar
