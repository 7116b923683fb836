// Recursive-descent parser for text/template, following Go's grammar and its parse-time checks
// (undefined variables and functions, break/continue outside range, misplaced else/end).
#include <cstdlib>

#include "base/error.h"
#include "template/ast.h"
#include "template/functions.h"
#include "template/lexer.h"

namespace slimllm::tmpl {

namespace {

using K = Token::Kind;

// Deep nesting would exhaust the stack while parsing or executing; no real template nests so.
constexpr int kMaxNesting = 100;

std::string describe(const Token& t) {
  switch (t.kind) {
    case K::kEof:
      return "EOF";
    case K::kRight:
      return "\"}}\"";
    case K::kLeft:
      return "\"{{\"";
    case K::kText:
      return "text";
    case K::kField:
      return str_cat("field \".", t.value, "\"");
    case K::kString:
      return "string";
    case K::kKeyword:
      return str_cat("<", t.value, ">");
    default:
      return str_cat("\"", t.value, "\"");
  }
}

class Parser {
 public:
  Parser(std::string_view text) : tokens_(lex(text)) {}

  std::shared_ptr<Tree> run() {
    tree_ = std::make_shared<Tree>();
    vars_ = {"$"};
    while (peek().kind != K::kEof) {
      if (peek().kind == K::kLeft && peek(1).kind == K::kKeyword && peek(1).value == "define") {
        parse_define();
        continue;
      }
      Stop stop;
      Node node;
      if (!parse_item(&node, &stop)) {
        error(stop_left_, stop == Stop::kEnd ? "unexpected {{end}}" : "unexpected {{else}}");
      }
      tree_->root.push_back(std::move(node));
    }
    return tree_;
  }

 private:
  enum class Stop { kNone, kEnd, kElse };

  [[noreturn]] void error(const Token& at, const std::string& message) {
    fail("template: line ", at.pos.line, ", column ", at.pos.column, ": ", message);
  }
  [[noreturn]] void unexpected(const Token& t, const std::string& context) {
    error(t, str_cat("unexpected ", describe(t), " in ", context));
  }

  const Token& peek(size_t ahead = 0) const {
    size_t i = std::min(index_ + ahead, tokens_.size() - 1);
    return tokens_[i];
  }
  const Token& next() {
    last_ = tokens_[index_];
    if (index_ + 1 < tokens_.size()) ++index_;
    return last_;
  }
  void expect(K kind, const std::string& context) {
    const Token& t = next();
    if (t.kind != kind) unexpected(t, context);
  }

  struct Nest {
    explicit Nest(Parser* p) : parser(p) {
      if (++parser->depth_ > kMaxNesting)
        parser->error(parser->peek(), "template nests too deeply");
    }
    ~Nest() { --parser->depth_; }
    Parser* parser;
  };

  // Parses one text or action. Returns false when it met {{end}} or {{else}} (consumed up to
  // the keyword; for {{end}} also the closing delimiter) and reports which in *stop.
  bool parse_item(Node* node, Stop* stop) {
    const Token& t = next();
    if (t.kind == K::kText) {
      node->kind = Node::Kind::kText;
      node->pos = t.pos;
      node->text = t.value;
      return true;
    }
    if (t.kind != K::kLeft) unexpected(t, "input");
    Token left = t;
    const Token& word = peek();
    if (word.kind == K::kKeyword) {
      std::string keyword = word.value;
      if (keyword == "end") {
        stop_left_ = left;
        next();
        expect(K::kRight, "end");
        *stop = Stop::kEnd;
        return false;
      }
      if (keyword == "else") {
        stop_left_ = left;
        next();
        *stop = Stop::kElse;
        return false;
      }
      next();
      if (keyword == "if") return parse_control(node, Node::Kind::kIf, left), true;
      if (keyword == "range") return parse_control(node, Node::Kind::kRange, left), true;
      if (keyword == "with") return parse_control(node, Node::Kind::kWith, left), true;
      if (keyword == "template") return parse_template(node, left), true;
      if (keyword == "block") return parse_block(node, left), true;
      if (keyword == "break" || keyword == "continue") {
        if (range_depth_ == 0) error(word, str_cat("{{", keyword, "}} outside {{range}}"));
        expect(K::kRight, str_cat("{{", keyword, "}}"));
        node->kind = keyword == "break" ? Node::Kind::kBreak : Node::Kind::kContinue;
        node->pos = left.pos;
        return true;
      }
      error(word, str_cat("unexpected <", keyword, "> in command"));
    }
    node->kind = Node::Kind::kAction;
    node->pos = left.pos;
    node->pipe = parse_pipeline("command", K::kRight, false);
    return true;
  }

