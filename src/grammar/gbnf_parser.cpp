#include "grammar/gbnf_parser.h"

#include <algorithm>
#include <map>
#include <unordered_map>
#include <utility>

#include "base/error.h"
#include "base/utf8.h"
#include "grammar/utf8_ranges.h"

namespace slimllm::grammar {
namespace {

constexpr uint32_t kUnbounded = UINT32_MAX;
constexpr uint32_t kMaxCodePoint = 0x10FFFF;

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string describe(char c) {
  if (c >= 0x21 && c <= 0x7E) return str_cat("'", c, "'");
  return str_printf("byte 0x%02X", static_cast<unsigned char>(c));
}

using CodePointRanges = std::vector<std::pair<uint32_t, uint32_t>>;

// Sorted, merged, without surrogates (they have no UTF-8 encoding a model could produce).
CodePointRanges normalize(CodePointRanges ranges, bool negate) {
  std::sort(ranges.begin(), ranges.end());
  CodePointRanges merged;
  for (const auto& r : ranges) {
    if (!merged.empty() && r.first <= merged.back().second + 1) {
      merged.back().second = std::max(merged.back().second, r.second);
    } else {
      merged.push_back(r);
    }
  }
  if (negate) {
    CodePointRanges complement;
    uint32_t next = 0;
    for (const auto& r : merged) {
      if (r.first > next) complement.push_back({next, r.first - 1});
      next = r.second + 1;
    }
    if (next <= kMaxCodePoint) complement.push_back({next, kMaxCodePoint});
    merged = std::move(complement);
  }
  CodePointRanges out;
  for (const auto& [lo, hi] : merged) {
    if (hi < 0xD800 || lo > 0xDFFF) {
      out.push_back({lo, hi});
      continue;
    }
    if (lo < 0xD800) out.push_back({lo, 0xD7FF});
    if (hi > 0xDFFF) out.push_back({0xE000, hi});
  }
  return out;
}

class GbnfParser {
 public:
  explicit GbnfParser(std::string_view text) : text_(text) {}

  ParsedGrammar parse() {
    for (;;) {
      skip_space();
      if (at_end()) break;
      parse_rule();
    }
    return std::move(out_);
  }

 private:
  using Alternatives = std::vector<std::vector<Symbol>>;

  std::string_view text_;
  size_t pos_ = 0;
  ParsedGrammar out_;
  std::unordered_map<std::string, uint32_t> by_name_;
  std::map<ByteSet, uint32_t> set_index_;
  std::map<CodePointRanges, Symbol> class_cache_;  // identical classes share one rule
  uint32_t current_rule_ = 0;                      // the user rule being defined
  uint32_t generated_ = 0;
  size_t n_elements_ = 0;
  int depth_ = 0;

  void where(size_t offset, uint32_t& line, uint32_t& column) const {
    line = 1;
    size_t line_start = 0;
    for (size_t i = 0; i < offset && i < text_.size(); ++i) {
      if (text_[i] == '\n') {
        ++line;
        line_start = i + 1;
      }
    }
    column = static_cast<uint32_t>(offset - line_start + 1);
  }

  [[noreturn]] void fail_at(size_t offset, const std::string& what) const {
    uint32_t line, column;
    where(offset, line, column);
    fail("GBNF grammar: line ", line, ", column ", column, ": ", what);
  }

  bool at_end() const { return pos_ >= text_.size(); }
  char peek(size_t k = 0) const { return pos_ + k < text_.size() ? text_[pos_ + k] : '\0'; }

  // Spaces, newlines and `#` comments: a rule may span lines.
  void skip_space() {
    while (!at_end()) {
      char c = peek();
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        ++pos_;
      } else if (c == '#') {
        while (!at_end() && peek() != '\n') ++pos_;
      } else {
        break;
      }
    }
  }

  size_t name_length(size_t at) const {
    size_t n = 0;
    while (at + n < text_.size() && is_name_char(text_[at + n])) ++n;
    return n;
  }

  // A name followed by `::=` starts the next rule, wherever it stands.
  bool at_rule_definition() const {
    size_t n = name_length(pos_);
    if (n == 0) return false;
    size_t k = pos_ + n;
    while (k < text_.size() && (text_[k] == ' ' || text_[k] == '\t')) ++k;
    return text_.substr(k, 3) == "::=";
  }

