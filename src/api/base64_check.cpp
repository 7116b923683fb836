#include "api/base64_check.h"

#include "api/api_error.h"
#include "base/strings.h"

namespace slimllm::api {
namespace {

bool is_alphabet(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '/';
}

bool is_line_break(char c) {
  return c == '\r' || c == '\n';
}

}  // namespace

// Walks the text one quantum (four symbols) at a time with the rules of Go's decodeQuantum for a
// padded encoding: a quantum cut short by the end of input is an error at its first symbol;
// padding may only complete the third or fourth symbol ("xx==", "xxx="), and nothing but line
// breaks may follow it.
std::optional<size_t> base64_error_offset(std::string_view text) {
  size_t si = 0;
  while (true) {
    for (int j = 0; j < 4; ++j) {
      if (si == text.size()) {
        if (j == 0) return std::nullopt;
        return si - j;
      }
      const char in = text[si++];
      if (is_alphabet(in)) continue;
      if (is_line_break(in)) {
        --j;
        continue;
      }
      if (in != '=') return si - 1;
      if (j < 2) return si - 1;  // padding in the first or second place
      if (j == 2) {
        // "==" is needed; the first '=' is consumed.
        while (si < text.size() && is_line_break(text[si])) ++si;
        if (si == text.size()) return text.size();
        if (text[si] != '=') return si - 1;
        ++si;
      }
      while (si < text.size() && is_line_break(text[si])) ++si;
      if (si < text.size()) return si;  // trailing data after the padding
      return std::nullopt;
    }
  }
}

void check_base64(std::string_view text) {
  if (std::optional<size_t> at = base64_error_offset(text)) {
    fail_status(400, str_cat("illegal base64 data at input byte ", *at));
  }
}

}  // namespace slimllm::api
