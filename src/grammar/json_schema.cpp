#include "grammar/json_schema.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "grammar/gbnf_text.h"
#include "grammar/json_schema_keywords.h"
#include "grammar/key_trie.h"
#include "grammar/number_range.h"
#include "grammar/regex_gbnf.h"

namespace slimllm::grammar {
namespace {

using Json = nlohmann::ordered_json;

class Converter {
 public:
  explicit Converter(const Json& root) : root_(root) {
    for (const Primitive& primitive : kPrimitives) names_.insert(primitive.name);
    names_.insert("root");
  }

  std::string convert() {
    check_keywords();
    rules_.emplace_back("root", "");
    rules_[0].second = expression(root_, "root");
    return text();
  }

  std::string any_object() {
    rules_.emplace_back("root", use("object"));
    return text();
  }

 private:
  // ---- keyword check: every keyword the grammar cannot enforce, anywhere, in one error ----

  void check_keywords() {
    std::vector<std::string> refused;
    walk(root_, refused, 0);
    if (!refused.empty()) {
      fail("unsupported JSON schema keyword(s): ", join(refused, ", "));
    }
  }

  // Nesting deeper than any real schema only serves to exhaust the stack of the converter.
  static constexpr int kMaxDepth = 100;

  void walk(const Json& schema, std::vector<std::string>& refused, int depth) {
    if (!schema.is_object()) return;
    if (depth > kMaxDepth)
      fail("unsupported JSON schema: nested deeper than ", kMaxDepth, " levels");
    auto note = [&](const std::string& what) {
      if (std::find(refused.begin(), refused.end(), what) == refused.end()) refused.push_back(what);
    };
    auto walk_map = [&](const Json& map) {
      if (!map.is_object()) return;
      for (const auto& [name, sub] : map.items()) walk(sub, refused, depth + 1);
    };
    auto walk_list = [&](const Json& list) {
      if (!list.is_array()) return;
      for (const Json& sub : list) walk(sub, refused, depth + 1);
    };
    for (const auto& [key, value] : schema.items()) {
      if (kRefused.count(key)) {
        note(key);
      } else if (key == "$ref") {
        if (!value.is_string() || (value != "#" && !value.get<std::string>().starts_with("#/"))) {
          note("$ref " + value.dump() + " (only local references: #/$defs/...)");
        }
      } else if (key == "properties" || key == "$defs" || key == "definitions") {
        walk_map(value);
      } else if (key == "anyOf" || key == "oneOf" || key == "allOf" || key == "prefixItems") {
        walk_list(value);
      } else if (key == "items") {
        value.is_array() ? walk_list(value) : walk(value, refused, depth + 1);
      } else if (key == "additionalProperties" || key == "additionalItems") {
        walk(value, refused, depth + 1);
      }
    }
  }

  // ---- rules ----

  std::string unique_name(const std::string& hint) {
    std::string base;
    for (char c : hint) base += isalnum(static_cast<unsigned char>(c)) ? c : '-';
    if (base.empty()) base = "rule";
    std::string name = base;
    for (int i = 2; names_.count(name); ++i) name = base + "-" + std::to_string(i);
    names_.insert(name);
    return name;
  }

  // A rule for `body`, reusing a name when the same body has one already.
  std::string rule(const std::string& hint, const std::string& body) {
    if (is_rule_name(body)) return body;
    auto found = body_names_.find(body);
    if (found != body_names_.end()) return found->second;
    std::string name = unique_name(hint);
    rules_.emplace_back(name, body);
    body_names_[body] = name;
    return name;
  }

  std::string use(const std::string& primitive) {
    if (used_.insert(primitive).second) {
      for (const Primitive& p : kPrimitives) {
        if (primitive == p.name) {
          for (const char* dependency : p.uses) use(dependency);
        }
      }
    }
    return primitive;
  }

  std::string text() const {
    std::string out;
    for (const auto& [name, body] : rules_) out += name + " ::= " + body + "\n";
    for (const Primitive& primitive : kPrimitives) {
      if (used_.count(primitive.name)) {
        out += std::string(primitive.name) + " ::= " + primitive.body + "\n";
      }
    }
    return out;
  }

  // ---- schemas ----

  std::string rule_for(const Json& schema, const std::string& hint) {
    return rule(hint, expression(schema, hint));
  }

