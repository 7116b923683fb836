#include "grammar/utf8_ranges.h"

#include "base/utf8.h"

namespace slimllm::grammar {

void utf8_sequences(uint32_t lo, uint32_t hi, std::vector<ByteRangeSequence>& out) {
  if (lo > hi) return;
  // Code points of different encoded lengths never share a sequence.
  static constexpr uint32_t kLengthMax[] = {0x7F, 0x7FF, 0xFFFF};
  for (uint32_t max : kLengthMax) {
    if (lo <= max && hi > max) {
      utf8_sequences(lo, max, out);
      utf8_sequences(max + 1, hi, out);
      return;
    }
  }
  if (hi < 0x80) {
    out.push_back({{static_cast<uint8_t>(lo), static_cast<uint8_t>(hi)}});
    return;
  }
  // Each byte position may take an independent range only when, at every level of trailing
  // continuation bytes where lo and hi differ above, lo starts and hi ends a full block there;
  // otherwise cut off the partial block at the low or high end and retry.
  for (int i = 1; i < 4; ++i) {
    const uint32_t mask = (uint32_t{1} << (6 * i)) - 1;
    if ((lo & ~mask) == (hi & ~mask)) continue;
    if ((lo & mask) != 0) {
      utf8_sequences(lo, lo | mask, out);
      utf8_sequences((lo | mask) + 1, hi, out);
      return;
    }
    if ((hi & mask) != mask) {
      utf8_sequences(lo, (hi & ~mask) - 1, out);
      utf8_sequences(hi & ~mask, hi, out);
      return;
    }
  }
  std::string a, b;
  utf8_append(a, lo);
  utf8_append(b, hi);
  ByteRangeSequence seq;
  for (size_t k = 0; k < a.size(); ++k) {
    seq.push_back({static_cast<uint8_t>(a[k]), static_cast<uint8_t>(b[k])});
  }
  out.push_back(std::move(seq));
}

}  // namespace slimllm::grammar
