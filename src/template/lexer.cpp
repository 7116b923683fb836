#include "template/lexer.h"

#include <algorithm>

#include "base/error.h"
#include "base/utf8.h"

namespace slimllm::tmpl {

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}
bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;  // Go accepts Unicode letters in identifiers
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {
    line_starts_.push_back(0);
    for (size_t i = 0; i < text.size(); ++i)
      if (text[i] == '\n') line_starts_.push_back(i + 1);
  }

  std::vector<Token> run() {
    size_t pos = 0;
    bool trim_next = false;
    while (pos <= text_.size()) {
      size_t open = text_.find("{{", pos);
      std::string_view run =
          text_.substr(pos, open == std::string_view::npos ? text_.npos : open - pos);
      if (trim_next) {
        while (!run.empty() && is_space(run.front())) run.remove_prefix(1), ++pos;
        trim_next = false;
      }
      if (open == std::string_view::npos) {
        emit_text(run, pos);
        break;
      }
      size_t inside = open + 2;
      bool trim_left =
          inside + 1 < text_.size() && text_[inside] == '-' && is_space(text_[inside + 1]);
      if (trim_left) {
        while (!run.empty() && is_space(run.back())) run.remove_suffix(1);
        inside += 2;
      }
      emit_text(run, pos);
      if (text_.substr(inside, 2) == "/*") {
        pos = lex_comment(open, inside, &trim_next);
        continue;
      }
      push(Token::Kind::kLeft, "{{", open, false);
      pos = lex_action(inside, &trim_next);
    }
    push(Token::Kind::kEof, "", text_.size(), false);
    return std::move(tokens_);
  }

 private:
  [[noreturn]] void error_at(size_t offset, const std::string& message) {
    Pos p = position_of(text_, offset);
    fail("template: line ", p.line, ", column ", p.column, ": ", message);
  }

  void emit_text(std::string_view run, size_t offset) {
    if (!run.empty()) push(Token::Kind::kText, std::string(run), offset, false);
  }

  void push(Token::Kind kind, std::string value, size_t offset, bool spaced) {
    Token t;
    t.kind = kind;
    t.value = std::move(value);
    t.offset = offset;
    auto line = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset) - 1;
    t.pos.line = static_cast<int>(line - line_starts_.begin()) + 1;
    t.pos.column = static_cast<int>(offset - *line) + 1;
    t.spaced = spaced;
    tokens_.push_back(std::move(t));
  }

  // At a right delimiter? Sets *trim for " -}}".
  bool at_right(size_t p, size_t* length, bool* trim) const {
    if (p + 3 < text_.size() + 0 && is_space(text_[p]) && text_[p + 1] == '-' &&
        text_.substr(p + 2, 2) == "}}") {
      *length = 4, *trim = true;
      return true;
    }
    if (text_.substr(p, 2) == "}}") {
      *length = 2, *trim = false;
      return true;
    }
    return false;
  }

  size_t lex_comment(size_t open, size_t inside, bool* trim_next) {
    size_t end = text_.find("*/", inside + 2);
    if (end == std::string_view::npos) error_at(open, "unclosed comment");
    size_t p = end + 2;
    size_t length;
    bool trim;
    if (!at_right(p, &length, &trim)) error_at(open, "comment ends before closing delimiter");
    *trim_next = trim;
    return p + length;
  }

  size_t lex_action(size_t p, bool* trim_next) {
    size_t open = p;
    bool spaced = false;
    while (true) {
      size_t length;
      bool trim;
      if (at_right(p, &length, &trim)) {
        push(Token::Kind::kRight, "}}", p, spaced);
        *trim_next = trim;
        return p + length;
      }
      if (p >= text_.size()) error_at(open - 2, "unclosed action");
      char c = text_[p];
      if (is_space(c)) {
        spaced = true;
        ++p;
        continue;
      }
      size_t start = p;
      if (c == '|') {
        push(Token::Kind::kPipe, "|", p++, spaced);
      } else if (c == '(') {
        push(Token::Kind::kLParen, "(", p++, spaced);
      } else if (c == ')') {
        push(Token::Kind::kRParen, ")", p++, spaced);
      } else if (c == ',') {
        push(Token::Kind::kComma, ",", p++, spaced);
      } else if (c == '=') {
        push(Token::Kind::kAssign, "=", p++, spaced);
      } else if (c == ':') {
        if (p + 1 >= text_.size() || text_[p + 1] != '=') error_at(p, "expected :=");
        push(Token::Kind::kDeclare, ":=", p, spaced);
        p += 2;
      } else if (c == '"') {
        p = lex_quoted(p, spaced);
      } else if (c == '`') {
        size_t end = text_.find('`', p + 1);
        if (end == std::string_view::npos) error_at(p, "unterminated raw quoted string");
        push(Token::Kind::kString, std::string(text_.substr(p + 1, end - p - 1)), p, spaced);
        p = end + 1;
      } else if (c == '\'') {
        size_t q = p + 1;
        while (q < text_.size() && text_[q] != '\'' && text_[q] != '\n')
          q += text_[q] == '\\' ? 2 : 1;
        if (q >= text_.size() || text_[q] != '\'') error_at(p, "unterminated character constant");
        push(Token::Kind::kChar, std::string(text_.substr(p, q + 1 - p)), p, spaced);
        p = q + 1;
      } else if (c == '$') {
        size_t q = p + 1;
        while (q < text_.size() && is_alnum(text_[q])) ++q;
        push(Token::Kind::kVariable, std::string(text_.substr(p, q - p)), p, spaced);
        p = check_terminator(q);
      } else if (c == '.' && !(p + 1 < text_.size() && is_digit(text_[p + 1]))) {
        size_t q = p + 1;
        while (q < text_.size() && is_alnum(text_[q])) ++q;
        if (q == p + 1) {
          push(Token::Kind::kDot, ".", p, spaced);
          p = q;
        } else {
          push(Token::Kind::kField, std::string(text_.substr(p + 1, q - p - 1)), p, spaced);
          p = check_terminator(q);
        }
      } else if (c == '+' || c == '-' || c == '.' || is_digit(c)) {
        size_t q = p + 1;
        while (q < text_.size() && (is_alnum(text_[q]) || text_[q] == '.' ||
                                    ((text_[q] == '+' || text_[q] == '-') &&
                                     (text_[q - 1] == 'e' || text_[q - 1] == 'E' ||
                                      text_[q - 1] == 'p' || text_[q - 1] == 'P'))))
          ++q;
        push(Token::Kind::kNumber, std::string(text_.substr(p, q - p)), p, spaced);
        p = q;
      } else if (is_alnum(c)) {
        size_t q = p;
        while (q < text_.size() && is_alnum(text_[q])) ++q;
        std::string word(text_.substr(p, q - p));
        Token::Kind kind = Token::Kind::kIdent;
        if (word == "true" || word == "false") {
          kind = Token::Kind::kBool;
        } else if (word == "nil") {
          kind = Token::Kind::kNil;
        } else if (word == "if" || word == "else" || word == "end" || word == "range" ||
                   word == "with" || word == "define" || word == "template" || word == "block" ||
                   word == "break" || word == "continue") {
          kind = Token::Kind::kKeyword;
        }
        push(kind, std::move(word), p, spaced);
        p = check_terminator(q);
      } else {
        error_at(p, str_cat("unrecognized character in action: '", std::string(1, c), "'"));
      }
      (void)start;
      spaced = false;
    }
  }

  // Words must end at a space, delimiter or punctuation ("bad character" otherwise).
  size_t check_terminator(size_t q) {
    if (q >= text_.size()) return q;
    char c = text_[q];
    if (is_space(c) || c == '.' || c == ',' || c == '|' || c == ':' || c == ')' || c == '(' ||
        c == '=' || text_.substr(q, 2) == "}}")
      return q;
    error_at(q, str_cat("bad character '", std::string(1, c), "'"));
  }

  size_t lex_quoted(size_t p, bool spaced) {
    std::string out;
    size_t q = p + 1;
    while (true) {
      if (q >= text_.size() || text_[q] == '\n') error_at(p, "unterminated quoted string");
      char c = text_[q];
      if (c == '"') break;
      if (c != '\\') {
        out += c;
        ++q;
        continue;
      }
      if (q + 1 >= text_.size()) error_at(p, "unterminated quoted string");
      char e = text_[q + 1];
      q += 2;
      switch (e) {
        case 'a':
          out += '\a';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'v':
          out += '\v';
          break;
        case '\\':
          out += '\\';
          break;
        case '"':
          out += '"';
          break;
        case 'x':
        case 'u':
        case 'U': {
          size_t digits = e == 'x' ? 2 : e == 'u' ? 4 : 8;
          if (q + digits > text_.size()) error_at(q, "invalid escape in quoted string");
          uint32_t cp = 0;
          for (size_t k = 0; k < digits; ++k) {
            char h = text_[q + k];
            int d = is_digit(h)              ? h - '0'
                    : (h >= 'a' && h <= 'f') ? h - 'a' + 10
                    : (h >= 'A' && h <= 'F') ? h - 'A' + 10
                                             : -1;
            if (d < 0) error_at(q, "invalid escape in quoted string");
            cp = cp * 16 + static_cast<uint32_t>(d);
          }
          q += digits;
          if (e == 'x') {
            out += static_cast<char>(cp);
          } else {
            append_utf8(out, cp, q);
          }
          break;
        }
        default:
          if (e >= '0' && e <= '7') {
            if (q + 1 >= text_.size()) error_at(q, "invalid escape in quoted string");
            int value = (e - '0') * 64 + (text_[q] - '0') * 8 + (text_[q + 1] - '0');
            if (text_[q] < '0' || text_[q] > '7' || text_[q + 1] < '0' || text_[q + 1] > '7' ||
                value > 255)
              error_at(q, "invalid escape in quoted string");
            out += static_cast<char>(value);
            q += 2;
            break;
          }
          error_at(q - 2, "invalid escape in quoted string");
      }
    }
    push(Token::Kind::kString, std::move(out), p, spaced);
    return q + 1;
  }

  void append_utf8(std::string& out, uint32_t cp, size_t at) {
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      error_at(at, "invalid Unicode escape in quoted string");
    utf8_append(out, cp);
  }

  std::string_view text_;
  std::vector<Token> tokens_;
  std::vector<size_t> line_starts_;
};

}  // namespace

Pos position_of(std::string_view text, size_t offset) {
  Pos p;
  size_t end = std::min(offset, text.size());
  size_t line_start = 0;
  for (size_t i = 0; i < end; ++i) {
    if (text[i] == '\n') {
      ++p.line;
      line_start = i + 1;
    }
  }
  p.column = static_cast<int>(end - line_start) + 1;
  return p;
}

std::vector<Token> lex(std::string_view text) {
  return Lexer(text).run();
}

}  // namespace slimllm::tmpl
