#include "template/tool_values.h"

#include "base/error.h"

namespace slimllm {

namespace {

using Json = nlohmann::ordered_json;

// Builds a JSON object text field by field, as encoding/json writes a struct.
class ObjectText {
 public:
  void field(std::string_view name, const std::string& json) {
    text_ += text_.empty() ? "{" : ",";
    tmpl::append_go_json_string(text_, name);
    text_ += ':';
    text_ += json;
  }
  std::string done() const { return text_.empty() ? "{}" : text_ + "}"; }

 private:
  std::string text_;
};

std::string json_of(const Value& v) {
  std::string out;
  v.append_json(out);
  return out;
}

std::string string_field(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// A Go `any` field: maps with sorted keys, numbers as float64.
Value any_field(const Json& j, const char* key) {
  auto it = j.find(key);
  return it == j.end() ? Value() : Value::from_json(*it, true);
}

Value properties_value(const Json& properties);

// api.ToolProperty.
Value property_value(const Json& p) {
  Value::Entries entries;
  ObjectText text;
  Value::List any_of;
  if (p.is_object()) {
    if (auto it = p.find("anyOf"); it != p.end() && it->is_array())
      for (const auto& alt : *it) any_of.push_back(property_value(alt));
  }
  if (!any_of.empty()) {
    std::string list = "[";
    for (size_t i = 0; i < any_of.size(); ++i) list += (i ? "," : "") + any_of[i].to_string();
    text.field("anyOf", list + "]");
  }
  entries.emplace_back("AnyOf", Value::list(any_of));

  Value::List types;
  if (p.is_object()) {
    if (auto it = p.find("type"); it != p.end()) {
      if (it->is_string()) types.push_back(Value::string(it->get<std::string>()));
      if (it->is_array())
        for (const auto& t : *it)
          if (t.is_string()) types.push_back(Value::string(t.get<std::string>()));
    }
  }
  if (types.size() == 1) text.field("type", json_of(types[0]));
  if (types.size() > 1) text.field("type", json_of(Value::list(types)));
  entries.emplace_back("Type", Value::list(types));

  Value items = p.is_object() ? any_field(p, "items") : Value();
  if (!items.is_nil()) text.field("items", json_of(items));
  entries.emplace_back("Items", items);

  std::string description = p.is_object() ? string_field(p, "description") : "";
  if (!description.empty()) text.field("description", json_of(Value::string(description)));
  entries.emplace_back("Description", Value::string(description));

  Value enum_values = p.is_object() ? any_field(p, "enum") : Value();
  if (enum_values.kind() != Value::Kind::kList) enum_values = Value::list({});
  if (enum_values.list_size() > 0) text.field("enum", json_of(enum_values));
  entries.emplace_back("Enum", enum_values);

  Value properties;
  if (p.is_object())
    if (auto it = p.find("properties"); it != p.end() && it->is_object())
      properties = properties_value(*it);
  if (!properties.is_nil()) text.field("properties", properties.to_string());
  entries.emplace_back("Properties", properties);
  return Value::json_object(std::move(entries), text.done());
}

// api.ToolPropertiesMap: declaration order kept.
Value properties_value(const Json& properties) {
  Value::Entries entries;
  ObjectText text;
  for (const auto& [name, p] : properties.items()) {
    Value v = property_value(p);
    text.field(name, v.to_string());
    entries.emplace_back(name, std::move(v));
  }
  return Value::json_object(std::move(entries), text.done());
}

// api.ToolFunctionParameters.
Value parameters_value(const Json& p) {
  Value::Entries entries;
  ObjectText text;
  std::string type = string_field(p, "type");
  text.field("type", json_of(Value::string(type)));
  entries.emplace_back("Type", Value::string(type));
  Value defs = any_field(p, "$defs");
  if (!defs.is_nil()) text.field("$defs", json_of(defs));
  entries.emplace_back("Defs", defs);
  Value items = any_field(p, "items");
  if (!items.is_nil()) text.field("items", json_of(items));
  entries.emplace_back("Items", items);
  Value::List required;
  if (auto it = p.find("required"); it != p.end() && it->is_array())
    for (const auto& r : *it)
      if (r.is_string()) required.push_back(Value::string(r.get<std::string>()));
  if (!required.empty()) text.field("required", json_of(Value::list(required)));
  entries.emplace_back("Required", Value::list(required));
  Value properties;
  if (auto it = p.find("properties"); it != p.end() && it->is_object())
    properties = properties_value(*it);
  text.field("properties", properties.is_nil() ? "null" : properties.to_string());
  entries.emplace_back("Properties", properties);
  return Value::json_object(std::move(entries), text.done());
}

}  // namespace

Value tool_value(const Json& tool) {
  if (!tool.is_object()) fail("tool must be a JSON object, got ", tool.type_name());
  static const Json kEmpty = Json::object();
  const Json& function =
      tool.contains("function") && tool["function"].is_object() ? tool["function"] : kEmpty;
  const Json& parameters = function.contains("parameters") && function["parameters"].is_object()
                               ? function["parameters"]
                               : kEmpty;

  Value params = parameters_value(parameters);
  Value::Entries fn_entries;
  ObjectText fn_text;
  std::string name = string_field(function, "name");
  std::string description = string_field(function, "description");
  fn_text.field("name", json_of(Value::string(name)));
  if (!description.empty()) fn_text.field("description", json_of(Value::string(description)));
  fn_text.field("parameters", params.to_string());
  fn_entries.emplace_back("Name", Value::string(name));
  fn_entries.emplace_back("Description", Value::string(description));
  fn_entries.emplace_back("Parameters", params);
  Value fn = Value::json_object(std::move(fn_entries), fn_text.done());

  Value::Entries entries;
  ObjectText text;
  std::string type = string_field(tool, "type");
  text.field("type", json_of(Value::string(type)));
  Value items = any_field(tool, "items");
  if (!items.is_nil()) text.field("items", json_of(items));
  text.field("function", fn.to_string());
  entries.emplace_back("Type", Value::string(type));
  entries.emplace_back("Items", items);
  entries.emplace_back("Function", fn);
  return Value::json_object(std::move(entries), text.done());
}

Value tool_arguments_value(const Json& arguments) {
  Value::Entries entries;
  ObjectText text;
  if (arguments.is_object()) {
    for (const auto& [key, item] : arguments.items()) {
      Value v = Value::from_json(item, true);
      text.field(key, json_of(v));
      entries.emplace_back(key, std::move(v));
    }
  }
  return Value::json_object(std::move(entries), text.done());
}

}  // namespace slimllm
