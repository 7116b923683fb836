#include "tokenizer/byte_unicode.h"

#include "tokenizer/utf8.h"

namespace slimllm {

ByteUnicode::ByteUnicode() {
  byte_of_.fill(-1);
  uint32_t next_unprintable = 256;
  for (uint32_t b = 0; b < 256; ++b) {
    bool printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
    code_points_[b] = printable ? b : next_unprintable++;
    utf8_append(spelling_[b], code_points_[b]);
    byte_of_[code_points_[b]] = static_cast<int16_t>(b);
  }
}

const ByteUnicode& ByteUnicode::instance() {
  static const ByteUnicode mapping;
  return mapping;
}

std::string ByteUnicode::decode(std::string_view text) const {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    uint8_t lead = static_cast<uint8_t>(text[i]);
    size_t len = utf8_sequence_length(lead);
    if (i + len > text.size()) len = 1;
    uint32_t cp = 0;
    if (len == 1) {
      cp = lead < 0x80 ? lead : 0x110000;  // a stray byte is no code point of the mapping
    } else if (len == 2) {
      cp = ((lead & 0x1Fu) << 6) | (static_cast<uint8_t>(text[i + 1]) & 0x3Fu);
    } else {
      cp = 0x110000;  // three- and four-byte characters are never in the mapping
    }
    bool mapped = cp < byte_of_.size() && byte_of_[cp] >= 0;
    if (mapped) out += static_cast<char>(byte_of_[cp]);
    if (!mapped) out.append(text.substr(i, len));
    i += len;
  }
  return out;
}

}  // namespace slimllm
