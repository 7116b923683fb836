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

// Compiles GBNF text; `root` names the start rule. Throws Error naming the line and column of
// a syntax error, an undefined rule, or left recursion.
std::shared_ptr<const Grammar> compile_gbnf(std::string_view text, std::string_view root = "root");

}  // namespace slimllm::grammar