  // Items until {{end}} or {{else}}.
  std::vector<Node> parse_list(Stop* stop) {
    std::vector<Node> list;
    while (true) {
      if (peek().kind == K::kEof) error(peek(), "unexpected EOF");
      Node node;
      if (!parse_item(&node, stop)) return list;
      list.push_back(std::move(node));
    }
  }

  void parse_control(Node* node, Node::Kind kind, const Token& left) {
    Nest nest(this);
    size_t mark = vars_.size();
    const char* context = kind == Node::Kind::kIf      ? "if"
                          : kind == Node::Kind::kRange ? "range"
                                                       : "with";
    node->kind = kind;
    node->pos = left.pos;
    node->pipe = parse_pipeline(context, K::kRight, kind == Node::Kind::kRange);
    if (kind == Node::Kind::kRange) ++range_depth_;
    Stop stop = Stop::kNone;
    node->list = parse_list(&stop);
    if (kind == Node::Kind::kRange) --range_depth_;
    if (stop == Stop::kElse) {
      node->has_else = true;
      const Token& after = peek();
      if (kind != Node::Kind::kRange && after.kind == K::kKeyword &&
          after.value == (kind == Node::Kind::kIf ? "if" : "with")) {
        // "else if" / "else with": a nested control that consumes the single {{end}}.
        Token inner_left = last_;
        next();
        Node inner;
        parse_control(&inner, kind, inner_left);
        node->else_list.push_back(std::move(inner));
      } else {
        expect(K::kRight, "else");
        node->else_list = parse_list(&stop);
        if (stop != Stop::kEnd) error(stop_left_, "expected end; found {{else}}");
      }
    }
    vars_.resize(mark);
  }

  std::string template_name(const char* context) {
    const Token& t = next();
    if (t.kind != K::kString) unexpected(t, str_cat(context, " clause"));
    return t.value;
  }

  void parse_template(Node* node, const Token& left) {
    node->kind = Node::Kind::kTemplate;
    node->pos = left.pos;
    node->text = template_name("template");
    if (peek().kind != K::kRight) {
      node->pipe = parse_pipeline("template clause", K::kRight, false);
    } else {
      next();
    }
  }

  void parse_block(Node* node, const Token& left) {
    Nest nest(this);
    node->kind = Node::Kind::kTemplate;
    node->pos = left.pos;
    node->text = template_name("block");
    node->pipe = parse_pipeline("block clause", K::kRight, false);
    auto saved_vars = std::move(vars_);
    int saved_range = range_depth_;
    vars_ = {"$"};
    range_depth_ = 0;
    Stop stop = Stop::kNone;
    std::vector<Node> body = parse_list(&stop);
    if (stop != Stop::kEnd) error(last_, "unexpected {{else}} in block");
    vars_ = std::move(saved_vars);
    range_depth_ = saved_range;
    tree_->defines[node->text] = std::move(body);
  }

  void parse_define() {
    next();  // {{
    next();  // define
    std::string name = template_name("define");
    expect(K::kRight, "define clause");
    auto saved_vars = std::move(vars_);
    vars_ = {"$"};
    Stop stop = Stop::kNone;
    std::vector<Node> body = parse_list(&stop);
    if (stop != Stop::kEnd) error(last_, "unexpected {{else}} in define");
    vars_ = std::move(saved_vars);
    tree_->defines[name] = std::move(body);
  }

  bool has_var(const std::string& name) const {
    for (const auto& v : vars_)
      if (v == name) return true;
    return false;
  }

