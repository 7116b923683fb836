#include "grammar/json_schema_keywords.h"

#include <algorithm>

namespace slimllm::grammar {

using Json = SchemaJson;

// The fixed rules, emitted when used (after their dependencies are marked used too).
//
// Whitespace between tokens is optional and bounded: one space, or one newline and at most 20
// spaces or tabs of indentation. Compact and pretty-printed JSON both fit, and a model cannot
// spend its whole budget on blanks. There is none before or after the root value, so the
// grammar is complete exactly at the root's last byte and generation can stop there.
//
// Digit counts are bounded for the same reason (16 integer and 16 fraction digits, 2 exponent
// digits: every such number is a finite double, which a JavaScript client reads as it was
// written, never as Infinity); DEL is written escaped, as most JSON writers do.
const std::vector<Primitive> kPrimitives = {
    {"value",
     "object | array | string | number | boolean | null",
     {"object", "array", "string", "number", "boolean", "null"}},
    {"object",
     R"("{" ws (string ws ":" ws value ws ("," ws string ws ":" ws value ws)*)? "}")",
     {"ws", "string", "value"}},
    {"array", R"("[" ws (value ws ("," ws value ws)*)? "]")", {"ws", "value"}},
    {"string", R"("\"" char* "\"")", {"char"}},
    // A \u escape names one code point outside the surrogates, so a length counts the same
    // characters a validator counts (a surrogate pair would be two here, one there); characters
    // beyond the BMP are written as raw UTF-8.
    {"char",
     R"([^"\\\x7F\x00-\x1F] | "\\" (["\\/bfnrt] | "u" ([0-9a-cA-CefEF] [0-9a-fA-F]{3} | [dD] [0-7] [0-9a-fA-F]{2})))",
     {}},
    {"number", R"("-"? ("0" | [1-9] [0-9]{0,15}) ("." [0-9]{1,16})? ([eE] [-+]? [0-9]{1,2})?)", {}},
    {"integer", R"("-"? ("0" | [1-9] [0-9]{0,15}))", {}},
    {"boolean", R"("true" | "false")", {}},
    {"null", R"("null")", {}},
    {"ws", R"((" " | "\n" [ \t]{0,20})?)", {}},
    // Formats (RFC 3339 full-date, full-time and date-time; RFC 4122 uuid; a practical subset of
    // RFC 5321 addresses; an RFC 3986 URI with a scheme). Their characters never need escaping.
    {"date-time", R"(date [Tt] time)", {"date", "time"}},
    // Only days that exist: validators (ajv-formats, Python's date.fromisoformat) reject
    // 2023-02-29 and 04-31. 29 February needs a leap year: a multiple of 4 that is not a
    // century, or a multiple of 400.
    {"date",
     R"([0-9]{4} "-" (("0" [13578] | "1" [02]) "-" date-31 | ("0" [469] | "11") "-" date-30 | "02-" date-28) | date-leap-year "-02-29")",
     {"date-28", "date-30", "date-31", "date-leap-year"}},
    {"date-28", R"("0" [1-9] | "1" [0-9] | "2" [0-8])", {}},
    {"date-30", R"(date-28 | "29" | "30")", {"date-28"}},
    {"date-31", R"(date-30 | "31")", {"date-30"}},
    {"date-leap-year",
     R"([0-9] [0-9] ("0" [48] | [2468] [048] | [13579] [26]) | ([02468] [048] | [13579] [26]) "00")",
     {}},
    // A leap second (:60) only at 23:59 UTC, where they are inserted; validators reject it at
    // any other time (e.g. 12:30:60Z), and the offsets it could hide behind are not worth a rule.
    {"time",
     R"(time-hms ("." [0-9]{1,9})? time-offset | "23:59:60" ("." [0-9]{1,9})? ([Zz] | [+\x2D] "00:00"))",
     {"time-hms", "time-offset"}},
    {"time-hms", R"(([01] [0-9] | "2" [0-3]) ":" [0-5] [0-9] ":" [0-5] [0-9])", {}},
    {"time-offset", R"([Zz] | [+\x2D] ([01] [0-9] | "2" [0-3]) ":" [0-5] [0-9])", {}},
    {"uuid",
     R"([0-9a-fA-F]{8} "-" [0-9a-fA-F]{4} "-" [0-9a-fA-F]{4} "-" [0-9a-fA-F]{4} "-" [0-9a-fA-F]{12})",
     {}},
    // Bounded like the rest: RFC 5321 caps the local part at 64 octets and the domain at 255.
    // The local part's 64 counts its characters between dots (a dot after each is optional);
    // the domain takes up to four labels of at most 63, 255 octets in all. Without these bounds a
    // model can spend its whole budget inside one address.
    {"email",
     R"(email-atom-char ("."? email-atom-char){0,63} "@" email-label ("." email-label){1,3})",
     {"email-atom-char", "email-label"}},
    {"email-atom-char", R"([A-Za-z0-9!#$%&'*+=?\x5E_`{|}~\x2D])", {}},
    {"email-label", R"([A-Za-z0-9] ([A-Za-z0-9\x2D]{0,61} [A-Za-z0-9])?)", {}},
    {"uri", R"([A-Za-z] [A-Za-z0-9+.\x2D]* ":" [A-Za-z0-9._~:/?#@!$&'()*+,;=%\x2D\x5B\x5D]*)", {}},
    // A character of an undeclared property's name: escapes only in their short forms, so each
    // name has one spelling and a declared name cannot come back as an undeclared one.
    {"key-char", R"([^"\\\x7F\x00-\x1F] | "\\" ["\\bfnrt])", {}},
};

const std::set<std::string_view> kFormats = {"date-time", "date", "time", "uuid", "email", "uri"};

// Keywords that only describe (JSON Schema's annotations, OpenAPI's and OpenAI's extras).
// Unknown keywords are annotations too by the specification, so they are ignored as well.
const std::set<std::string_view> kAnnotations = {"title",
                                                 "description",
                                                 "$schema",
                                                 "$id",
                                                 "id",
                                                 "default",
                                                 "examples",
                                                 "example",
                                                 "$comment",
                                                 "deprecated",
                                                 "readOnly",
                                                 "writeOnly",
                                                 "strict",
                                                 "$anchor",
                                                 "$dynamicAnchor",
                                                 "$vocabulary",
                                                 "$recursiveAnchor",
                                                 "contentMediaType",
                                                 "contentEncoding",
                                                 "discriminator",
                                                 "$defs",
                                                 "definitions"};

// Keywords that constrain in ways the grammar does not express.
const std::set<std::string_view> kRefused = {"not",
                                             "if",
                                             "then",
                                             "else",
                                             "patternProperties",
                                             "dependentRequired",
                                             "dependentSchemas",
                                             "dependencies",
                                             "uniqueItems",
                                             "multipleOf",
                                             "minProperties",
                                             "maxProperties",
                                             "contains",
                                             "minContains",
                                             "maxContains",
                                             "propertyNames",
                                             "unevaluatedProperties",
                                             "unevaluatedItems",
                                             "$dynamicRef",
                                             "$recursiveRef",
                                             "contentSchema"};

const std::vector<std::string_view> kTypeNames = {"object",  "array",   "string", "number",
                                                  "integer", "boolean", "null"};

bool is_rule_name(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return isalnum(static_cast<unsigned char>(c)) || c == '-';
  });
}

