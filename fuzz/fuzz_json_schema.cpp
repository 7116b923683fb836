// Random JSON Schemas and byte streams: the schema → grammar conversion and the matcher never
// crash, and the grammar never accepts an invalid prefix: whenever the bytes accepted so far make
// a complete sentence, they parse as JSON (and a schema's `type` holds at the top level). The
// input is the schema's JSON text, a NUL byte, then the byte stream (fed in chunks of 1 to 3).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "base/error.h"
#include "grammar/grammar.h"
#include "grammar/json_schema.h"
#include "grammar/matcher.h"

namespace {

bool type_holds(const nlohmann::ordered_json& schema, const nlohmann::json& value) {
  if (!schema.is_object() || !schema.contains("type") || !schema["type"].is_string()) return true;
  const std::string t = schema["type"].get<std::string>();
  if (t == "object") return value.is_object();
  if (t == "array") return value.is_array();
  if (t == "string") return value.is_string();
  if (t == "integer") return value.is_number_integer();
  if (t == "number") return value.is_number();
  if (t == "boolean") return value.is_boolean();
  if (t == "null") return value.is_null();
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t nul = input.find('\0');
  const std::string_view schema_text = input.substr(0, nul);
  const std::string_view stream = nul == std::string_view::npos ? "" : input.substr(nul + 1);
  nlohmann::ordered_json schema = nlohmann::ordered_json::parse(schema_text, nullptr, false);
  if (schema.is_discarded()) return 0;
  std::string gbnf;
  try {
    gbnf = slimllm::grammar::json_schema_gbnf(schema);
  } catch (const slimllm::Error&) {
    return 0;  // refused, with a message: fine
  }
  std::shared_ptr<const slimllm::grammar::Grammar> grammar;
  try {
    grammar = slimllm::grammar::compile_gbnf(gbnf);
  } catch (const slimllm::Error&) {
    abort();  // the converter wrote a grammar its own compiler refuses
  }
  slimllm::grammar::Matcher matcher(grammar);
  std::string accepted;
  size_t at = 0;
  while (at < stream.size()) {
    const size_t n = std::min<size_t>(1 + static_cast<uint8_t>(stream[at]) % 3, stream.size() - at);
    const std::string_view chunk = stream.substr(at, n);
    at += n;
    if (!matcher.accept(chunk)) continue;
    accepted += chunk;
    if (matcher.is_complete()) {
      const nlohmann::json value = nlohmann::json::parse(accepted, nullptr, false);
      if (value.is_discarded() || !type_holds(schema, value)) abort();
    }
  }
  return 0;
}
