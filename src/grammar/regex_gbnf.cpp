#include "grammar/regex_gbnf.h"

#include <optional>
#include <vector>

#include "base/error.h"
#include "base/utf8.h"
#include "grammar/gbnf_text.h"

namespace slimllm::grammar {
namespace {

// Groups inside one another; the parser recurses once per group.
constexpr int kMaxGroupDepth = 100;

const CodePointRanges kDigits = {{'0', '9'}};
const CodePointRanges kWordChars = {{'0', '9'}, {'A', 'Z'}, {'_', '_'}, {'a', 'z'}};
// ECMA-262's WhiteSpace and LineTerminator code points.
const CodePointRanges kSpaces = {
    {0x09, 0x0D},     {0x20, 0x20},     {0xA0, 0xA0},     {0x1680, 0x1680}, {0x2000, 0x200A},
    {0x2028, 0x2029}, {0x202F, 0x202F}, {0x205F, 0x205F}, {0x3000, 0x3000}, {0xFEFF, 0xFEFF}};
const CodePointRanges kLineTerminators = {{0x0A, 0x0A}, {0x0D, 0x0D}, {0x2028, 0x2029}};

// An expression with what repetition needs to know of it: whether it matches the empty string,
// and then an expression for its non-empty strings (`ne`). A repeated nullable expression is
// written as a repetition of `ne`, since GBNF cannot repeat what may consume nothing (that is
// left recursion). For a non-nullable expression, `ne` is the expression itself; an expression
// that matches only the empty string is "" with `ne` "".
struct Expr {
  std::string expr;
  std::string ne;
  bool nullable = false;
};

Expr non_nullable(std::string expr) {
  return {expr, expr, false};
}

std::string parenthesized(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out += '(';
  out += text;
  out += ')';
  return out;
}

// One parsed atom: a set of characters (a literal is a set of one) or a finished expression.
struct Atom {
  std::optional<CodePointRanges> chars;
  Expr group;
};

struct Item {
  enum Kind { kExpr, kStart, kEnd } kind = kExpr;
  Expr expr;
  // The expression is a plain GBNF literal ("abc") that a following literal may extend.
  std::string literal_text;
  bool is_literal = false;
};

Expr alternatives(std::vector<Expr> alts) {
  // An empty alternative makes the whole group optional: GBNF has no empty term to write.
  bool nullable = false;
  std::vector<std::string> exprs;
  std::vector<std::string> nes;
  for (auto& alt : alts) {
    nullable = nullable || alt.nullable;
    if (!alt.expr.empty()) exprs.push_back(std::move(alt.expr));
    if (!alt.ne.empty()) nes.push_back(std::move(alt.ne));
  }
  auto group = [](const std::vector<std::string>& parts) {
    if (parts.empty()) return std::string();
    return parenthesized(join(parts, " | "));
  };
  std::string ne = group(nes);
  if (!nullable) return {ne, ne, false};
  std::string expr = group(exprs);
  return {expr.empty() ? "" : expr + "?", ne, true};
}

// A sequence's non-empty strings, when every part may be empty: the first non-empty part, then
// whatever of the rest.
Expr sequence(const std::vector<Expr>& parts) {
  std::vector<std::string> exprs;
  bool nullable = true;
  for (const Expr& part : parts) {
    if (!part.expr.empty()) exprs.push_back(part.expr);
    nullable = nullable && part.nullable;
  }
  std::string expr = join(exprs, " ");
  if (!nullable) return non_nullable(expr);
  std::vector<std::string> nes;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (parts[i].ne.empty()) continue;
    std::vector<std::string> rest{parts[i].ne};
    for (size_t j = i + 1; j < parts.size(); ++j) {
      if (!parts[j].expr.empty()) rest.push_back(parts[j].expr);
    }
    nes.push_back(join(rest, " "));
  }
  std::string ne = nes.empty() ? "" : nes.size() == 1 ? nes[0] : parenthesized(join(nes, " | "));
  return {expr, ne, true};
}

// `atom{lo,hi}`: a nullable atom repeats its non-empty strings, from zero times.
Expr quantified(const Expr& atom, uint64_t lo, std::optional<uint64_t> hi) {
  constexpr std::string_view kWhat = "a pattern's repetition count";
  if (!atom.nullable) {
    std::string expr = repeated(parenthesized(atom.expr), lo, hi, kWhat);
    if (lo > 0 || expr.empty()) return non_nullable(expr);
    std::string ne = repeated(parenthesized(atom.expr), 1, hi, kWhat);
    return {expr, ne, true};
  }
  if (atom.ne.empty()) return {"", "", true};
  repeated(parenthesized(atom.ne), lo, hi, kWhat);  // the same limits, checked
  std::string expr = repeated(parenthesized(atom.ne), 0, hi, kWhat);
  std::string ne = repeated(parenthesized(atom.ne), 1, hi, kWhat);
  return {expr, ne, true};
}

class RegexParser {
 public:
  RegexParser(std::string_view pattern, const std::string& any_char)
      : pattern_(pattern), any_char_(any_char) {}

