// The vocabulary of the JSON Schema → GBNF converter (json_schema.cpp): the fixed GBNF rules it
// emits when used, the formats it knows, and which keywords only annotate, which it refuses.
#pragma once

#include <initializer_list>
#include <nlohmann/json.hpp>
#include <set>
#include <string_view>
#include <vector>

namespace slimllm::grammar {

using SchemaJson = nlohmann::ordered_json;

// A fixed rule: its name, its GBNF body and the fixed rules that body uses.
struct Primitive {
  const char* name;
  const char* body;
  std::vector<const char*> uses;
};
extern const std::vector<Primitive> kPrimitives;
extern const std::set<std::string_view> kFormats;   // the `format` values enforced
extern const std::set<std::string_view> kRefused;   // keywords the grammar cannot express
extern const std::vector<std::string_view> kTypeNames;  // JSON Schema's seven types

// A plain GBNF rule name (letters, digits, '-').
bool is_rule_name(std::string_view text);
// Whether `key` only describes (an annotation, or a keyword unknown to the converter).
bool is_annotation(std::string_view key);
// Whether the schema says anything beyond annotations (and the keys in `besides`).
bool constrains(const SchemaJson& schema, std::initializer_list<std::string_view> besides = {});
// The schema without `keys`.
SchemaJson without(const SchemaJson& schema, std::initializer_list<std::string_view> keys);

}  // namespace slimllm::grammar