  // A GBNF expression (possibly with top-level alternatives) for the values of `schema`.
  std::string expression(const Json& schema, const std::string& hint) {
    if (schema.is_boolean()) {
      if (!schema.get<bool>()) fail("invalid JSON schema: `false` at ", hint, " admits no value");
      return use("value");
    }
    if (!schema.is_object()) {
      fail("invalid JSON schema: ", hint, " is ", schema.dump(), ", not an object or boolean");
    }
    if (schema.contains("$ref")) {
      if (!constrains(schema, {"$ref"})) return reference(schema["$ref"].get<std::string>());
      // Keywords beside $ref apply as well (2019-09 onwards): the two schemas together.
      Json parts = Json::array({Json{{"$ref", schema["$ref"]}}, without(schema, {"$ref"})});
      return expression(Json{{"allOf", parts}}, hint);
    }
    if (schema.contains("allOf")) return expression(merged(schema, 0), hint);
    if (schema.value("nullable", false)) {
      Json plain = without(schema, {"nullable"});
      return "(" + rule_for(plain, hint) + " | " + use("null") + ")";
    }
    if (schema.contains("anyOf") || schema.contains("oneOf")) return branches(schema, hint);

    std::vector<std::string> types = types_of(schema, hint);
    if (schema.contains("const")) return literals(Json::array({schema["const"]}), types, hint);
    if (schema.contains("enum")) {
      if (!schema["enum"].is_array() || schema["enum"].empty()) {
        fail("invalid JSON schema: enum at ", hint, " is not a non-empty array");
      }
      return literals(schema["enum"], types, hint);
    }
    if (types.size() == kTypeNames.size()) return use("value");
    std::vector<std::string> alternatives;
    for (const std::string& type : types) {
      if (type == "object") alternatives.push_back(object(schema, hint));
      if (type == "array") alternatives.push_back(array(schema, hint));
      if (type == "string") alternatives.push_back(string(schema));
      if (type == "number") alternatives.push_back(number(schema, hint, false));
      if (type == "integer") alternatives.push_back(number(schema, hint, true));
      if (type == "boolean") alternatives.push_back(use("boolean"));
      if (type == "null") alternatives.push_back(use("null"));
    }
    if (alternatives.size() == 1) return alternatives[0];
    for (std::string& alternative : alternatives) alternative = rule(hint, alternative);
    return join(alternatives, " | ");
  }

  std::vector<std::string> types_of(const Json& schema, const std::string& hint) {
    std::vector<std::string> types;
    if (schema.contains("type")) {
      const Json& type = schema["type"];
      Json list = type.is_array() ? type : Json::array({type});
      for (const Json& name : list) {
        if (!name.is_string() || std::find(kTypeNames.begin(), kTypeNames.end(),
                                           name.get<std::string>()) == kTypeNames.end()) {
          fail("invalid JSON schema: unknown type ", name.dump(), " at ", hint);
        }
        if (std::find(types.begin(), types.end(), name) == types.end()) types.push_back(name);
      }
      if (types.empty()) fail("invalid JSON schema: empty type list at ", hint);
      // integer is a subset of number.
      if (std::find(types.begin(), types.end(), "number") != types.end()) {
        std::erase(types, "integer");
      }
      return types;
    }
    // Without `type`, a schema whose keywords belong to one kind of value is taken as that
    // kind: the strict reading lets every other kind through, which no client means.
    auto any_of = [&](std::initializer_list<const char*> keys) {
      for (const char* key : keys) {
        if (schema.contains(key)) return true;
      }
      return false;
    };
    if (any_of({"properties", "required", "additionalProperties"})) types.push_back("object");
    if (any_of({"items", "prefixItems", "additionalItems", "minItems", "maxItems"})) {
      types.push_back("array");
    }
    if (any_of({"minLength", "maxLength", "pattern", "format"})) types.push_back("string");
    if (any_of({"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"})) {
      types.push_back("number");
    }
    if (types.empty()) types.assign(kTypeNames.begin(), kTypeNames.end());
    return types;
  }