  uint32_t rule_named(std::string_view name, size_t offset) {
    auto [it, inserted] =
        by_name_.emplace(std::string(name), static_cast<uint32_t>(out_.rules.size()));
    if (inserted) {
      ParsedRule rule;
      rule.name = std::string(name);
      rule.origin = it->second;
      where(offset, rule.line, rule.column);
      out_.rules.push_back(std::move(rule));
    }
    return it->second;
  }

  uint32_t add_generated_rule(Alternatives alternatives) {
    for (const auto& alt : alternatives) count_elements(alt.size() + 1);
    ParsedRule rule;
    const ParsedRule& owner = out_.rules[current_rule_];
    rule.name = str_cat(owner.name, "-", ++generated_);
    rule.defined = rule.generated = true;
    rule.origin = current_rule_;
    rule.line = owner.line;
    rule.column = owner.column;
    rule.alternatives = std::move(alternatives);
    out_.rules.push_back(std::move(rule));
    return static_cast<uint32_t>(out_.rules.size() - 1);
  }

  void count_elements(size_t n) {
    n_elements_ += n;
    if (n_elements_ > kMaxElements) {
      fail_at(pos_, str_cat("the grammar is too large (more than ", kMaxElements, " elements)"));
    }
  }

  Symbol byte_symbol(const ByteSet& set) {
    auto [it, inserted] = set_index_.emplace(set, static_cast<uint32_t>(out_.byte_sets.size()));
    if (inserted) out_.byte_sets.push_back(set);
    return Symbol{false, it->second};
  }

  void parse_rule() {
    const size_t start = pos_;
    const size_t n = name_length(pos_);
    if (n == 0) fail_at(pos_, str_cat("expected a rule name, found ", describe(peek())));
    const std::string_view name = text_.substr(pos_, n);
    pos_ += n;
    while (peek() == ' ' || peek() == '\t') ++pos_;
    if (text_.substr(pos_, 3) != "::=") {
      fail_at(pos_, str_cat("expected '::=' after rule name '", name, "'"));
    }
    pos_ += 3;
    current_rule_ = rule_named(name, start);
    ParsedRule& rule = out_.rules[current_rule_];
    if (rule.defined) {
      fail_at(start, str_cat("rule '", name, "' is defined twice (first at line ", rule.line, ")"));
    }
    rule.defined = true;
    where(start, rule.line, rule.column);
    Alternatives alternatives = parse_alternatives();
    for (const auto& alt : alternatives) count_elements(alt.size() + 1);
    out_.rules[current_rule_].alternatives = std::move(alternatives);
    skip_space();
    if (!at_end() && !at_rule_definition()) {
      fail_at(pos_, str_cat("unexpected ", describe(peek())));
    }
  }

  Alternatives parse_alternatives() {
    Alternatives alternatives;
    alternatives.push_back(parse_sequence());
    while (peek() == '|') {
      ++pos_;
      alternatives.push_back(parse_sequence());
    }
    return alternatives;
  }

  std::vector<Symbol> parse_sequence() {
    std::vector<Symbol> seq;
    for (;;) {
      skip_space();
      if (at_end() || peek() == '|' || peek() == ')' || at_rule_definition()) break;
      std::vector<Symbol> atom = parse_atom();
      for (;;) {
        skip_space();
        const char c = peek();
        if (c == '*') {
          ++pos_;
          repeat(atom, 0, kUnbounded);
        } else if (c == '+') {
          ++pos_;
          repeat(atom, 1, kUnbounded);
        } else if (c == '?') {
          ++pos_;
          repeat(atom, 0, 1);
        } else if (c == '{') {
          ++pos_;
          auto [min, max] = parse_counts();
          repeat(atom, min, max);
        } else {
          break;
        }
      }
      count_elements(atom.size());
      seq.insert(seq.end(), atom.begin(), atom.end());
    }
    return seq;
  }

  std::vector<Symbol> parse_atom() {
    std::vector<Symbol> atom;
    const size_t start = pos_;
    const char c = peek();
    if (c == '"') {
      ++pos_;
      parse_literal(atom);
    } else if (c == '[') {
      ++pos_;
      parse_class(atom);
    } else if (c == '.') {
      ++pos_;
      atom.push_back(class_symbol(normalize({{0, kMaxCodePoint}}, false)));
    } else if (c == '(') {
      ++pos_;
      if (++depth_ > kMaxNesting) {
        fail_at(start, str_cat("parentheses nest more than ", kMaxNesting, " deep"));
      }
      Alternatives alternatives = parse_alternatives();
      skip_space();
      if (peek() != ')') {
        fail_at(pos_, at_end() ? "expected ')' before the end of the grammar"
                               : str_cat("expected ')', found ", describe(peek())));
      }
      ++pos_;
      --depth_;
      if (alternatives.size() == 1) {
        atom = std::move(alternatives[0]);  // a plain group needs no rule of its own
      } else {
        atom.push_back(Symbol{true, add_generated_rule(std::move(alternatives))});
      }
    } else if (is_name_char(c)) {
      const size_t n = name_length(pos_);
      atom.push_back(Symbol{true, rule_named(text_.substr(pos_, n), pos_)});
      pos_ += n;
    } else {
      fail_at(pos_, str_cat("unexpected ", describe(c)));
    }
    return atom;
  }

