// Ranges of Unicode code points as alternatives of byte-range sequences, the standard split of
// UTF-8: every code point in [lo, hi] is matched by exactly one sequence, and every sequence
// matches only encodings of code points in [lo, hi].
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace slimllm::grammar {

struct ByteRange {
  uint8_t lo, hi;
  bool operator==(const ByteRange&) const = default;
  auto operator<=>(const ByteRange&) const = default;
};
using ByteRangeSequence = std::vector<ByteRange>;  // one range per byte of the encoding

// Appends the sequences covering [lo, hi] (hi <= 0x10FFFF; surrogates are encoded like other
// code points, callers remove them first).
void utf8_sequences(uint32_t lo, uint32_t hi, std::vector<ByteRangeSequence>& out);


}  // namespace slimllm::grammar