  static bool has_type(const Json& value, const std::vector<std::string>& types) {
    auto allowed = [&](std::string_view type) {
      return std::find(types.begin(), types.end(), type) != types.end();
    };
    if (value.is_null()) return allowed("null");
    if (value.is_boolean()) return allowed("boolean");
    if (value.is_string()) return allowed("string");
    if (value.is_array()) return allowed("array");
    if (value.is_object()) return allowed("object");
    bool integral =
        value.is_number_integer() ||
        (value.is_number_float() && std::trunc(value.get<double>()) == value.get<double>());
    return allowed("number") || (integral && allowed("integer"));
  }

  // enum / const: the values themselves, written compactly.
  std::string literals(const Json& values, const std::vector<std::string>& types,
                       const std::string& hint) {
    std::vector<std::string> alternatives;
    for (const Json& value : values) {
      if (!has_type(value, types)) continue;
      std::string literal = gbnf_literal(value.dump());
      if (std::find(alternatives.begin(), alternatives.end(), literal) == alternatives.end()) {
        alternatives.push_back(literal);
      }
    }
    if (alternatives.empty()) {
      fail("invalid JSON schema: no value of enum/const at ", hint, " has the schema's type");
    }
    return join(alternatives, " | ");
  }

  std::string reference(const std::string& ref) {
    if (ref == "#") return "root";
    auto found = ref_names_.find(ref);
    if (found != ref_names_.end()) return found->second;
    const Json& target = resolve(ref);
    std::string tail = ref.substr(ref.rfind('/') + 1);
    std::string name = unique_name(tail);
    ref_names_[ref] = name;
    // The name exists before its body so that recursive references find it.
    size_t index = rules_.size();
    rules_.emplace_back(name, "");
    std::string body = expression(target, name);
    rules_[index].second = body;
    return name;
  }

  const Json& resolve(const std::string& ref) const {
    try {
      Json::json_pointer pointer(ref.substr(1));
      if (root_.contains(pointer)) return root_.at(pointer);
    } catch (const nlohmann::json::exception&) {
    }
    fail("invalid JSON schema: $ref \"", ref, "\" does not resolve within the schema");
  }

  // anyOf / oneOf: one alternative per branch. oneOf's "exactly one" is not enforced: branches
  // clients write are disjoint in practice, and the grammar cannot express exclusion cheaply.
  std::string branches(const Json& schema, const std::string& hint) {
    if (schema.contains("anyOf") && schema.contains("oneOf")) {
      fail("unsupported JSON schema: anyOf and oneOf in one schema (at ", hint, ")");
    }
    const char* key = schema.contains("anyOf") ? "anyOf" : "oneOf";
    const Json& list = schema[key];
    if (!list.is_array() || list.empty()) {
      fail("invalid JSON schema: ", key, " at ", hint, " is not a non-empty array");
    }
    Json siblings = without(schema, {"anyOf", "oneOf"});
    bool shared = constrains(siblings);
    std::vector<std::string> alternatives;
    for (size_t i = 0; i < list.size(); ++i) {
      if (list[i] == false) continue;
      // Keywords beside anyOf hold in every branch.
      Json branch = shared ? Json{{"allOf", Json::array({siblings, list[i]})}} : list[i];
      std::string name = rule_for(branch, hint + "-" + std::to_string(i));
      if (std::find(alternatives.begin(), alternatives.end(), name) == alternatives.end()) {
        alternatives.push_back(name);
      }
    }
    if (alternatives.empty()) fail("invalid JSON schema: no branch of ", key, " at ", hint);
    return join(alternatives, " | ");
  }

  // allOf: one schema with the constraints of all its parts. Objects merge their properties
  // (a property in two parts takes both schemas) and required lists; types intersect; bounds
  // take the tighter value; any other keyword must agree.
  Json merged(const Json& schema, int depth) {
    Json out = without(schema, {"allOf"});
    if (out.contains("$ref")) {
      std::string ref = out["$ref"];
      out.erase("$ref");
      merge_into(out, resolve(ref), depth + 1);
    }
    if (schema.contains("allOf")) {
      if (!schema["allOf"].is_array()) fail("invalid JSON schema: allOf is not an array");
      for (const Json& part : schema["allOf"]) merge_into(out, part, depth + 1);
    }
    return out;
  }

