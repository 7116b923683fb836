// GPT-2's byte-to-unicode mapping: byte-level BPE vocabularies spell every byte as a printable
// code point (printable Latin-1 bytes as themselves, the rest as U+0100 upwards), so token texts
// never contain raw control bytes or spaces ("Ġ" is the space byte).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace slimllm {

class ByteUnicode {
 public:
  static const ByteUnicode& instance();

  // UTF-8 spelling of one byte.
  const std::string& encode(uint8_t byte) const { return spelling_[byte]; }
  // The code point that spells `byte`.
  uint32_t code_point(uint8_t byte) const { return code_points_[byte]; }
  // Undoes the mapping over a token text. Characters outside the mapping (only in malformed
  // vocabularies) are kept as their own UTF-8 bytes.
  std::string decode(std::string_view text) const;

 private:
  ByteUnicode();
  std::array<uint32_t, 256> code_points_{};
  std::array<std::string, 256> spelling_;
  // Code point (all below U+0144) back to its byte; -1 for code points outside the mapping.
  std::array<int16_t, 0x144> byte_of_{};
};

}  // namespace slimllm
