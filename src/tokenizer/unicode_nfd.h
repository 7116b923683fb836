// Canonical decomposition (Unicode normalization form D) without ICU, from the generated
// UnicodeData tables: BERT's accent stripping decomposes and then drops the combining marks.
#pragma once

#include <cstdint>
#include <vector>

namespace slimllm {

// The NFD form of a code point sequence: every code point replaced by its full canonical
// decomposition (Hangul syllables by the Unicode arithmetic), then runs of combining marks put
// in canonical order (stable sort by combining class).
std::vector<uint32_t> unicode_nfd(const std::vector<uint32_t>& code_points);

uint8_t unicode_combining_class(uint32_t cp);

}  // namespace slimllm