  std::string parse() {
    std::vector<std::string> alts;
    do {
      std::vector<Item> items = parse_sequence();
      bool anchored_start = !items.empty() && items.front().kind == Item::kStart;
      if (anchored_start) items.erase(items.begin());
      bool anchored_end = !items.empty() && items.back().kind == Item::kEnd;
      if (anchored_end) items.pop_back();
      std::string body = sequence_of(items).expr;
      if (body.empty() && !anchored_start && !anchored_end) {
        alts.push_back(any_char_ + "*");
        continue;
      }
      std::string seq = anchored_start ? "" : any_char_ + "*";
      if (!body.empty()) seq += (seq.empty() ? "" : " ") + body;
      if (!anchored_end) seq += (seq.empty() ? "" : " ") + any_char_ + "*";
      alts.push_back(seq);
    } while (eat('|'));
    if (pos_ < pattern_.size()) unsupported("an unmatched ')'");
    if (alts.size() == 1) return alts[0];
    std::vector<Expr> exprs;
    for (std::string& alt : alts) exprs.push_back(non_nullable(std::move(alt)));
    return alternatives(std::move(exprs)).expr;
  }

 private:
  [[noreturn]] void unsupported(std::string_view what) const {
    // A pattern of megabytes would otherwise come back whole in the error.
    constexpr size_t kShown = 80;
    const std::string shown = pattern_.size() <= kShown
                                  ? std::string(pattern_)
                                  : str_cat(pattern_.substr(0, kShown), "...");
    fail("unsupported JSON schema pattern \"", shown, "\": ", what, " (at offset ", pos_, ")");
  }

  bool at_end() const { return pos_ >= pattern_.size(); }
  char peek() const { return at_end() ? '\0' : pattern_[pos_]; }
  bool eat(char c) {
    if (peek() != c || at_end()) return false;
    ++pos_;
    return true;
  }

  char32_t next_code_point() {
    auto byte = [&](size_t i) { return static_cast<unsigned char>(pattern_[i]); };
    unsigned char lead = byte(pos_);
    int length = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 0;
    if (length == 0 || pos_ + length > pattern_.size()) unsupported("invalid UTF-8");
    char32_t c = length == 1 ? lead : lead & (0x3F >> (length - 1));
    for (int i = 1; i < length; ++i) c = (c << 6) | (byte(pos_ + i) & 0x3F);
    pos_ += length;
    return c;
  }

  Expr sequence_of(const std::vector<Item>& items) const {
    std::vector<Expr> parts;
    for (const Item& item : items) {
      if (item.kind != Item::kExpr) unsupported("^ or $ inside the pattern (only at its ends)");
      parts.push_back(item.expr);
    }
    return sequence(parts);
  }

  std::vector<Item> parse_sequence() {
    std::vector<Item> items;
    while (!at_end() && peek() != '|' && peek() != ')') {
      if (eat('^')) {
        items.push_back({Item::kStart, {}, "", false});
        continue;
      }
      if (eat('$')) {
        items.push_back({Item::kEnd, {}, "", false});
        continue;
      }
      Atom atom = parse_atom();
      std::optional<std::pair<uint64_t, std::optional<uint64_t>>> count = parse_quantifier();
      Item item;
      // A lone character JSON writes raw, unquantified, joins the literal before it.
      if (!count && atom.chars && atom.chars->size() == 1 &&
          (*atom.chars)[0].first == (*atom.chars)[0].second) {
        char32_t c = (*atom.chars)[0].first;
        if (c >= 0x20 && c != '"' && c != '\\' && c != '/' && c != 0x7F) {
          std::string text;
          utf8_append(text, c);
          if (!items.empty() && items.back().is_literal) {
            items.back().literal_text += text;
            items.back().expr = non_nullable(gbnf_literal(items.back().literal_text));
          } else {
            items.push_back({Item::kExpr, non_nullable(gbnf_literal(text)), text, true});
          }
          continue;
        }
      }
      Expr expr = atom.chars ? non_nullable(json_string_chars(*atom.chars)) : atom.group;
      if (atom.chars && expr.expr.empty()) unsupported("a class that matches no character");
      if (count) expr = quantified(expr, count->first, count->second);
      item.expr = std::move(expr);
      items.push_back(item);
    }
    return items;
  }

