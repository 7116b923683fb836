// JSON text exactly as Go's encoding/json writes it, so stored blobs hash like Ollama's and API
// responses read the same: compact, `<` `>` `&` U+2028 U+2029 escaped as \u003c..., invalid UTF-8
// replaced by U+FFFD. Key order is the json object's own (use ordered_json for struct order; a
// plain nlohmann::json sorts keys, which is what Go does for maps).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace slimllm {

using OrderedJson = nlohmann::ordered_json;

std::string go_json(const nlohmann::json& value);
std::string go_json(const OrderedJson& value);
// Escapes an already-dumped JSON text the way Go does (the part nlohmann leaves raw).
std::string go_escape_html(std::string text);

}  // namespace slimllm
