// How deep a JSON text nests, found by a scan of its bytes before any parser sees it. The JSON
// library parses without recursion, but copying, dumping or walking the value afterwards recurses
// once per level: a body of 100,000 '[' would exhaust a request thread's stack. Readers of text
// that came from outside (request bodies, tool call arguments, parameter blobs) check it first.
#pragma once

#include <cstddef>
#include <string_view>

namespace slimllm {

// Deeper than any real request or schema; far from what the recursive code can take.
inline constexpr int kMaxJsonDepth = 1000;

// True when `text` opens more than `limit` arrays or objects inside one another (brackets inside
// strings do not count; the text need not be valid JSON). `offset`, when given, receives where the
// first bracket past the limit is.
bool json_nests_deeper_than(std::string_view text, int limit, size_t* offset = nullptr);

}  // namespace slimllm
