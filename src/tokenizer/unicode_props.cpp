#include "tokenizer/unicode_props.h"

#include <algorithm>

#include "tokenizer/unicode_tables.h"

namespace slimllm {

using namespace unicode_tables;

UnicodeCategory unicode_category(uint32_t cp) {
  if (cp > 0x10FFFF) return UnicodeCategory::kCn;
  const CategoryRange* end = kCategoryRanges + kCategoryRangeCount;
  // The last range starting at or before cp; the first range starts at 0.
  const CategoryRange* it = std::upper_bound(
      kCategoryRanges, end, cp, [](uint32_t c, const CategoryRange& r) { return c < r.first; });
  return static_cast<UnicodeCategory>((it - 1)->category);
}

uint32_t unicode_to_lower(uint32_t cp) {
  const CodePointPair* end = kLowerCase + kLowerCaseCount;
  const CodePointPair* it = std::lower_bound(
      kLowerCase, end, cp, [](const CodePointPair& p, uint32_t c) { return p.code_point < c; });
  return (it != end && it->code_point == cp) ? it->value : cp;
}

}  // namespace slimllm
