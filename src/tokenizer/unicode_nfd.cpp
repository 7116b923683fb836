#include "tokenizer/unicode_nfd.h"

#include <algorithm>

#include "tokenizer/unicode_tables.h"

namespace slimllm {
namespace {

using namespace unicode_tables;

// Hangul syllables are composed arithmetically (Unicode chapter 3.12), so the tables leave them
// out.
constexpr uint32_t kSyllableBase = 0xAC00, kLeadBase = 0x1100, kVowelBase = 0x1161,
                   kTrailBase = 0x11A7;
constexpr uint32_t kVowelCount = 21, kTrailCount = 28, kSyllableCount = 11172;

void append_decomposition(uint32_t cp, std::vector<uint32_t>& out) {
  if (cp >= kSyllableBase && cp < kSyllableBase + kSyllableCount) {
    uint32_t index = cp - kSyllableBase;
    out.push_back(kLeadBase + index / (kVowelCount * kTrailCount));
    out.push_back(kVowelBase + (index % (kVowelCount * kTrailCount)) / kTrailCount);
    if (index % kTrailCount != 0) out.push_back(kTrailBase + index % kTrailCount);
    return;
  }
  const Decomposition* end = kDecompositions + kDecompositionCount;
  const Decomposition* it =
      std::lower_bound(kDecompositions, end, cp,
                       [](const Decomposition& d, uint32_t c) { return d.code_point < c; });
  if (it == end || it->code_point != cp) {
    out.push_back(cp);
    return;
  }
  out.insert(out.end(), kDecompositionPool + it->offset,
             kDecompositionPool + it->offset + it->length);
}

}  // namespace

uint8_t unicode_combining_class(uint32_t cp) {
  const CodePointPair* end = kCombiningClass + kCombiningClassCount;
  const CodePointPair* it =
      std::lower_bound(kCombiningClass, end, cp,
                       [](const CodePointPair& p, uint32_t c) { return p.code_point < c; });
  return (it != end && it->code_point == cp) ? static_cast<uint8_t>(it->value) : 0;
}

std::vector<uint32_t> unicode_nfd(const std::vector<uint32_t>& code_points) {
  std::vector<uint32_t> out;
  out.reserve(code_points.size() + code_points.size() / 4);
  for (uint32_t cp : code_points) append_decomposition(cp, out);
  // Canonical ordering: within each run of non-starters, order by combining class, keeping the
  // original order among equal classes.
  for (size_t i = 0; i < out.size();) {
    if (unicode_combining_class(out[i]) == 0) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < out.size() && unicode_combining_class(out[j]) != 0) ++j;
    if (j - i > 1) {
      std::stable_sort(out.begin() + i, out.begin() + j, [](uint32_t a, uint32_t b) {
        return unicode_combining_class(a) < unicode_combining_class(b);
      });
    }
    i = j;
  }
  return out;
}

}  // namespace slimllm