  void merge_into(Json& out, const Json& part, int depth) {
    if (depth > 32) fail("unsupported JSON schema: allOf/$ref nested too deep (a cycle?)");
    if (part.is_boolean()) {
      if (!part.get<bool>()) fail("invalid JSON schema: allOf with `false` admits no value");
      return;
    }
    if (!part.is_object()) fail("invalid JSON schema: allOf part ", part.dump());
    if (part.contains("allOf") || part.contains("$ref")) {
      merge_into(out, merged(part, depth), depth + 1);
      return;
    }
    for (const auto& [key, value] : part.items()) {
      if (is_annotation(key)) continue;
      if (!out.contains(key)) {
        out[key] = value;
      } else if (out[key] == value) {
      } else if (key == "properties") {
        for (const auto& [name, sub] : value.items()) {
          Json& mine = out["properties"];
          mine[name] = mine.contains(name) ? Json{{"allOf", Json::array({mine[name], sub})}} : sub;
        }
      } else if (key == "required") {
        for (const Json& name : value) {
          if (std::find(out[key].begin(), out[key].end(), name) == out[key].end()) {
            out[key].push_back(name);
          }
        }
      } else if (key == "type") {
        Json mine = out[key].is_array() ? out[key] : Json::array({out[key]});
        Json theirs = value.is_array() ? value : Json::array({value});
        Json both = Json::array();
        for (const Json& type : mine) {
          for (const Json& other : theirs) {
            if (type == other || (type == "number" && other == "integer")) both.push_back(other);
            if (type == "integer" && other == "number") both.push_back(type);
          }
        }
        if (both.empty()) fail("invalid JSON schema: allOf of types that share no value");
        out[key] = both;
      } else if (key == "minLength" || key == "minItems" || key == "minimum" ||
                 key == "exclusiveMinimum") {
        out[key] = std::max(out[key], value);
      } else if (key == "maxLength" || key == "maxItems" || key == "maximum" ||
                 key == "exclusiveMaximum") {
        out[key] = std::min(out[key], value);
      } else if (key == "enum") {
        Json both = Json::array();
        for (const Json& v : out[key]) {
          if (std::find(value.begin(), value.end(), v) != value.end()) both.push_back(v);
        }
        out[key] = both;
      } else {
        fail("unsupported JSON schema: allOf whose parts give \"", key, "\" different values");
      }
    }
  }

  // ---- strings ----

  static std::optional<uint64_t> count(const Json& schema, const char* key) {
    if (!schema.contains(key)) return std::nullopt;
    const Json& value = schema[key];
    if (value.is_number_unsigned()) return value.get<uint64_t>();
    if (value.is_number_float() && value.get<double>() >= 0 &&
        std::trunc(value.get<double>()) == value.get<double>()) {
      double d = value.get<double>();
      return d > 1e18 ? uint64_t{1'000'000'000'000'000'000} : static_cast<uint64_t>(d);
    }
    fail("invalid JSON schema: ", key, " is ", value.dump(), ", not a non-negative integer");
  }

  std::string string(const Json& schema) {
    std::optional<uint64_t> min_length = count(schema, "minLength");
    std::optional<uint64_t> max_length = count(schema, "maxLength");
    std::string format = schema.contains("format") && schema["format"].is_string()
                             ? schema["format"].get<std::string>()
                             : "";
    bool known_format = kFormats.count(format) > 0;
    bool lengths = min_length || max_length;
    const std::string quote = R"("\"")";
    if (schema.contains("pattern")) {
      if (!schema["pattern"].is_string()) fail("invalid JSON schema: pattern is not a string");
      if (lengths || known_format) {
        fail("unsupported JSON schema: pattern together with minLength/maxLength or format");
      }
      return quote + " " + regex_to_gbnf(schema["pattern"].get<std::string>(), use("char")) + " " +
             quote;
    }
    // Any other format is an annotation (as JSON Schema defines format by default).
    if (known_format) {
      if (lengths)
        fail("unsupported JSON schema: format \"", format, "\" with minLength/maxLength");
      return quote + " " + use(format) + " " + quote;
    }
    if (!lengths) return use("string");
    return join(
        {quote, repeated(use("char"), min_length.value_or(0), max_length, "minLength/maxLength"),
         quote},
        " ");
  }

  // ---- numbers ----

  // A numeric bound as the whole numbers next to it (equal when it is whole).
  struct Bound {
    Int floor;
    Int ceil;
    bool integral() const { return floor == ceil; }
  };

