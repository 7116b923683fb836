// Whether a string is standard, padded base64 as Go's encoding/json decodes a []byte field
// (Ollama's images): the offset Go's base64.StdEncoding reports for the first bad byte, so a
// request is refused with Go's own text, "illegal base64 data at input byte N".
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace slimllm::api {

// std::nullopt when `text` decodes; else the offset Go's CorruptInputError names. Line breaks
// (\r, \n) are skipped, as Go skips them.
std::optional<size_t> base64_error_offset(std::string_view text);

// Throws ApiError 400 "illegal base64 data at input byte N" when `text` does not decode.
void check_base64(std::string_view text);

}  // namespace slimllm::api
