#include "base/utf8.h"
#include "grammar/utf8_ranges.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace slimllm::grammar {
namespace {

bool sequence_matches(const ByteRangeSequence& seq, const std::string& bytes) {
  if (seq.size() != bytes.size()) return false;
  for (size_t i = 0; i < seq.size(); ++i) {
    const uint8_t b = static_cast<uint8_t>(bytes[i]);
    if (b < seq[i].lo || b > seq[i].hi) return false;
  }
  return true;
}

// Every code point (surrogates aside) is matched by exactly one sequence when inside [lo, hi]
// and by none outside.
void expect_exact_cover(uint32_t lo, uint32_t hi) {
  std::vector<ByteRangeSequence> sequences;
  utf8_sequences(lo, hi, sequences);
  for (uint32_t cp = 0; cp <= 0x10FFFF; cp += (cp < 0x20000 ? 1 : 61)) {
    std::string bytes;
    utf8_append(bytes, cp);
    int hits = 0;
    for (const ByteRangeSequence& seq : sequences) hits += sequence_matches(seq, bytes);
    ASSERT_EQ(hits, cp >= lo && cp <= hi ? 1 : 0)
        << std::hex << "cp " << cp << " in [" << lo << ", " << hi << "]";
  }
}

TEST(Utf8Ranges, EncodesCodePoints) {
  std::string s;
  for (uint32_t cp : {0x41u, 0xE9u, 0x4F60u, 0x1F600u, 0x10FFFFu}) utf8_append(s, cp);
  EXPECT_EQ(s, "A\xC3\xA9\xE4\xBD\xA0\xF0\x9F\x98\x80\xF4\x8F\xBF\xBF");
}

TEST(Utf8Ranges, CoverExactly) {
  const std::pair<uint32_t, uint32_t> kRanges[] = {
      {0, 0x10FFFF},      {0x41, 0x5A},        {0x7F, 0x80},      {0x80, 0x7FF},
      {0x123, 0x4567},    {0x800, 0xFFFF},     {0xFFF, 0x1001},   {0xE000, 0x10FFFF},
      {0x1F600, 0x1F64F}, {0x10000, 0x10FFFF}, {0x3FFFF, 0x40000}};
  for (const auto& [lo, hi] : kRanges) expect_exact_cover(lo, hi);
}

TEST(Utf8Ranges, SplitsOnlyWhereNeeded) {
  std::vector<ByteRangeSequence> sequences;
  utf8_sequences(0x80, 0x7FF, sequences);
  ASSERT_EQ(sequences.size(), 1u);
  EXPECT_EQ(sequences[0], (ByteRangeSequence{{0xC2, 0xDF}, {0x80, 0xBF}}));
}

}  // namespace
}  // namespace slimllm::grammar