  static std::optional<Bound> bound(const Json& schema, const char* key) {
    if (!schema.contains(key) || schema[key].is_boolean()) return std::nullopt;
    const Json& value = schema[key];
    if (value.is_number_unsigned()) {
      Int exact = static_cast<Int>(value.get<uint64_t>());
      return Bound{exact, exact};
    }
    if (value.is_number_integer()) {
      Int exact = static_cast<Int>(value.get<int64_t>());
      return Bound{exact, exact};
    }
    if (!value.is_number()) fail("invalid JSON schema: ", key, " is not a number");
    // Beyond ±1e19 a bound lies past every integer the digit limits let through.
    double clamped = std::clamp(value.get<double>(), -1e19, 1e19);
    return Bound{static_cast<Int>(std::floor(clamped)), static_cast<Int>(std::ceil(clamped))};
  }

  std::string number(const Json& schema, const std::string& hint, bool integer) {
    std::optional<Bound> minimum = bound(schema, "minimum");
    std::optional<Bound> maximum = bound(schema, "maximum");
    std::optional<Bound> exclusive_minimum = bound(schema, "exclusiveMinimum");
    std::optional<Bound> exclusive_maximum = bound(schema, "exclusiveMaximum");
    // Draft 4 spelled exclusive bounds as booleans beside minimum/maximum.
    if (schema.value("exclusiveMinimum", Json()) == true && minimum) {
      exclusive_minimum = minimum;
      minimum.reset();
    }
    if (schema.value("exclusiveMaximum", Json()) == true && maximum) {
      exclusive_maximum = maximum;
      maximum.reset();
    }
    if (!minimum && !maximum && !exclusive_minimum && !exclusive_maximum) {
      return use(integer ? "integer" : "number");
    }
    if (!integer) {
      // Decimal ranges are written with whole-number ends only; anything else is refused.
      if (exclusive_minimum || exclusive_maximum || (minimum && !minimum->integral()) ||
          (maximum && !maximum->integral())) {
        fail(
            "unsupported JSON schema: exclusiveMinimum/exclusiveMaximum or a fractional minimum/"
            "maximum on a number (at ",
            hint, "; use type integer, or whole-number bounds)");
      }
    }
    // The bounds as whole numbers, inclusive; ±kNone stands for no bound. Past ±kVast a bound
    // excludes nothing the digit limits let through, so it is dropped.
    const Int kVast = static_cast<Int>(10'000'000'000'000'000'000ULL);
    const Int kNone = kVast * kVast;
    Int lo = -kNone, hi = kNone;
    if (minimum) lo = std::max(lo, minimum->ceil);
    if (exclusive_minimum) lo = std::max(lo, exclusive_minimum->floor + 1);
    if (maximum) hi = std::min(hi, maximum->floor);
    if (exclusive_maximum) hi = std::min(hi, exclusive_maximum->ceil - 1);
    if (lo > hi) {
      fail("invalid JSON schema: no ", integer ? "integer" : "number", " lies between ",
           int_text(lo), " and ", int_text(hi), " (at ", hint, ")");
    }
    std::optional<Int> low = lo > -kVast ? std::optional<Int>(lo) : std::nullopt;
    std::optional<Int> high = hi < kVast ? std::optional<Int>(hi) : std::nullopt;
    return integer ? integer_range(low, high) : number_range(low, high);
  }

  // ---- arrays ----

