// The Unicode Character Database tables behind unicode_props and unicode_nfd, generated into
// unicode_tables.cpp by tools/gen_unicode_tables.py (see there for the command). Internal to the
// tokenizer library; use unicode_props.h and unicode_nfd.h.
#pragma once

#include <cstddef>
#include <cstdint>

namespace slimllm::unicode_tables {

// A run of code points sharing a general category: from `first` up to the next range's first.
struct CategoryRange {
  uint32_t first;
  uint8_t category;  // index into UnicodeCategory
};

struct CodePointPair {
  uint32_t code_point;
  uint32_t value;
};

// A canonical decomposition, fully expanded: kDecompositionPool[offset .. offset + length).
struct Decomposition {
  uint32_t code_point;
  uint16_t offset;
  uint16_t length;
};

extern const CategoryRange kCategoryRanges[];
extern const size_t kCategoryRangeCount;
extern const CodePointPair kLowerCase[];  // simple lower-case mappings, sorted
extern const size_t kLowerCaseCount;
extern const CodePointPair kCombiningClass[];  // non-zero canonical combining classes, sorted
extern const size_t kCombiningClassCount;
extern const Decomposition kDecompositions[];  // sorted by code point
extern const size_t kDecompositionCount;
extern const uint32_t kDecompositionPool[];

}  // namespace slimllm::unicode_tables