  std::optional<std::pair<uint64_t, std::optional<uint64_t>>> parse_quantifier() {
    std::optional<std::pair<uint64_t, std::optional<uint64_t>>> count;
    if (eat('?')) {
      count = {{0, 1}};
    } else if (eat('*')) {
      count = {{0, std::nullopt}};
    } else if (eat('+')) {
      count = {{1, std::nullopt}};
    } else if (peek() == '{') {
      count = parse_braces();
    }
    if (count) eat('?');  // lazy: the same strings
    if (count &&
        (peek() == '*' || peek() == '+' || peek() == '?' || (peek() == '{' && braces_ahead()))) {
      unsupported("a quantifier after a quantifier");
    }
    return count;
  }

  // `{m}`, `{m,}` or `{m,n}` starts here (otherwise '{' is a literal, as in ECMA-262).
  bool braces_ahead() const {
    size_t i = pos_ + 1;
    size_t digits = 0;
    while (i < pattern_.size() && isdigit(static_cast<unsigned char>(pattern_[i]))) ++i, ++digits;
    if (digits == 0) return false;
    if (i < pattern_.size() && pattern_[i] == '}') return true;
    if (i >= pattern_.size() || pattern_[i] != ',') return false;
    ++i;
    while (i < pattern_.size() && isdigit(static_cast<unsigned char>(pattern_[i]))) ++i;
    return i < pattern_.size() && pattern_[i] == '}';
  }

  std::optional<std::pair<uint64_t, std::optional<uint64_t>>> parse_braces() {
    if (!braces_ahead()) return std::nullopt;
    ++pos_;
    auto number = [&]() {
      uint64_t n = 0;
      while (isdigit(static_cast<unsigned char>(peek()))) {
        n = n * 10 + static_cast<uint64_t>(pattern_[pos_++] - '0');
        if (n > (uint64_t{1} << 40)) unsupported("a repetition count too large");
      }
      return n;
    };
    uint64_t lo = number();
    bool comma = eat(',');
    bool open_ended = comma && !isdigit(static_cast<unsigned char>(peek()));
    uint64_t hi = comma && !open_ended ? number() : lo;
    eat('}');
    return std::pair{lo, open_ended ? std::nullopt : std::optional<uint64_t>(hi)};
  }

  Atom parse_atom() {
    char c = peek();
    if (c == '(') {
      // Each group recurses here and nests parentheses in the grammar; real patterns nest a few.
      if (++group_depth_ > kMaxGroupDepth) {
        unsupported(str_cat("groups nested more than ", kMaxGroupDepth, " deep"));
      }
      ++pos_;
      if (eat('?')) {
        if (eat(':')) {
        } else if (peek() == '<' && pos_ + 1 < pattern_.size() && pattern_[pos_ + 1] != '=' &&
                   pattern_[pos_ + 1] != '!') {
          while (!at_end() && peek() != '>') ++pos_;
          if (!eat('>')) unsupported("an unterminated group name");
        } else {
          unsupported("lookaround or group flags");
        }
      }
      std::vector<Expr> alts;
      do {
        alts.push_back(sequence_of(parse_sequence()));
      } while (eat('|'));
      if (!eat(')')) unsupported("an unterminated group");
      --group_depth_;
      return {std::nullopt, alternatives(std::move(alts))};
    }
    if (c == '[') return {parse_class(), {}};
    if (c == '.') {
      ++pos_;
      return {complement(kLineTerminators), {}};
    }
    if (c == '\\') {
      ++pos_;
      return {parse_escape(false), {}};
    }
    if (c == '*' || c == '+' || c == '?' || (c == '{' && braces_ahead())) {
      unsupported("a quantifier with nothing to repeat");
    }
    char32_t cp = next_code_point();
    return {CodePointRanges{{cp, cp}}, {}};
  }

