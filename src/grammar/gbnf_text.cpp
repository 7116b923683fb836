#include "grammar/gbnf_text.h"

#include <algorithm>

#include "base/error.h"
#include "base/utf8.h"

namespace slimllm::grammar {

CodePointRanges normalized(CodePointRanges ranges) {
  std::sort(ranges.begin(), ranges.end());
  CodePointRanges out;
  for (const auto& [lo, hi] : ranges) {
    if (lo > hi) continue;
    if (!out.empty() && lo <= out.back().second + 1) {
      out.back().second = std::max(out.back().second, hi);
    } else {
      out.emplace_back(lo, hi);
    }
  }
  return out;
}

CodePointRanges complement(const CodePointRanges& ranges) {
  CodePointRanges out;
  char32_t next = 0;
  for (const auto& [lo, hi] : normalized(ranges)) {
    if (lo > next) out.emplace_back(next, lo - 1);
    next = hi + 1;
  }
  if (next <= kMaxCodePoint) out.emplace_back(next, kMaxCodePoint);
  return out;
}

CodePointRanges subtract(const CodePointRanges& ranges, const CodePointRanges& removed) {
  // A \ B = A ∩ ¬B = ¬(¬A ∪ B).
  CodePointRanges either = complement(ranges);
  either.insert(either.end(), removed.begin(), removed.end());
  return complement(either);
}

bool contains(const CodePointRanges& ranges, char32_t c) {
  for (const auto& [lo, hi] : ranges) {
    if (c >= lo && c <= hi) return true;
  }
  return false;
}

namespace {

const char kHex[] = "0123456789ABCDEF";

void append_hex_byte(std::string& out, unsigned byte) {
  out += "\\x";
  out += kHex[(byte >> 4) & 0xF];
  out += kHex[byte & 0xF];
}

// One code point inside a GBNF class, escaping what the class syntax gives a meaning to.
void append_class_char(std::string& out, char32_t c) {
  if (c < 0x20 || c == 0x7F) {
    append_hex_byte(out, static_cast<unsigned>(c));
  } else if (c == '\\' || c == ']' || c == '[' || c == '-' || c == '^') {
    // As hex escapes, which every GBNF reader takes inside a class (not all take "\-").
    append_hex_byte(out, static_cast<unsigned>(c));
  } else {
    utf8_append(out, c);
  }
}

}  // namespace

std::string gbnf_literal(std::string_view bytes) {
  std::string out = "\"";
  for (unsigned char b : bytes) {
    if (b == '"' || b == '\\') {
      out += '\\';
      out += static_cast<char>(b);
    } else if (b == '\n') {
      out += "\\n";
    } else if (b == '\r') {
      out += "\\r";
    } else if (b == '\t') {
      out += "\\t";
    } else if (b < 0x20 || b == 0x7F) {
      append_hex_byte(out, b);
    } else {
      out += static_cast<char>(b);
    }
  }
  return out + "\"";
}

std::string join(const std::vector<std::string>& parts, std::string_view separator) {
  std::string out;
  for (const std::string& part : parts) {
    if (part.empty()) continue;
    if (!out.empty()) out += separator;
    out += part;
  }
  return out;
}

std::string gbnf_class(const CodePointRanges& ranges) {
  std::string out = "[";
  for (const auto& [lo, hi] : ranges) {
    append_class_char(out, lo);
    if (hi > lo) {
      if (hi > lo + 1) out += '-';
      append_class_char(out, hi);
    }
  }
  return out + "]";
}

std::string json_string_chars(const CodePointRanges& chars) {
  // JSON requires these escaped; the grammar's `char` rule also keeps DEL escaped.
  const CodePointRanges escaped_only = {{0x00, 0x1F}, {'"', '"'}, {'\\', '\\'}, {0x7F, 0x7F}};
  std::vector<std::string> alternatives;
  CodePointRanges raw = subtract(chars, escaped_only);
  if (!raw.empty()) alternatives.push_back(gbnf_class(raw));
  if (contains(chars, '"')) alternatives.push_back(R"("\\\"")");
  if (contains(chars, '\\')) alternatives.push_back(R"("\\\\")");
  if (contains(chars, '/')) alternatives.push_back(R"("\\/")");
  // Short escapes JSON has for five control characters, then \u00XX in either case for every
  // control character (the short ones included: "\u000a" is a newline too).
  const std::pair<char32_t, char> short_escapes[] = {
      {0x08, 'b'}, {0x0C, 'f'}, {0x0A, 'n'}, {0x0D, 'r'}, {0x09, 't'}};
  std::string short_class;
  for (const auto& [c, letter] : short_escapes) {
    if (contains(chars, c)) short_class += letter;
  }
  if (!short_class.empty()) alternatives.push_back(R"("\\" [)" + short_class + "]");
  bool all_controls = subtract({{0x00, 0x1F}}, chars).empty();
  if (all_controls) {
    alternatives.push_back(R"("\\u00" [01] [0-9a-fA-F])");
  }
  // The rest as "\u00" plus a class of last digits per second digit ("\u001" [0-9A-Fa-f]).
  for (char32_t high : {0x00u, 0x10u, 0x70u}) {
    if (all_controls && high < 0x20) continue;
    std::string last_digits;
    for (char32_t c = high; c < high + 0x10; ++c) {
      if (c >= 0x20 && c != 0x7F) continue;
      if (!contains(chars, c)) continue;
      char digit = kHex[c & 0xF];
      last_digits += digit;
      if (digit >= 'A') last_digits += static_cast<char>(digit - 'A' + 'a');
    }
    if (last_digits.empty()) continue;
    alternatives.push_back(std::string("\"\\\\u00") + kHex[high >> 4] + "\" [" + last_digits + "]");
  }
  if (alternatives.empty()) return "";
  if (alternatives.size() == 1) return alternatives[0];
  std::string out = "(";
  for (size_t i = 0; i < alternatives.size(); ++i) {
    if (i > 0) out += " | ";
    out += alternatives[i];
  }
  return out + ")";
}

std::string repeated(const std::string& atom, uint64_t lo, std::optional<uint64_t> hi,
                     std::string_view what) {
  if (lo > kMaxRepetition || (hi && *hi > kMaxRepetition)) {
    fail("unsupported JSON schema: ", what, " above ", kMaxRepetition,
         " (the grammar would be too large)");
  }
  if (hi && *hi < lo) fail("invalid JSON schema: ", what, ": minimum ", lo, " > maximum ", *hi);
  if (hi && *hi == 0) return "";
  if (!hi) {
    if (lo == 0) return atom + "*";
    if (lo == 1) return atom + "+";
    return atom + "{" + std::to_string(lo) + ",}";
  }
  if (lo == *hi) return lo == 1 ? atom : atom + "{" + std::to_string(lo) + "}";
  if (lo == 0 && *hi == 1) return atom + "?";
  return atom + "{" + std::to_string(lo) + "," + std::to_string(*hi) + "}";
}

}  // namespace slimllm::grammar
