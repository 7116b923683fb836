#include "api/go_decode.h"

#include "api/api_error.h"
#include "base/strings.h"

namespace slimllm::api {

const char* go_json_type(const nlohmann::json& v) {
  if (v.is_string()) return "string";
  if (v.is_number()) return "number";
  if (v.is_boolean()) return "bool";
  if (v.is_array()) return "array";
  if (v.is_object()) return "object";
  return "null";
}

void type_error(const nlohmann::json& v, const char* owner, const char* key, const char* want) {
  fail_status(400, str_cat("json: cannot unmarshal ", go_json_type(v), " into Go struct field ",
                           owner, ".", key, " of type ", want));
}

void check_object(const nlohmann::json& j, const char* owner) {
  if (!j.is_object()) {
    fail_status(400, str_cat("json: cannot unmarshal ", go_json_type(j),
                             " into Go value of type api.", owner));
  }
}

}  // namespace slimllm::api