  std::shared_ptr<Pipeline> parse_pipeline(const std::string& context, K end, bool is_range) {
    Nest nest(this);
    auto pipe = std::make_shared<Pipeline>();
    pipe->pos = peek().pos;
    // Declarations: $x :=, $x =, and in range $i, $x :=.
    while (peek().kind == K::kVariable) {
      K after = peek(1).kind;
      if (after == K::kDeclare || after == K::kAssign) {
        pipe->is_assign = after == K::kAssign;
        pipe->decls.push_back(next().value);
        next();
        break;
      }
      if (after == K::kComma) {
        pipe->decls.push_back(next().value);
        next();
        if (!is_range || pipe->decls.size() >= 2)
          error(last_, str_cat("too many declarations in ", context));
        if (peek().kind != K::kVariable) error(peek(), "range can only initialize variables");
        continue;
      }
      if (!pipe->decls.empty()) error(peek(), str_cat("missing := in ", context));
      break;
    }
    for (const auto& d : pipe->decls) vars_.push_back(d);
    while (true) {
      const Token& t = peek();
      if (t.kind == end) {
        next();
        break;
      }
      switch (t.kind) {
        case K::kBool:
        case K::kChar:
        case K::kDot:
        case K::kField:
        case K::kIdent:
        case K::kNumber:
        case K::kNil:
        case K::kString:
        case K::kVariable:
        case K::kLParen:
          pipe->commands.push_back(parse_command(end));
          break;
        default:
          unexpected(t, context);
      }
    }
    if (pipe->commands.empty()) error(last_, str_cat("missing value for ", context));
    for (size_t i = 1; i < pipe->commands.size(); ++i) {
      Arg::Kind k = pipe->commands[i].args[0].kind;
      if (k == Arg::Kind::kConstant || k == Arg::Kind::kNil || k == Arg::Kind::kDot)
        error(last_, str_cat("non executable command in pipeline stage ", i + 1));
    }
    return pipe;
  }

  Command parse_command(K end) {
    Command cmd;
    cmd.pos = peek().pos;
    while (true) {
      cmd.args.push_back(parse_operand());
      const Token& t = peek();
      if (t.kind == end || t.kind == K::kRParen || t.kind == K::kRight) {
        if (t.kind != end) unexpected(t, "operand");
        break;
      }
      if (t.kind == K::kPipe) {
        next();
        break;
      }
      if (!t.spaced) unexpected(t, "operand");
    }
    return cmd;
  }

  Arg parse_operand() {
    Arg arg = parse_term();
    if (peek().kind == K::kField && !peek().spaced) {
      std::vector<std::string> chain;
      while (peek().kind == K::kField && !peek().spaced) chain.push_back(next().value);
      switch (arg.kind) {
        case Arg::Kind::kField:
        case Arg::Kind::kVariable:
          arg.fields.insert(arg.fields.end(), chain.begin(), chain.end());
          break;
        case Arg::Kind::kPipe:
          arg.kind = Arg::Kind::kChain;
          arg.fields = std::move(chain);
          break;
        default:
          error(last_, str_cat("unexpected . after term \"", arg.source, "\""));
      }
      for (const auto& f : arg.fields) arg.source += "." + f;
    }
    return arg;
  }

  Arg parse_term() {
    const Token& t = next();
    Arg arg;
    arg.pos = t.pos;
    arg.source = t.value;
    switch (t.kind) {
      case K::kIdent:
        if (!is_template_function(t.value))
          error(t, str_cat("function \"", t.value, "\" not defined"));
        arg.kind = Arg::Kind::kFunction;
        arg.name = t.value;
        return arg;
      case K::kDot:
        arg.kind = Arg::Kind::kDot;
        return arg;
      case K::kNil:
        arg.kind = Arg::Kind::kNil;
        return arg;
      case K::kVariable:
        if (!has_var(t.value)) error(t, str_cat("undefined variable \"", t.value, "\""));
        arg.kind = Arg::Kind::kVariable;
        arg.name = t.value;
        return arg;
      case K::kField:
        arg.kind = Arg::Kind::kField;
        arg.fields.push_back(t.value);
        arg.source = "." + t.value;
        return arg;
      case K::kBool:
        arg.kind = Arg::Kind::kConstant;
        arg.constant = Value::boolean(t.value == "true");
        return arg;
      case K::kString:
        arg.kind = Arg::Kind::kConstant;
        arg.constant = Value::string(t.value);
        arg.source = "\"" + t.value + "\"";
        return arg;
      case K::kNumber:
        arg.kind = Arg::Kind::kConstant;
        arg.constant = parse_number(t);
        return arg;
      case K::kChar:
        arg.kind = Arg::Kind::kConstant;
        arg.constant = parse_char(t);
        return arg;
      case K::kLParen: {
        Nest nest(this);
        arg.kind = Arg::Kind::kPipe;
        arg.pipe = parse_pipeline("parenthesized pipeline", K::kRParen, false);
        arg.source = "(...)";
        return arg;
      }
      default:
        unexpected(t, "operand");
    }
  }

