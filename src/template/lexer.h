// Splits template text into tokens: text runs (already trimmed by {{- and -}}), action
// delimiters, and the words inside actions. Comments vanish here.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "template/ast.h"

namespace slimllm::tmpl {

struct Token {
  enum class Kind {
    kText,
    kLeft,      // {{
    kRight,     // }}
    kField,     // .Name (value holds "Name")
    kVariable,  // $ or $name (value holds "$name")
    kIdent,     // function name
    kKeyword,   // if else end range with define template block break continue
    kBool,
    kNil,
    kNumber,  // value holds the literal text
    kString,  // value holds the decoded string (quoted, raw or char constants decoded later)
    kChar,    // value holds the literal text ('a')
    kLParen,
    kRParen,
    kPipe,
    kComma,
    kDeclare,  // :=
    kAssign,   // =
    kDot,
    kEof,
  };
  Kind kind = Kind::kEof;
  std::string value;
  Pos pos;
  bool spaced = false;  // whitespace precedes it inside an action
  size_t offset = 0;    // byte offset in the source
};

std::vector<Token> lex(std::string_view text);

// Line and column (1-based, columns count bytes) of a byte offset.
Pos position_of(std::string_view text, size_t offset);

}  // namespace slimllm::tmpl