  std::string array(const Json& schema, const std::string& hint) {
    std::vector<const Json*> prefix;
    const Json* rest = nullptr;  // nullptr: no items beyond the prefix
    static const Json kAny = true;
    auto list = [&](const Json& items) {
      if (!items.is_array()) fail("invalid JSON schema: prefixItems at ", hint, " is not an array");
      for (const Json& item : items) prefix.push_back(&item);
    };
    // A tuple (prefixItems, or an array `items` before 2020-12) allows no further items unless
    // the schema gives their schema: the open default would let a model append anything.
    if (schema.contains("prefixItems")) {
      list(schema["prefixItems"]);
      if (schema.contains("items")) rest = &schema["items"];
    } else if (schema.contains("items") && schema["items"].is_array()) {
      list(schema["items"]);
      if (schema.contains("additionalItems")) rest = &schema["additionalItems"];
    } else {
      rest = schema.contains("items") ? &schema["items"] : &kAny;
    }
    if (rest && *rest == false) rest = nullptr;
    uint64_t min_items = count(schema, "minItems").value_or(0);
    std::optional<uint64_t> max_items = count(schema, "maxItems");
    if (max_items && *max_items < min_items) {
      fail("invalid JSON schema: minItems ", min_items, " > maxItems ", *max_items, " at ", hint);
    }
    for (size_t i = 0; i < prefix.size(); ++i) {
      if (*prefix[i] == false) {  // that position cannot be filled
        prefix.resize(i);
        rest = nullptr;
        break;
      }
    }
    if (!rest) max_items = std::min<uint64_t>(max_items.value_or(prefix.size()), prefix.size());
    if (max_items && min_items > *max_items) {
      fail("invalid JSON schema: minItems ", min_items, " exceeds the ", *max_items,
           " items the schema allows at ", hint);
    }
    std::vector<std::string> elements;
    for (size_t i = 0; i < prefix.size(); ++i) {
      elements.push_back(rule_for(*prefix[i], hint + "-" + std::to_string(i)));
    }
    std::string rest_rule = rest ? rule_for(*rest, hint + "-item") : "";
    auto element = [&](uint64_t i) { return i < elements.size() ? elements[i] : rest_rule; };
    use("ws");
    if (max_items && *max_items == 0) return R"("[" ws "]")";
    // The items after the first `from`, each with its leading comma; positions inside the
    // prefix nest (each optional one wraps the rest), the rest repeats.
    std::function<std::string(uint64_t)> after = [&](uint64_t from) -> std::string {
      if (max_items && from >= *max_items) return "";
      if (from >= elements.size()) {
        uint64_t lo = min_items > from ? min_items - from : 0;
        std::optional<uint64_t> hi;
        if (max_items) hi = *max_items - from;
        return repeated("(\",\" ws " + rest_rule + " ws)", lo, hi, "minItems/maxItems");
      }
      // Each position's rest is a rule of its own, so long tuples do not nest parentheses.
      std::string next = after(from + 1);
      if (!next.empty()) next = rule(hint + "-rest", next);
      std::string one = join({"\",\" ws", element(from), "ws", next}, " ");
      return from < min_items ? one : "(" + one + ")?";
    };
    std::string items = join({element(0), "ws", after(1)}, " ");
    if (min_items == 0) items = "(" + items + ")?";
    return R"("[" ws )" + items + R"( "]")";
  }

  // ---- objects ----