  Value parse_number(const Token& t) {
    std::string text;
    for (char c : t.value)
      if (c != '_') text += c;
    bool hex = text.size() > 2 &&
               (text[0] == '0' ||
                ((text[0] == '-' || text[0] == '+') && text.size() > 3 && text[1] == '0')) &&
               (text.find('x') != std::string::npos || text.find('X') != std::string::npos);
    if (!text.empty() && text.back() == 'i') error(t, "complex numbers are not supported");
    if (!hex && text.find_first_of(".eEpP") != std::string::npos) {
      char* end = nullptr;
      double f = std::strtod(text.c_str(), &end);
      if (end != text.c_str() + text.size() || text == "." || text == "+" || text == "-")
        error(t, str_cat("illegal number syntax: \"", t.value, "\""));
      return Value::number(f);
    }
    bool negative = false;
    std::string digits = text;
    if (!digits.empty() && (digits[0] == '-' || digits[0] == '+')) {
      negative = digits[0] == '-';
      digits.erase(0, 1);
    }
    int base = 10;
    if (digits.size() > 1 && digits[0] == '0') {
      char b = digits[1];
      if (b == 'x' || b == 'X')
        base = 16, digits.erase(0, 2);
      else if (b == 'o' || b == 'O')
        base = 8, digits.erase(0, 2);
      else if (b == 'b' || b == 'B')
        base = 2, digits.erase(0, 2);
      else
        base = 8, digits.erase(0, 1);
    }
    if (digits.empty() || digits[0] == '-' || digits[0] == '+')
      error(t, str_cat("illegal number syntax: \"", t.value, "\""));
    errno = 0;
    char* end = nullptr;
    unsigned long long u = std::strtoull(digits.c_str(), &end, base);
    if (end != digits.c_str() + digits.size())
      error(t, str_cat("illegal number syntax: \"", t.value, "\""));
    if (errno == ERANGE || u > (negative ? 9223372036854775808ull : 9223372036854775807ull))
      error(t, str_cat(t.value, " overflows int"));
    int64_t v = negative ? static_cast<int64_t>(0 - u) : static_cast<int64_t>(u);
    return Value::integer(v);
  }

  Value parse_char(const Token& t) {
    std::string body = t.value.substr(1, t.value.size() - 2);
    if (body.empty()) error(t, "empty character constant");
    if (body[0] != '\\') {
      // One UTF-8 encoded rune.
      unsigned char c = static_cast<unsigned char>(body[0]);
      size_t length = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : 4;
      if (length != body.size()) error(t, str_cat("malformed character constant: ", t.value));
      uint32_t cp = length == 1 ? c : c & (0xFF >> (length + 1));
      for (size_t k = 1; k < length; ++k) cp = (cp << 6) | (body[k] & 0x3F);
      return Value::integer(cp);
    }
    if (body.size() == 2) {
      switch (body[1]) {
        case 'a':
          return Value::integer('\a');
        case 'b':
          return Value::integer('\b');
        case 'f':
          return Value::integer('\f');
        case 'n':
          return Value::integer('\n');
        case 'r':
          return Value::integer('\r');
        case 't':
          return Value::integer('\t');
        case 'v':
          return Value::integer('\v');
        case '\\':
          return Value::integer('\\');
        case '\'':
          return Value::integer('\'');
      }
    }
    if (body.size() > 2 && (body[1] == 'x' || body[1] == 'u' || body[1] == 'U')) {
      char* end = nullptr;
      std::string hex = body.substr(2);
      unsigned long v = std::strtoul(hex.c_str(), &end, 16);
      size_t want = body[1] == 'x' ? 2 : body[1] == 'u' ? 4 : 8;
      if (hex.size() == want && end == hex.c_str() + hex.size() && v <= 0x10FFFF)
        return Value::integer(static_cast<int64_t>(v));
    }
    error(t, str_cat("malformed character constant: ", t.value));
  }

  std::vector<Token> tokens_;
  size_t index_ = 0;
  Token last_;
  Token stop_left_;  // the {{ of the last {{end}} or {{else}}
  std::shared_ptr<Tree> tree_;
  std::vector<std::string> vars_;
  int range_depth_ = 0;
  int depth_ = 0;
};

}  // namespace

std::shared_ptr<Tree> parse_tree(std::string_view text) {
  return Parser(text).run();
}

}  // namespace slimllm::tmpl