bool is_annotation(std::string_view key) {
  return kAnnotations.count(key) > 0 ||
         (!kRefused.count(key) && !std::set<std::string_view>{"type",
                                                              "properties",
                                                              "required",
                                                              "additionalProperties",
                                                              "enum",
                                                              "const",
                                                              "items",
                                                              "prefixItems",
                                                              "additionalItems",
                                                              "minItems",
                                                              "maxItems",
                                                              "anyOf",
                                                              "oneOf",
                                                              "allOf",
                                                              "$ref",
                                                              "minLength",
                                                              "maxLength",
                                                              "format",
                                                              "pattern",
                                                              "minimum",
                                                              "maximum",
                                                              "exclusiveMinimum",
                                                              "exclusiveMaximum",
                                                              "nullable"}
                                       .count(key));
}

// Whether the schema says anything beyond annotations (and the keys in `besides`).
bool constrains(const Json& schema, std::initializer_list<std::string_view> besides) {
  if (!schema.is_object()) return schema.is_boolean() && !schema.get<bool>();
  for (const auto& [key, value] : schema.items()) {
    if (is_annotation(key)) continue;
    if (std::find(besides.begin(), besides.end(), key) != besides.end()) continue;
    if (key == "nullable" && value == false) continue;
    return true;
  }
  return false;
}

Json without(const Json& schema, std::initializer_list<std::string_view> keys) {
  Json out = Json::object();
  for (const auto& [key, value] : schema.items()) {
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) out[key] = value;
  }
  return out;
}

}  // namespace slimllm::grammar
