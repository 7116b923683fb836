// UTF-8 helpers shared by the tokenizers. None of them validate beyond what the caller needs:
// tokenizers must accept any bytes, so a malformed sequence is treated as single bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/utf8.h"  // utf8_append

namespace slimllm {

// Length of the UTF-8 sequence a lead byte announces: 1 for ASCII and for bytes that cannot
// start a sequence (continuation bytes, 0xF8..0xFF), so every byte belongs to some unit.
inline size_t utf8_sequence_length(uint8_t lead) {
  if (lead < 0xC0) return 1;
  if (lead < 0xE0) return 2;
  if (lead < 0xF0) return 3;
  if (lead < 0xF8) return 4;
  return 1;
}

inline bool utf8_is_continuation(uint8_t byte) {
  return (byte & 0xC0) == 0x80;
}

// How many bytes at the end of `bytes` form the start of a UTF-8 character that is not complete
// yet (0 when the text ends on a character boundary or the tail can never become valid).
inline size_t utf8_incomplete_tail(std::string_view bytes) {
  size_t n = bytes.size();
  // A character is at most 4 bytes, so only the last 3 can be an unfinished one.
  for (size_t back = 1; back <= 3 && back <= n; ++back) {
    uint8_t byte = static_cast<uint8_t>(bytes[n - back]);
    if (utf8_is_continuation(byte)) continue;
    size_t need = (byte >= 0xC2 && byte < 0xF5) ? utf8_sequence_length(byte) : 1;
    return need > back ? back : 0;
  }
  return 0;
}

// Decodes the code point at text[pos] and advances pos past it. A malformed or truncated
// sequence gives U+FFFD and advances one byte, so any bytes decode.
inline uint32_t utf8_decode(std::string_view text, size_t& pos) {
  uint8_t lead = static_cast<uint8_t>(text[pos]);
  size_t length = utf8_sequence_length(lead);
  if (length == 1) {
    ++pos;
    return lead < 0x80 ? lead : 0xFFFD;
  }
  if (lead < 0xC2 || lead > 0xF4 || pos + length > text.size()) {
    ++pos;
    return 0xFFFD;
  }
  uint32_t cp = lead & (0x7F >> length);
  for (size_t i = 1; i < length; ++i) {
    uint8_t byte = static_cast<uint8_t>(text[pos + i]);
    if (!utf8_is_continuation(byte)) {
      ++pos;
      return 0xFFFD;
    }
    cp = (cp << 6) | (byte & 0x3F);
  }
  // Overlong forms, surrogates and values past U+10FFFF are not characters.
  static constexpr uint32_t kMinimum[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMinimum[length] || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
    ++pos;
    return 0xFFFD;
  }
  pos += length;
  return cp;
}

}  // namespace slimllm
