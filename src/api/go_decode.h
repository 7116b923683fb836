// Go's encoding/json messages for a request of the wrong shape, shared by every request reader
// of the api layer, so a client sees the text Ollama's decoder gives.
#pragma once

#include <nlohmann/json.hpp>

namespace slimllm::api {

// Go's name for a JSON value's kind: string, number, bool, array, object, null.
const char* go_json_type(const nlohmann::json& v);
// 400 "json: cannot unmarshal <kind> into Go struct field <owner>.<key> of type <want>".
[[noreturn]] void type_error(const nlohmann::json& v, const char* owner, const char* key,
                             const char* want);
// 400 "json: cannot unmarshal <kind> into Go value of type api.<owner>" unless `j` is an object.
void check_object(const nlohmann::json& j, const char* owner);

}  // namespace slimllm::api