  std::string object(const Json& schema, const std::string& hint) {
    const Json empty = Json::object();
    const Json& properties = schema.contains("properties") ? schema["properties"] : empty;
    if (!properties.is_object()) fail("invalid JSON schema: properties at ", hint);
    std::vector<std::string> required;
    if (schema.contains("required")) {
      if (!schema["required"].is_array()) fail("invalid JSON schema: required at ", hint);
      for (const Json& name : schema["required"]) {
        if (!name.is_string()) fail("invalid JSON schema: required at ", hint);
        required.push_back(name);
      }
    }
    // Undeclared properties: JSON Schema allows them when additionalProperties is absent. With
    // `properties` given they are refused unless the schema asks for them (as OpenAI's strict
    // mode does): a model that may add any key at all is not held to the declared shape, which
    // is what a client enforcing a schema wants.
    const Json* additional = nullptr;
    static const Json kAny = true;
    if (schema.contains("additionalProperties")) {
      if (schema["additionalProperties"] != false) additional = &schema["additionalProperties"];
    } else if (!schema.contains("properties")) {
      additional = &kAny;
    }

    struct Member {
      std::string text;  // key ws ":" ws value
      bool required;
    };
    std::vector<Member> members;
    std::vector<std::string> declared;
    auto is_required = [&](const std::string& name) {
      return std::find(required.begin(), required.end(), name) != required.end();
    };
    auto member = [&](const std::string& name, const Json& value_schema) {
      std::string value = rule_for(value_schema, hint + "-" + name);
      return gbnf_literal(Json(name).dump()) + " ws \":\" ws " + value;
    };
    use("ws");
    for (const auto& [name, sub] : properties.items()) {
      declared.push_back(name);
      if (sub == false) {
        if (is_required(name)) fail("invalid JSON schema: required property ", name, " is false");
        continue;
      }
      members.push_back({member(name, sub), is_required(name)});
    }
    for (const std::string& name : required) {
      if (properties.contains(name)) continue;
      // Required but undeclared: its value follows additionalProperties, or is anything when
      // the schema said nothing (the no-extra-keys rule above is ours, not the schema's).
      if (schema.contains("additionalProperties") && schema["additionalProperties"] == false) {
        fail("invalid JSON schema: required property ", name,
             " is undeclared and additionalProperties is false (at ", hint, ")");
      }
      members.push_back({member(name, additional ? *additional : kAny), true});
      declared.push_back(name);
    }
    if (members.empty() && additional && constrains(*additional) == false && declared.empty()) {
      return use("object");
    }

    std::string extra;  // one undeclared member
    if (additional) {
      std::string key = declared.empty() ? use("string") : undeclared_key(declared, hint);
      extra = key + " ws \":\" ws " + rule_for(*additional, hint + "-additional");
    }
    std::string extras_after = extra.empty() ? "" : "(ws \",\" ws " + extra + ")*";

    // Declared members in order, each required one present, each optional one at most once;
    // undeclared ones after them. tail(i) is what may follow once something has been written and
    // members before i are done; head(i) starts the list at member i. Rules chain one to the
    // next, so the grammar grows linearly with the number of properties.
    size_t n = members.size();
    size_t first_required = n;
    for (size_t i = 0; i < n; ++i) {
      if (members[i].required) {
        first_required = i;
        break;
      }
    }
    // Built from the last member back; the rules made are then put in reading order.
    size_t first_new_rule = rules_.size();
    std::vector<std::string> tail(n + 1);
    tail[n] = extras_after;
    for (size_t i = n; i-- > 0;) {
      std::string next = tail[i + 1];
      if (!next.empty() && i + 1 < n) {
        next = rule(hint + "-tail", next);
      }
      std::string one = "ws \",\" ws " + members[i].text;
      tail[i] = join({members[i].required ? one : "(" + one + ")?", next}, " ");
    }
    auto tail_rule = [&](size_t i) { return i >= n ? tail[n] : rule(hint + "-tail", tail[i]); };
    std::string head;  // empty: no member is possible
    if (first_required == n) {
      if (!extra.empty()) head = join({extra, extras_after}, " ");
    } else {
      head = join({members[first_required].text, tail_rule(first_required + 1)}, " ");
    }
    for (size_t i = std::min(first_required, n); i-- > 0;) {
      std::string starts_here = join({members[i].text, tail_rule(i + 1)}, " ");
      head =
          head.empty() ? starts_here : "(" + starts_here + " | " + rule(hint + "-head", head) + ")";
    }
    std::reverse(rules_.begin() + static_cast<std::ptrdiff_t>(first_new_rule), rules_.end());
    if (head.empty()) return R"("{" ws "}")";
    if (first_required < n) return R"("{" ws )" + head + R"( ws "}")";
    return R"("{" ws ()" + head + R"( ws)? "}")";
  }

  // A key that is none of `declared` (key_trie.h), as rules of this grammar.
  std::string undeclared_key(const std::vector<std::string>& declared, const std::string& hint) {
    std::vector<std::string> spellings;
    for (const std::string& name : declared) spellings.push_back(Json(name).dump());
    auto rules = undeclared_key_rules(spellings, use("key-char"),
                                      [&] { return unique_name(hint + "-key"); });
    rules_.insert(rules_.end(), rules.begin(), rules.end());
    return "\"\\\"\" " + rules[0].first;
  }

  const Json& root_;
  std::vector<std::pair<std::string, std::string>> rules_;
  std::set<std::string> names_;
  std::map<std::string, std::string> body_names_;
  std::map<std::string, std::string> ref_names_;
  std::set<std::string> used_;
};

}  // namespace

std::string json_object_gbnf() {
  Json none;
  return Converter(none).any_object();
}

std::string json_schema_gbnf(const nlohmann::ordered_json& schema) {
  return Converter(schema).convert();
}

std::string json_schema_gbnf(const nlohmann::json& schema) {
  return json_schema_gbnf(nlohmann::ordered_json::parse(schema.dump()));
}

}  // namespace slimllm::grammar
