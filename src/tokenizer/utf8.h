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

}  // namespace slimllm