  // After `{`: `m}`, `m,}`, `m,n}` or `,n}`.
  std::pair<uint32_t, uint32_t> parse_counts() {
    auto number = [&](bool required) -> uint32_t {
      while (peek() == ' ') ++pos_;
      const size_t start = pos_;
      uint64_t value = 0;
      while (peek() >= '0' && peek() <= '9') {
        value = std::min<uint64_t>(value * 10 + (peek() - '0'), uint64_t{1} << 40);
        ++pos_;
      }
      if (pos_ == start) {
        if (required) fail_at(pos_, "expected a repetition count");
        return kUnbounded;
      }
      if (value > kMaxRepetition) {
        fail_at(start, str_cat("repetition count ", value, " exceeds ", kMaxRepetition));
      }
      while (peek() == ' ') ++pos_;
      return static_cast<uint32_t>(value);
    };
    const size_t start = pos_;
    uint32_t min = number(false);
    uint32_t max = min;
    if (peek() == ',') {
      ++pos_;
      if (min == kUnbounded) min = 0;
      max = number(false);
    } else if (min == kUnbounded) {
      fail_at(pos_, "expected a repetition count");
    }
    if (peek() != '}') fail_at(pos_, "expected '}' to close the repetition count");
    ++pos_;
    if (max < min) fail_at(start, str_cat("repetition {", min, ",", max, "} has max < min"));
    return {min, max};
  }

  // atom{min,max}, with the atom made a single symbol first. X* becomes R ::= X R | ε (the call
  // of R is the alternative's last element, so the matcher does not grow its stack per
  // repetition); the optional tail of {m,n} nests: O1 ::= X | ε, Ok ::= X O(k-1) | ε.
  void repeat(std::vector<Symbol>& atom, uint32_t min, uint32_t max) {
    if (atom.size() != 1) {
      Symbol wrapped{true, add_generated_rule({atom})};
      atom = {wrapped};
    }
    const Symbol x = atom[0];
    std::vector<Symbol> out(min, x);
    if (max == kUnbounded) {
      const uint32_t star = static_cast<uint32_t>(out_.rules.size());
      // The rule calls itself, so build it in place.
      add_generated_rule({{x, Symbol{true, star}}, {}});
      out.push_back(Symbol{true, star});
    } else if (max > min) {
      uint32_t tail = add_generated_rule({{x}, {}});
      for (uint32_t k = min + 1; k < max; ++k) {
        tail = add_generated_rule({{x, Symbol{true, tail}}, {}});
      }
      out.push_back(Symbol{true, tail});
    }
    atom = std::move(out);
  }

  void parse_literal(std::vector<Symbol>& out) {
    const size_t start = pos_ - 1;
    std::string bytes;
    for (;;) {
      if (at_end()) fail_at(start, "unterminated string literal");
      const char c = peek();
      if (c == '"') {
        ++pos_;
        break;
      }
      if (c == '\\') {
        const size_t escape_pos = pos_;
        ++pos_;
        const uint32_t cp = parse_escape(escape_pos);
        if (cp >= 0xD800 && cp <= 0xDFFF) {
          fail_at(escape_pos, str_printf("a surrogate (U+%04X) has no UTF-8 encoding", cp));
        }
        utf8_append(bytes, cp);
      } else {
        bytes += c;  // raw text is already UTF-8
        ++pos_;
      }
    }
    count_elements(bytes.size());
    for (char b : bytes) {
      ByteSet set;
      set.set(static_cast<uint8_t>(b));
      out.push_back(byte_symbol(set));
    }
  }

