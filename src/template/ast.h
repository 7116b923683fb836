// The parse tree of a text/template: what the parser builds and the executor walks.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "template/value.h"

namespace slimllm::tmpl {

struct Pos {
  int line = 1;
  int column = 1;
};

struct Pipeline;

// One operand of a command.
struct Arg {
  enum class Kind { kField, kVariable, kDot, kNil, kConstant, kFunction, kPipe, kChain };
  Kind kind = Kind::kNil;
  Pos pos;
  std::string name;                 // variable ("$x") or function name
  std::vector<std::string> fields;  // field chain: .A.B, $x.A.B, (pipe).A.B
  Value constant;                   // bool, number or string literal
  std::shared_ptr<Pipeline> pipe;   // parenthesised pipeline (kPipe, and the base of kChain)
  std::string source;               // the operand's text, for error messages
};

struct Command {
  Pos pos;
  std::vector<Arg> args;
};

struct Pipeline {
  Pos pos;
  bool is_assign = false;          // $x = ... rather than $x := ...
  std::vector<std::string> decls;  // declared or assigned variables
  std::vector<Command> commands;
};

struct Node {
  enum class Kind { kText, kAction, kIf, kRange, kWith, kTemplate, kBreak, kContinue };
  Kind kind = Kind::kText;
  Pos pos;
  std::string text;                // kText: the text; kTemplate: the invoked name
  std::shared_ptr<Pipeline> pipe;  // kAction, kIf, kRange, kWith, kTemplate (may be null)
  std::vector<Node> list;          // body
  std::vector<Node> else_list;     // {{else}} body; "else if" nests one kIf/kWith node here
  bool has_else = false;
};

struct Tree {
  std::vector<Node> root;
  std::map<std::string, std::vector<Node>> defines;  // {{define}} and {{block}} bodies
};

// Parses template text; throws Error naming line, column and the problem.
std::shared_ptr<Tree> parse_tree(std::string_view text);

}  // namespace slimllm::tmpl
