// Unicode character properties the tokenizers need (general category, simple lower case), from
// the generated UnicodeData tables. PCRE2 knows categories too, but only inside a pattern match;
// these answer per code point and agree with the decomposition data (same Unicode version).
#pragma once

#include <cstdint>

namespace slimllm {

// Order matters: unicode_tables.cpp stores indexes into it (tools/gen_unicode_tables.py).
// Grouped so the range checks below work: kPc..kPs punctuation, kSc..kSo symbols.
// clang-format off
enum class UnicodeCategory : uint8_t {
  kCn, kCc, kCf, kCo, kCs,            // other: unassigned, control, format, private, surrogate
  kLl, kLm, kLo, kLt, kLu,            // letters
  kMc, kMe, kMn,                      // marks
  kNd, kNl, kNo,                      // numbers
  kPc, kPd, kPe, kPf, kPi, kPo, kPs,  // punctuation
  kSc, kSk, kSm, kSo,                 // symbols
  kZl, kZp, kZs,                      // separators
};
// clang-format on

UnicodeCategory unicode_category(uint32_t cp);
// The simple (one code point) lower-case mapping; cp itself when it has none.
uint32_t unicode_to_lower(uint32_t cp);

inline bool is_punctuation(UnicodeCategory c) {
  return c >= UnicodeCategory::kPc && c <= UnicodeCategory::kPs;
}
inline bool is_symbol(UnicodeCategory c) {
  return c >= UnicodeCategory::kSc && c <= UnicodeCategory::kSo;
}

}  // namespace slimllm