  // After a backslash.
  uint32_t parse_escape(size_t escape_pos) {
    if (at_end()) fail_at(escape_pos, "unterminated escape");
    const char c = peek();
    ++pos_;
    switch (c) {
      case 'n':
        return '\n';
      case 'r':
        return '\r';
      case 't':
        return '\t';
      case '\\':
      case '"':
      case '\'':
      case '[':
      case ']':
      case '-':
      case '^':
      case '/':
        return static_cast<unsigned char>(c);
      case 'x':
      case 'u':
      case 'U': {
        const int digits = c == 'x' ? 2 : c == 'u' ? 4 : 8;
        uint32_t value = 0;
        for (int i = 0; i < digits; ++i) {
          const int h = hex_value(peek());
          if (h < 0) {
            fail_at(escape_pos, str_cat("\\", c, " needs ", digits, " hexadecimal digits"));
          }
          value = value * 16 + static_cast<uint32_t>(h);
          ++pos_;
        }
        if (value > kMaxCodePoint) {
          fail_at(escape_pos, str_printf("code point 0x%X is beyond U+10FFFF", value));
        }
        return value;
      }
      default:
        fail_at(escape_pos, str_cat("unknown escape \\", c));
    }
  }

  // One character of a class: an escape or a UTF-8 encoded code point of the text.
  uint32_t class_char(size_t class_start) {
    if (at_end()) fail_at(class_start, "unterminated character class");
    const size_t at = pos_;
    const unsigned char c = static_cast<unsigned char>(peek());
    if (c == '\\') {
      ++pos_;
      return parse_escape(at);
    }
    int length = c < 0x80           ? 1
                 : (c >> 5) == 0x6  ? 2
                 : (c >> 4) == 0xE  ? 3
                 : (c >> 3) == 0x1E ? 4
                                    : 0;
    if (length == 0) fail_at(at, "invalid UTF-8 in a character class");
    uint32_t cp = length == 1   ? c
                  : length == 2 ? (c & 0x1F)
                  : length == 3 ? (c & 0x0F)
                                : (c & 0x07);
    for (int i = 1; i < length; ++i) {
      const unsigned char next = static_cast<unsigned char>(peek(i));
      if ((next & 0xC0) != 0x80) fail_at(at, "invalid UTF-8 in a character class");
      cp = (cp << 6) | (next & 0x3F);
    }
    pos_ += length;
    return cp;
  }

  void parse_class(std::vector<Symbol>& out) {
    const size_t start = pos_ - 1;
    bool negate = false;
    if (peek() == '^') {
      negate = true;
      ++pos_;
    }
    CodePointRanges ranges;
    for (;;) {
      if (at_end()) fail_at(start, "unterminated character class");
      if (peek() == ']') {
        ++pos_;
        break;
      }
      const size_t item = pos_;
      const uint32_t lo = class_char(start);
      uint32_t hi = lo;
      if (peek() == '-' && peek(1) != ']' && pos_ + 1 < text_.size()) {
        ++pos_;
        hi = class_char(start);
        if (hi < lo) fail_at(item, "character range is out of order");
      }
      ranges.push_back({lo, hi});
    }
    out.push_back(class_symbol(normalize(std::move(ranges), negate)));
  }

  // A class as one byte set when all its code points are ASCII, else a rule of UTF-8
  // alternatives; sequences that differ only in their first byte share an alternative.
  Symbol class_symbol(const CodePointRanges& ranges) {
    if (auto it = class_cache_.find(ranges); it != class_cache_.end()) return it->second;
    std::vector<ByteRangeSequence> sequences;
    for (const auto& [lo, hi] : ranges) utf8_sequences(lo, hi, sequences);
    ByteSet single;
    std::map<ByteRangeSequence, ByteSet> by_tail;
    for (const ByteRangeSequence& seq : sequences) {
      if (seq.size() == 1) {
        single.set_range(seq[0].lo, seq[0].hi);
      } else {
        by_tail[ByteRangeSequence(seq.begin() + 1, seq.end())].set_range(seq[0].lo, seq[0].hi);
      }
    }
    Symbol symbol;
    if (by_tail.empty()) {
      symbol = byte_symbol(single);
    } else {
      Alternatives alternatives;
      if (!single.empty()) alternatives.push_back({byte_symbol(single)});
      for (const auto& [tail, first] : by_tail) {
        std::vector<Symbol> alt{byte_symbol(first)};
        for (const ByteRange& r : tail) {
          ByteSet set;
          set.set_range(r.lo, r.hi);
          alt.push_back(byte_symbol(set));
        }
        alternatives.push_back(std::move(alt));
      }
      symbol = Symbol{true, add_generated_rule(std::move(alternatives))};
    }
    class_cache_.emplace(ranges, symbol);
    return symbol;
  }
};

}  // namespace

ParsedGrammar parse_gbnf(std::string_view text) {
  return GbnfParser(text).parse();
}

}  // namespace slimllm::grammar