  unsigned hex_digits(int count) {
    unsigned value = 0;
    for (int i = 0; i < count; ++i) {
      char h = peek();
      if (!isxdigit(static_cast<unsigned char>(h))) unsupported("a malformed hex escape");
      value = value * 16 + static_cast<unsigned>(isdigit(static_cast<unsigned char>(h))
                                                     ? h - '0'
                                                     : (tolower(h) - 'a' + 10));
      ++pos_;
    }
    return value;
  }

  // After a backslash; in a class \b is a backspace, outside it a word boundary.
  CodePointRanges parse_escape(bool in_class) {
    if (at_end()) unsupported("a trailing backslash");
    char c = pattern_[pos_++];
    auto one = [](char32_t cp) { return CodePointRanges{{cp, cp}}; };
    switch (c) {
      case 'd':
        return kDigits;
      case 'D':
        return complement(kDigits);
      case 'w':
        return kWordChars;
      case 'W':
        return complement(kWordChars);
      case 's':
        return kSpaces;
      case 'S':
        return complement(kSpaces);
      case 't':
        return one('\t');
      case 'n':
        return one('\n');
      case 'r':
        return one('\r');
      case 'f':
        return one('\f');
      case 'v':
        return one('\v');
      case '0':
        if (isdigit(static_cast<unsigned char>(peek()))) unsupported("an octal escape");
        return one(0);
      case 'x':
        return one(hex_digits(2));
      case 'c': {
        char letter = peek();
        if (!isalpha(static_cast<unsigned char>(letter))) unsupported("a malformed \\c escape");
        ++pos_;
        return one(static_cast<char32_t>(letter) % 32);
      }
      case 'u': {
        char32_t cp;
        if (eat('{')) {
          cp = 0;
          while (isxdigit(static_cast<unsigned char>(peek()))) cp = cp * 16 + hex_digits(1);
          if (!eat('}') || cp > kMaxCodePoint) unsupported("a malformed \\u{...} escape");
          return one(cp);
        }
        cp = hex_digits(4);
        if (cp >= 0xD800 && cp <= 0xDBFF && pattern_.substr(pos_, 2) == "\\u") {
          pos_ += 2;
          char32_t low = hex_digits(4);
          if (low < 0xDC00 || low > 0xDFFF) unsupported("a lone surrogate");
          cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        } else if (cp >= 0xD800 && cp <= 0xDFFF) {
          unsupported("a lone surrogate");
        }
        return one(cp);
      }
      case 'b':
        if (in_class) return one(0x08);
        unsupported("a word boundary \\b");
      case 'B':
        unsupported("a word boundary \\B");
      case 'k':
        unsupported("a named backreference");
      case 'p':
      case 'P':
        unsupported("a Unicode property escape");
      default:
        if (c >= '1' && c <= '9') unsupported("a backreference");
        --pos_;
        char32_t cp = next_code_point();
        return one(cp);
    }
  }

  CodePointRanges parse_class() {
    ++pos_;  // '['
    bool negated = eat('^');
    CodePointRanges chars;
    bool first = true;
    while (true) {
      if (at_end()) unsupported("an unterminated class");
      if (peek() == ']' && !first) break;
      if (peek() == ']') unsupported("an empty class []");
      first = false;
      CodePointRanges low = class_atom();
      if (peek() == '-' && pos_ + 1 < pattern_.size() && pattern_[pos_ + 1] != ']') {
        ++pos_;
        CodePointRanges high = class_atom();
        if (low.size() != 1 || high.size() != 1 || low[0].first != low[0].second ||
            high[0].first != high[0].second) {
          unsupported("a class range whose end is a class escape");
        }
        if (low[0].first > high[0].first) unsupported("a class range out of order");
        chars.emplace_back(low[0].first, high[0].first);
      } else {
        chars.insert(chars.end(), low.begin(), low.end());
      }
    }
    ++pos_;  // ']'
    chars = normalized(chars);
    return negated ? complement(chars) : chars;
  }

  CodePointRanges class_atom() {
    if (eat('\\')) return parse_escape(true);
    char32_t cp = next_code_point();
    return {{cp, cp}};
  }

  std::string_view pattern_;
  int group_depth_ = 0;
  const std::string& any_char_;
  size_t pos_ = 0;
};

}  // namespace

std::string regex_to_gbnf(std::string_view pattern, const std::string& any_char) {
  return RegexParser(pattern, any_char).parse();
}

}  // namespace slimllm::grammar
