// JSON Schema → GBNF: each schema's grammar compiles, takes every valid instance whole and
// refuses every invalid one; unsupported keywords are named; properties keep the request's order.
#include "grammar/json_schema.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "base/error.h"
#include "grammar/grammar.h"
#include "grammar/matcher.h"

namespace slimllm::grammar {
namespace {

using nlohmann::ordered_json;

struct Case {
  const char* name;
  const char* schema;
  std::vector<std::string> valid;
  std::vector<std::string> invalid;
};

// The instances are JSON texts exactly as a model would write them (whitespace included).
const std::vector<Case> kCases = {
    // ---- any value ----
    {"true_schema",
     "true",
     {"1", R"("x")", R"({"a":[1,null]})", "[]", "{ \"k\": [ true ] }"},
     {" 1", R"({"a":})", "tru", "1 ", "[1,]"}},
    {"empty_schema",
     "{}",
     {"null", "[1,2]", R"({"k":{"n":false}})", R"("s")"},
     {"nul", "[1,]", "{'a':1}"}},
    {"annotations_only",
     R"({"title":"T","description":"d","$schema":"x","default":1,"examples":[2]})",
     {"3", R"({"a":"b"})"},
     {"[", "undefined"}},
    // ---- scalar types ----
    {"string",
     R"({"type":"string"})",
     {R"("hello")", R"("")", R"("\u00e9\n\"q\"\\/\/")",
      "\"h\xC3\xA9llo \xE4\xB8\x96\xE7\x95\x8C \xF0\x9F\x8E\x89\"", R"("\uFFFD\uD7FF\ue000")"},
     // A surrogate pair is written as raw UTF-8 instead: escaped, it would count as two
     // characters against minLength/maxLength where a validator counts one.
     {"hello", R"("abc)", "\"a\x01\"", "1", R"("\x41")", R"("\u12")", R"("a"")",
      R"("\ud83d\ude00")", R"("\uDC00")"}},
    {"number",
     R"({"type":"number"})",
     {"0", "-0", "3.14", "-1.5e10", "1E-3", "1234567890123456", "0.0000000000000001", "1e+99"},
     // At most two exponent digits: every number is a finite double (no 1e999 = Infinity).
     {"01", "1.", ".5", "+1", "1e", "12345678901234567", "NaN", "--1", "1.5.2", "1e308", "1e999"}},
    {"integer",
     R"({"type":"integer"})",
     {"0", "-42", "9007199254740991"},
     {"1.0", "1e3", "-", "00", "-01", "\"1\""}},
    {"boolean", R"({"type":"boolean"})", {"true", "false"}, {"True", "1", "\"true\"", "truee"}},
    {"null", R"({"type":"null"})", {"null"}, {"\"null\"", "0", "nil"}},
    {"type_list_string_null", R"({"type":["string","null"]})", {R"("a")", "null"}, {"1", "true"}},
    {"type_list_integer_boolean",
     R"({"type":["integer","boolean"]})",
     {"3", "true", "-7"},
     {"3.5", "null", "\"3\""}},
    // ---- objects ----
    {"object_required",
     R"({"type":"object","properties":{"name":{"type":"string"},"age":{"type":"integer"}},"required":["name","age"]})",
     {R"({"name":"Al","age":3})", R"({ "name": "Al", "age": 3 })",
      "{\n  \"name\": \"Al\",\n  \"age\": 3\n}"},
     {R"({"age":3,"name":"Al"})", R"({"name":"Al"})", R"({"name":"Al","age":3,"x":1})",
      R"({"name":"Al","age":"3"})", R"({"name":"Al","name":"Al","age":3})", "{}"}},
    {"object_all_optional",
     R"({"type":"object","properties":{"a":{"type":"integer"},"b":{"type":"integer"},"c":{"type":"integer"}}})",
     {"{}", R"({"a":1})", R"({"b":2})", R"({"c":3})", R"({"a":1,"c":3})", R"({"b":2,"c":3})",
      R"({"a":1,"b":2,"c":3})", "{ }"},
     {R"({"b":2,"a":1})", R"({"a":1,"a":1})", R"({,"a":1})", R"({"a":1,})", R"({"d":1})",
      R"({"c":3,"a":1})"}},
    {"object_mixed_required",
     R"({"type":"object","properties":{"a":{"type":"integer"},"b":{"type":"integer"},"c":{"type":"integer"},"d":{"type":"integer"}},"required":["b","d"]})",
     {R"({"b":1,"d":2})", R"({"a":0,"b":1,"c":2,"d":3})", R"({"a":0,"b":1,"d":3})",
      R"({"b":1,"c":2,"d":3})"},
     {R"({"a":0,"d":3})", R"({"b":1})", R"({"a":0,"c":2,"b":1,"d":3})", R"({"d":1,"b":2})", "{}"}},
    {"additional_false",
     R"({"type":"object","properties":{"a":{"type":"integer"}},"additionalProperties":false})",
     {R"({"a":1})", "{}"},
     {R"({"a":1,"b":2})", R"({"b":2})"}},
    {"additional_true_with_properties",
     R"({"type":"object","properties":{"a":{"type":"integer"}},"required":["a"],"additionalProperties":true})",
     {R"({"a":1})", R"({"a":1,"b":[true]})", R"({"a":1,"ab":2,"b":3})", R"({"a":1,"":{}})",
      R"({"a":1,"\"":0})"},
     {R"({"a":1,"a":2})", R"({"b":1,"a":1})", R"({"a":1,"b"})", R"({"a":1,"b":})"}},
    {"additional_schema_map",
     R"({"type":"object","additionalProperties":{"type":"integer"}})",
     {"{}", R"({"x":1,"y":-2})", R"({"x":1,"x":2})"},
     {R"({"x":"1"})", "[]"}},
    {"additional_schema_with_properties",
     R"({"type":"object","properties":{"id":{"type":"integer"}},"required":["id"],"additionalProperties":{"type":"string"}})",
     {R"({"id":1,"note":"x"})", R"({"id":1,"i":"x","idx":"y"})", R"({"id":2})"},
     {R"({"id":1,"id":"x"})", R"({"id":1,"note":2})", R"({"note":"x"})"}},
    {"additional_key_trie",
     R"({"type":"object","properties":{"ab":{"type":"integer"},"abc":{"type":"integer"},"b":{"type":"integer"}},"additionalProperties":true})",
     {R"({"ab":1,"x":2})", R"({"a":1})", R"({"abcd":1})", R"({"ab":1,"abc":2,"b":3,"":4})",
      R"({"bb":null,"abd":1})"},
     {R"({"abc":1,"ab":2})", R"({"x":1,"b":2})", R"({"ab":1,"b":2,"abc":3})"}},
    {"any_object",
     R"({"type":"object"})",
     {"{}", R"({"a":{"b":[]}})", R"({"a":1,"a":2})"},
     {"[]", R"({"a"})", "null"}},
    {"object_inferred_from_properties",
     R"({"properties":{"x":{"type":"boolean"}}})",
     {R"({"x":true})", "{}"},
     {"[]", "true", R"({"x":1})"}},
    {"required_undeclared",
     R"({"type":"object","required":["id"]})",
     {R"({"id":5})", R"({"id":"s"})", R"({"id":1,"other":2})"},
     {"{}", R"({"other":1})", R"({"id":1,"id":2})"}},
    {"empty_properties", R"({"type":"object","properties":{}})", {"{}", "{ }"}, {R"({"a":1})"}},
    {"property_false",
     R"({"type":"object","properties":{"a":{"type":"integer"},"secret":false}})",
     {R"({"a":1})", "{}"},
     {R"({"secret":1})", R"({"a":1,"secret":null})"}},
    {"escaped_and_unicode_keys",
     "{\"type\":\"object\",\"properties\":{\"a\\\"b\":{\"type\":\"integer\"},\"\xC3\xA9t\xC3\xA9\":"
     "{\"type\":\"boolean\"},\"tab\\t\":{\"type\":\"null\"}},\"required\":[\"a\\\"b\","
     "\"\xC3\xA9t\xC3\xA9\"]}",
     {R"({"a\"b":1,"été":true})", R"({"a\"b":1,"été":false,"tab\t":null})"},
     {R"({"ab":1,"été":true})", R"({"a\"b":1})"}},
    {"nested_objects",
     R"({"type":"object","properties":{"user":{"type":"object","properties":{"address":{"type":"object","properties":{"city":{"type":"string"},"zip":{"type":"string"}},"required":["city"]}},"required":["address"]}},"required":["user"]})",
     {R"({"user":{"address":{"city":"Oslo"}}})",
      R"({"user":{"address":{"city":"Oslo","zip":"0150"}}})",
      "{\n  \"user\": {\n    \"address\": {\n      \"city\": \"Oslo\"\n    }\n  }\n}"},
     {R"({"user":{"address":{}}})", R"({"user":{}})", R"({"user":{"address":{"zip":"1"}}})"}},
    {"tool_parameters",
     R"({"type":"object","title":"get_weather","$schema":"https://json-schema.org/draft/2020-12/schema","properties":{"location":{"type":"string","description":"City and country"},"unit":{"type":"string","enum":["celsius","fahrenheit"],"default":"celsius"}},"required":["location"],"additionalProperties":false,"strict":true})",
     {R"({"location":"Paris, FR"})", R"({"location":"Paris","unit":"celsius"})"},
     {R"({"location":"Paris","unit":"kelvin"})", R"({"unit":"celsius"})", R"({"location":1})"}},
    {"openai_strict_nullable_via_anyof",
     R"({"type":"object","properties":{"name":{"type":"string"},"age":{"anyOf":[{"type":"integer"},{"type":"null"}]}},"required":["name","age"],"additionalProperties":false})",
     {R"({"name":"a","age":null})", R"({"name":"a","age":30})"},
     {R"({"name":"a"})", R"({"name":"a","age":"30"})"}},
    // ---- enum / const ----
    {"enum_strings",
     R"({"enum":["red","green","blue"]})",
     {R"("red")", R"("blue")"},
     {R"("Red")", R"("re")", "red", R"("redd")"}},
    {"enum_mixed",
     R"({"enum":[1,"a",null,true,{"k":[1,2]},[3],2.5]})",
     {"1", R"("a")", "null", "true", R"({"k":[1,2]})", "[3]", "2.5"},
     {"2", R"({"k":[1, 2]})", "false", "[3,3]", "2.50"}},
    {"enum_filtered_by_type", R"({"type":"string","enum":["a",1]})", {R"("a")"}, {"1"}},
    {"const_string", R"({"const":"fixed"})", {R"("fixed")"}, {R"("fixe")", R"("fixed2")", "fixed"}},
    {"const_object_keeps_order",
     R"({"const":{"b":1,"a":[true,null]}})",
     {R"({"b":1,"a":[true,null]})"},
     {R"({"a":[true,null],"b":1})", R"({"b":1})"}},
    {"const_unicode",
     "{\"const\":\"caf\xC3\xA9 \xE2\x98\x95\"}",
     {"\"caf\xC3\xA9 \xE2\x98\x95\""},
     {"\"cafe \xE2\x98\x95\"", R"("caf")"}},
    // ---- arrays ----
    {"array_items",
     R"({"type":"array","items":{"type":"integer"}})",
     {"[]", "[1]", "[1,2,3]", "[ 1, 2 ]", "[\n  1,\n  2\n]"},
     {R"([1,"a"])", "[1,]", "[,1]", "[1 2]", "[1,  2]", "[1,\n\n2]"}},
    {"array_min_max",
     R"({"type":"array","items":{"type":"string"},"minItems":1,"maxItems":3})",
     {R"(["a"])", R"(["a","b","c"])"},
     {"[]", R"(["a","b","c","d"])"}},
    {"array_min_only",
     R"({"type":"array","minItems":2})",
     {"[1,2]", R"([1,"x",null,[],{}])"},
     {"[1]", "[]"}},
    {"array_max_zero", R"({"type":"array","maxItems":0})", {"[]", "[ ]"}, {"[1]"}},
    {"prefix_items",
     R"({"type":"array","prefixItems":[{"type":"string"},{"type":"integer"}]})",
     {"[]", R"(["a"])", R"(["a",1])"},
     {"[1]", R"(["a",1,2])", R"(["a","b"])"}},
    {"prefix_items_then_items",
     R"({"type":"array","prefixItems":[{"type":"string"}],"items":{"type":"boolean"},"minItems":2})",
     {R"(["a",true])", R"(["a",true,false])"},
     {R"(["a"])", R"(["a",1])", R"([true,true])"}},
    {"prefix_items_items_false",
     R"({"prefixItems":[{"const":1}],"items":false})",
     {"[1]", "[]"},
     {"[1,2]", "[2]"}},
    {"tuple_draft7",
     R"({"type":"array","items":[{"type":"integer"},{"type":"null"}],"additionalItems":false,"minItems":1})",
     {"[1,null]", "[1]"},
     {"[1,null,1]", "[]", "[null]"}},
    {"array_of_objects",
     R"({"type":"array","items":{"type":"object","properties":{"x":{"type":"number"}},"required":["x"]}})",
     {R"([{"x":1},{"x":2.5}])", "[]"},
     {R"([{"y":1}])", R"([{"x":"1"}])"}},
    {"array_inferred",
     R"({"items":{"type":"null"},"maxItems":2})",
     {"[null]", "[null,null]"},
     {"[null,null,null]", "null"}},
    // ---- combinations ----
    {"any_of",
     R"({"anyOf":[{"type":"string"},{"type":"integer","minimum":0}]})",
     {R"("s")", "5", "0"},
     {"-5", "null", "1.5"}},
    {"one_of_tagged",
     R"({"oneOf":[{"type":"object","properties":{"kind":{"const":"a"},"x":{"type":"integer"}},"required":["kind","x"]},{"type":"object","properties":{"kind":{"const":"b"},"y":{"type":"string"}},"required":["kind","y"]}]})",
     {R"({"kind":"a","x":1})", R"({"kind":"b","y":"s"})"},
     {R"({"kind":"a","y":"s"})", R"({"kind":"c","x":1})"}},
    {"any_of_with_sibling_properties",
     R"({"type":"object","properties":{"a":{"type":"integer"},"b":{"type":"integer"}},"anyOf":[{"required":["a"]},{"required":["b"]}]})",
     {R"({"a":1})", R"({"b":2})", R"({"a":1,"b":2})"},
     {"{}", R"({"b":2,"a":1})"}},
    {"all_of_objects",
     R"({"allOf":[{"type":"object","properties":{"a":{"type":"string"}},"required":["a"]},{"properties":{"b":{"type":"integer"}},"required":["b"]}]})",
     {R"({"a":"x","b":1})"},
     {R"({"a":"x"})", R"({"b":1})", R"({"b":1,"a":"x"})"}},
    {"all_of_with_ref",
     R"({"$defs":{"base":{"type":"object","properties":{"id":{"type":"integer"}}}},"allOf":[{"$ref":"#/$defs/base"},{"properties":{"name":{"type":"string"}},"required":["name"]}]})",
     {R"({"id":1,"name":"n"})", R"({"name":"n"})"},
     {R"({"id":1})", R"({"name":"n","id":1})"}},
    {"all_of_strings",
     R"({"allOf":[{"type":"string","minLength":2},{"maxLength":3}]})",
     {R"("ab")", R"("abc")"},
     {R"("a")", R"("abcd")", "12"}},
    {"all_of_shared_property",
     R"({"type":"object","allOf":[{"properties":{"n":{"type":"integer"}}},{"properties":{"n":{"minimum":10}}}],"required":["n"]})",
     {R"({"n":10})", R"({"n":99})"},
     {R"({"n":9})", R"({"n":10.5})"}},
    {"nullable", R"({"type":"string","nullable":true})", {R"("x")", "null"}, {"1", "\"null"}},
    // ---- references ----
    {"ref_defs",
     R"({"$defs":{"pos":{"type":"integer","minimum":1}},"type":"object","properties":{"n":{"$ref":"#/$defs/pos"}},"required":["n"]})",
     {R"({"n":1})", R"({"n":250})"},
     {R"({"n":0})", R"({"n":-1})"}},
    {"ref_definitions",
     R"({"definitions":{"color":{"enum":["r","g"]}},"type":"array","items":{"$ref":"#/definitions/color"}})",
     {R"(["r","g"])", "[]"},
     {R"(["b"])"}},
    {"ref_escaped_name",
     R"({"$defs":{"a/b":{"type":"boolean"},"c~d":{"type":"null"}},"type":"array","prefixItems":[{"$ref":"#/$defs/a~1b"},{"$ref":"#/$defs/c~0d"}]})",
     {"[true,null]", "[false]"},
     {"[null]", "[true,true]"}},
    {"ref_recursive_tree",
     R"({"$defs":{"node":{"type":"object","properties":{"value":{"type":"integer"},"children":{"type":"array","items":{"$ref":"#/$defs/node"}}},"required":["value"]}},"$ref":"#/$defs/node"})",
     {R"({"value":1})", R"({"value":1,"children":[]})",
      R"({"value":1,"children":[{"value":2,"children":[{"value":3}]},{"value":4}]})"},
     {R"({"value":1,"children":[{"children":[]}]})", R"({"value":1,"children":[{"value":"x"}]})",
      R"({"children":[]})"}},
    {"ref_root_recursion",
     R"({"type":"object","properties":{"next":{"$ref":"#"},"v":{"type":"integer"}}})",
     {"{}", R"({"next":{"next":{}},"v":1})", R"({"v":2})"},
     {R"({"v":1,"next":{}})", R"({"next":{"next":1}})"}},
    {"ref_mutual_recursion",
     R"({"$defs":{"expr":{"anyOf":[{"type":"integer"},{"$ref":"#/$defs/sum"}]},"sum":{"type":"object","properties":{"plus":{"type":"array","items":{"$ref":"#/$defs/expr"},"minItems":2,"maxItems":2}},"required":["plus"]}},"$ref":"#/$defs/expr"})",
     {"1", R"({"plus":[1,2]})", R"({"plus":[{"plus":[1,2]},3]})"},
     {R"({"plus":[1]})", R"({"plus":[1,"2"]})"}},
    {"ref_with_sibling",
     R"({"$defs":{"s":{"type":"string"}},"$ref":"#/$defs/s","maxLength":2})",
     {R"("ab")", R"("")"},
     {R"("abc")"}},
    // ---- strings ----
    {"string_lengths",
     R"({"type":"string","minLength":2,"maxLength":4})",
     {R"("ab")", R"("abcd")", "\"\xC3\xA9\xE4\xB8\x96\xF0\x9F\x8E\x89x\"", R"("\n\t")",
      R"("\u0041b")"},
     {R"("a")", R"("abcde")", "\"\xC3\xA9\xE4\xB8\x96\xF0\x9F\x8E\x89xy\"", R"("")"}},
    {"string_max_length_one",
     R"({"type":"string","maxLength":1})",
     {R"("")", R"("\u0041")", R"("\"")"},
     {R"("ab")", R"("\"\"")"}},
    {"format_date",
     R"({"type":"string","format":"date"})",
     {R"("2024-02-29")", R"("2000-02-29")", R"("1999-12-31")", R"("2023-04-30")",
      R"("2023-02-28")"},
     {R"("2024-13-01")", R"("2024-1-01")", R"("24-01-01")", R"("2024-01-32")", R"("2023-02-29")",
      R"("1900-02-29")", R"("2024-02-30")", R"("2023-04-31")", R"("2023-11-31")", R"("2023-00-10")",
      R"("2023-01-00")"}},
    {"format_time",
     R"({"type":"string","format":"time"})",
     {R"("12:34:56Z")", R"("23:59:60.123Z")", R"("23:59:60-00:00")", R"("00:00:00-08:00")",
      R"("23:59:59.5+05:30")"},
     {R"("24:00:00Z")", R"("12:34:56")", R"("12:60:00Z")", R"("12:30:60Z")",
      R"("23:59:60+05:30")"}},
    {"format_date_time",
     R"({"type":"string","format":"date-time"})",
     {R"("2024-01-02T03:04:05Z")", R"("2024-01-02t03:04:05.5-08:00")"},
     {R"("2024-01-02 03:04:05Z")", R"("2024-01-02")"}},
    {"format_uuid",
     R"({"type":"string","format":"uuid"})",
     {R"("123e4567-e89b-12d3-a456-426614174000")", R"("123E4567-E89B-12D3-A456-426614174000")"},
     {R"("123e4567-e89b-12d3-a456")", R"("123e4567e89b12d3a456426614174000")",
      R"("g23e4567-e89b-12d3-a456-426614174000")"}},
    {"format_email",
     R"({"type":"string","format":"email"})",
     {R"("a.b+c@example.co.uk")", R"("x@y.io")", "\"" + std::string(64, 'a') + "@x.io\"",
      R"("a@b.c.d.e")"},
     {R"("a@b")", R"("@example.com")", R"("a..b@example.com")", R"("a b@example.com")",
      R"(".a@b.io")", R"("a.@b.io")", "\"" + std::string(65, 'a') + "@x.io\"", R"("a@b.c.d.e.f")"}},
    {"format_uri",
     R"({"type":"string","format":"uri"})",
     {R"("https://example.com/a?b=c#d")", R"("urn:isbn:0451450523")"},
     {R"("not a uri")", R"("://x")"}},
    {"format_unknown_is_annotation",
     R"({"type":"string","format":"hostname-ish"})",
     {R"("anything at all")"},
     {"1"}},
    {"pattern_anchored",
     R"({"type":"string","pattern":"^[A-Z]{3}-\\d{2,4}$"})",
     {R"("ABC-12")", R"("XYZ-1234")"},
     {R"("ABC-1")", R"("abc-12")", R"("ABC-12345")", R"("xABC-12")"}},
    {"pattern_unanchored_searches",
     R"({"type":"string","pattern":"ab+c"})",
     {R"("abc")", R"("xxabbbcyy")", R"("abc\n")"},
     {R"("ac")", R"("abx")", R"("")"}},
    {"pattern_groups_alternation",
     R"({"type":"string","pattern":"^(?:foo|ba(r|z))+$"})",
     {R"("foo")", R"("barbazfoo")"},
     {R"("fo")", R"("bax")", R"("")"}},
    {"pattern_json_escapes",
     R"({"type":"string","pattern":"^a\"b\\\\c\\n/$"})",
     {R"("a\"b\\c\n/")", R"("a\"b\\c\u000a\/")"},
     {R"("a\"b\\c/")", R"("a\"bc\n/")"}},
    {"pattern_classes_and_dot",
     R"({"type":"string","pattern":"^[^0-9\\s]\\.[\\w-]+.$"})",
     {R"("x.ab_-c!")", R"("\".a\"")"},
     {R"("1.ab!")", R"(" .ab!")", R"("x.!")", R"("x.ab\n")"}},
    {"pattern_optional_group_counted",
     R"({"type":"string","pattern":"^\\d{3}(-\\d{4})?$"})",
     {R"("123")", R"("123-4567")"},
     {R"("12")", R"("123-45")", R"("123-")"}},
    {"pattern_unicode",
     "{\"type\":\"string\",\"pattern\":\"^\\\\u00e9+\xE2\x98\x95?$\"}",
     {"\"\xC3\xA9\xC3\xA9\"", "\"\xC3\xA9\xE2\x98\x95\""},
     {R"("e")", "\"\xE2\x98\x95\""}},
    {"pattern_without_type", R"({"pattern":"^x*$"})", {R"("xx")", R"("")"}, {R"("xy")", "1"}},
    {"array_max_items_zero",
     R"({"type":"array","items":{"enum":["x",1,null]},"maxItems":0})",
     {"[]", "[ ]"},
     {R"(["x"])", "[1]"}},
    // Repeating what may match nothing repeats its non-empty strings (GBNF cannot loop on empty).
    {"pattern_repeated_nullable_group",
     R"({"type":"string","pattern":"^[a-c](|yzx)+?$"})",
     {R"("a")", R"("byzx")", R"("cyzxyzx")"},
     {R"("")", R"("ayz")", R"("yzx")"}},
    {"pattern_repeated_nullable_sequence",
     R"({"type":"string","pattern":"^((a)?(b)?)+$"})",
     {R"("")", R"("a")", R"("bab")", R"("aab")"},
     {R"("c")", R"("abc")"}},
    {"pattern_counted_nullable",
     R"({"type":"string","pattern":"^(a|b?){2,3}c$"})",
     {R"("c")", R"("abc")", R"("aaac")"},
     {R"("aaaac")", R"("ab")"}},
    // ---- integer ranges ----
    {"integer_minimum_zero",
     R"({"type":"integer","minimum":0})",
     {"0", "123", "9999999999999999"},
     {"-1", "-10", "1.5"}},
    {"integer_small_range",
     R"({"type":"integer","minimum":-5,"maximum":12})",
     {"-5", "-1", "0", "7", "10", "12"},
     {"-6", "13", "100", "-10", "-0", "012"}},
    {"integer_range_across_lengths",
     R"({"type":"integer","minimum":100,"maximum":2500})",
     {"100", "101", "999", "1000", "1999", "2499", "2500"},
     {"99", "2501", "3000", "0100", "10000", "-100"}},
    {"integer_exclusive",
     R"({"type":"integer","exclusiveMinimum":0,"exclusiveMaximum":10})",
     {"1", "9"},
     {"0", "10", "-1"}},
    {"integer_draft4_exclusive",
     R"({"type":"integer","minimum":0,"exclusiveMinimum":true,"maximum":3})",
     {"1", "3"},
     {"0", "4"}},
    {"integer_negative_range",
     R"({"type":"integer","minimum":-1000,"maximum":-10})",
     {"-10", "-55", "-999", "-1000"},
     {"-9", "-1001", "0", "5", "-0"}},
    {"integer_int64_edges",
     R"({"type":"integer","minimum":-9223372036854775808,"maximum":9223372036854775807})",
     {"9223372036854775807", "-9223372036854775808", "0", "-1", "1000000000000000000"},
     {"9223372036854775808", "-9223372036854775809", "10000000000000000000"}},
    {"integer_uint64_max",
     R"({"type":"integer","minimum":18446744073709551615})",
     {"18446744073709551615"},
     {"18446744073709551614", "0"}},
    {"integer_fractional_bounds",
     R"({"type":"integer","minimum":1.5,"maximum":3.5})",
     {"2", "3"},
     {"1", "4"}},
    {"integer_minimum_only_large",
     R"({"type":"integer","minimum":1000})",
     {"1000", "5000", "1234567890123456"},
     {"999", "-1000", "12345678901234567"}},
    {"integer_vast_float_bounds",
     R"({"type":"integer","minimum":-1e300,"maximum":1e300})",
     {"0", "-5", "1234567890123456"},
     {"1.5", "12345678901234567"}},
    // ---- number ranges ----
    {"number_unit_interval",
     R"({"type":"number","minimum":0,"maximum":1})",
     {"0", "1", "0.5", "1.0", "0.999", "1.000"},
     {"1.5", "-0.1", "2", "1.01", "1e0"}},
    {"number_non_negative",
     R"({"type":"number","minimum":0})",
     {"0", "3.5", "100"},
     {"-1", "-0.5"}},
    {"number_symmetric_range",
     R"({"type":"number","minimum":-10,"maximum":10})",
     {"-10", "-9.99", "10.00", "3", "0.25", "-0"},
     {"-10.5", "10.1", "11", "-11"}},
    {"number_negative_range",
     R"({"type":"number","minimum":-5,"maximum":-2})",
     {"-2", "-3.5", "-5", "-5.0", "-2.0"},
     {"-1.99", "-5.01", "0", "-6"}},
    {"number_inferred_from_bounds", R"({"maximum":3})", {"3", "-2.5", "0"}, {"3.5", "\"3\""}},
};

bool matches(const std::shared_ptr<const Grammar>& grammar, const std::string& text) {
  Matcher matcher(grammar);
  return matcher.accept(text) && matcher.is_complete();
}

TEST(JsonSchemaGbnf, TableHasEnoughSchemas) {
  EXPECT_GE(kCases.size(), 60u);
}

TEST(JsonSchemaGbnf, SchemasAcceptValidAndRefuseInvalidInstances) {
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.name);
    std::string gbnf;
    ASSERT_NO_THROW(gbnf = json_schema_gbnf(ordered_json::parse(c.schema))) << c.schema;
    SCOPED_TRACE(gbnf);
    std::shared_ptr<const Grammar> grammar;
    ASSERT_NO_THROW(grammar = compile_gbnf(gbnf));
    for (const std::string& text : c.valid) {
      // The instances themselves must be JSON, or the case tests nothing.
      EXPECT_TRUE(ordered_json::accept(text)) << "not JSON: " << text;
      EXPECT_TRUE(matches(grammar, text)) << "refused valid: " << text;
    }
    for (const std::string& text : c.invalid) {
      EXPECT_FALSE(matches(grammar, text)) << "accepted invalid: " << text;
    }
  }
}

// A message from json_schema_gbnf, or "" when it does not throw.
std::string error_of(const char* schema) {
  try {
    json_schema_gbnf(ordered_json::parse(schema));
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(JsonSchemaGbnf, UnsupportedKeywordsAreNamed) {
  struct Refusal {
    const char* schema;
    std::vector<const char*> named;
  };
  const std::vector<Refusal> refusals = {
      {R"({"not":{"type":"null"}})", {"not"}},
      {R"({"type":"array","uniqueItems":true})", {"uniqueItems"}},
      {R"({"if":{"type":"string"},"then":{"minLength":1},"else":{"type":"null"}})",
       {"if", "then", "else"}},
      {R"({"type":"object","patternProperties":{"^x":{}}})", {"patternProperties"}},
      {R"({"type":"object","dependentRequired":{"a":["b"]}})", {"dependentRequired"}},
      {R"({"type":"number","multipleOf":3})", {"multipleOf"}},
      {R"({"type":"object","minProperties":1,"maxProperties":3})",
       {"minProperties", "maxProperties"}},
      {R"({"type":"array","contains":{"type":"integer"}})", {"contains"}},
      {R"({"type":"object","propertyNames":{"pattern":"^a"}})", {"propertyNames"}},
      {R"({"type":"object","unevaluatedProperties":false})", {"unevaluatedProperties"}},
      {R"({"$ref":"https://example.com/schema.json"})",
       {"$ref", "https://example.com/schema.json"}},
      {R"({"$ref":"other.json#/$defs/x"})", {"$ref", "other.json"}},
      // Found anywhere: nested properties, items, branches and unused definitions.
      {R"({"type":"object","properties":{"a":{"type":"array","items":{"uniqueItems":true}},"b":{"anyOf":[{"not":{}}]}},"$defs":{"unused":{"multipleOf":2}}})",
       {"uniqueItems", "not", "multipleOf"}},
  };
  for (const Refusal& r : refusals) {
    SCOPED_TRACE(r.schema);
    std::string message = error_of(r.schema);
    EXPECT_EQ(message.rfind("unsupported JSON schema", 0), 0u) << message;
    for (const char* keyword : r.named) {
      EXPECT_NE(message.find(keyword), std::string::npos) << keyword << " not in: " << message;
    }
  }
  // A property merely called like a keyword is no keyword.
  EXPECT_EQ(error_of(R"({"type":"object","properties":{"not":{"type":"integer"},"if":{}}})"), "");
}

TEST(JsonSchemaGbnf, ConstraintsItCannotEnforceAreRefused) {
  const char* schemas[] = {
      R"({"type":"number","exclusiveMinimum":0})",
      R"({"type":"number","minimum":0.5})",
      R"({"type":"number","maximum":2.25})",
      R"({"type":"string","pattern":"^(a)\\1$"})",
      R"({"type":"string","pattern":"^(?=a)a$"})",
      R"({"type":"string","pattern":"\\bword"})",
      R"j({"type":"string","pattern":"a(^b)"})j",
      R"({"type":"string","pattern":"\\p{L}"})",
      R"({"type":"string","pattern":"^a$","maxLength":3})",
      R"({"type":"string","format":"date","minLength":3})",
      R"({"type":"string","maxLength":1000000000})",
      R"({"type":"array","minItems":100000})",
      R"({"anyOf":[{"type":"string"}],"oneOf":[{"type":"string"}]})",
      R"({"allOf":[{"type":"string","pattern":"a"},{"pattern":"b"}]})",
  };
  for (const char* schema : schemas) {
    SCOPED_TRACE(schema);
    std::string message = error_of(schema);
    EXPECT_EQ(message.rfind("unsupported JSON schema", 0), 0u) << message;
  }
}

TEST(JsonSchemaGbnf, InvalidSchemasSayWhat) {
  struct Invalid {
    const char* schema;
    const char* says;
  };
  const Invalid invalid[] = {
      {R"({"type":"strng"})", "unknown type \"strng\""},
      {R"({"type":["string",3]})", "unknown type 3"},
      {R"({"type":"array","minItems":3,"maxItems":2})", "minItems 3 > maxItems 2"},
      {R"({"type":"string","minLength":5,"maxLength":2})", "minLength/maxLength"},
      {R"({"$ref":"#/$defs/missing"})", "$ref \"#/$defs/missing\" does not resolve"},
      {R"({"type":"integer","minimum":5,"maximum":4})", "no integer lies between 5 and 4"},
      {R"({"type":"array","prefixItems":[{}],"items":false,"minItems":2})", "minItems 2 exceeds"},
      {R"({"enum":[]})", "enum"},
      {R"({"type":"object","properties":{"a":false},"required":["a"]})", "required property a"},
      {"false", "admits no value"},
      {"3", "not an object or boolean"},
  };
  for (const Invalid& i : invalid) {
    SCOPED_TRACE(i.schema);
    std::string message = error_of(i.schema);
    EXPECT_NE(message.find(i.says), std::string::npos) << message;
  }
}

TEST(JsonSchemaGbnf, PropertiesFollowTheRequestOrder) {
  const char* schema =
      R"({"type":"object","properties":{"zeta":{"type":"integer"},"alpha":{"type":"integer"},"mid":{"type":"integer"}},"required":["zeta","alpha","mid"]})";
  std::string gbnf = json_schema_gbnf(ordered_json::parse(schema));
  size_t zeta = gbnf.find(R"(\"zeta\")"), alpha = gbnf.find(R"(\"alpha\")"),
         mid = gbnf.find(R"(\"mid\")");
  ASSERT_NE(zeta, std::string::npos);
  ASSERT_NE(alpha, std::string::npos);
  ASSERT_NE(mid, std::string::npos);
  EXPECT_LT(zeta, alpha);
  EXPECT_LT(alpha, mid);
  auto grammar = compile_gbnf(gbnf);
  EXPECT_TRUE(matches(grammar, R"({"zeta":1,"alpha":2,"mid":3})"));
  EXPECT_FALSE(matches(grammar, R"({"alpha":2,"mid":3,"zeta":1})"));

  // A sorted nlohmann::json has lost the order: its properties come out alphabetically.
  auto sorted = compile_gbnf(json_schema_gbnf(nlohmann::json::parse(schema)));
  EXPECT_TRUE(matches(sorted, R"({"alpha":2,"mid":3,"zeta":1})"));
  EXPECT_FALSE(matches(sorted, R"({"zeta":1,"alpha":2,"mid":3})"));
}

TEST(JsonSchemaGbnf, JsonObjectGrammar) {
  auto grammar = compile_gbnf(json_object_gbnf());
  EXPECT_TRUE(matches(grammar, "{}"));
  EXPECT_TRUE(matches(grammar, R"({"a":[1,{"b":null}],"c":"d"})"));
  EXPECT_TRUE(matches(grammar, "{\n  \"a\": 1\n}"));
  EXPECT_FALSE(matches(grammar, "[]"));
  EXPECT_FALSE(matches(grammar, "1"));
  EXPECT_FALSE(matches(grammar, " {}"));
  EXPECT_FALSE(matches(grammar, "{} "));
  // Complete at the closing brace, and nothing may follow: generation can stop there.
  Matcher matcher(grammar);
  EXPECT_TRUE(matcher.accept(R"({"a":1})"));
  EXPECT_TRUE(matcher.is_complete());
  EXPECT_FALSE(matcher.can_continue());
}

TEST(JsonSchemaGbnf, ManyOptionalPropertiesStayLinear) {
  ordered_json schema = {{"type", "object"}, {"properties", ordered_json::object()}};
  for (int i = 0; i < 400; ++i) {
    schema["properties"]["p" + std::to_string(i)] = {{"type", "integer"}};
  }
  schema["required"] = {"p399"};
  std::string gbnf = json_schema_gbnf(schema);
  // About a hundred bytes per property; a quadratic construction would need megabytes.
  EXPECT_LT(gbnf.size(), 400u * 200u);
  auto grammar = compile_gbnf(gbnf);
  EXPECT_TRUE(matches(grammar, R"({"p0":1,"p17":2,"p399":3})"));
  EXPECT_TRUE(matches(grammar, R"({"p399":3})"));
  EXPECT_FALSE(matches(grammar, R"({"p17":2,"p0":1,"p399":3})"));
  EXPECT_FALSE(matches(grammar, R"({"p0":1})"));
}

TEST(JsonSchemaGbnf, LongTuplesAndDeepSchemas) {
  ordered_json tuple = {{"type", "array"}, {"prefixItems", ordered_json::array()}};
  std::string instance = "[";
  for (int i = 0; i < 500; ++i) {
    tuple["prefixItems"].push_back({{"const", i}});
    instance += (i ? "," : "") + std::to_string(i);
  }
  auto grammar = compile_gbnf(json_schema_gbnf(tuple));
  EXPECT_TRUE(matches(grammar, instance + "]"));
  EXPECT_TRUE(matches(grammar, "[0,1,2]"));
  EXPECT_FALSE(matches(grammar, instance + ",500]"));
  EXPECT_FALSE(matches(grammar, "[0,2]"));

  std::string deep = R"({"type":"integer"})";
  for (int i = 0; i < 150; ++i) deep = R"({"type":"array","items":)" + deep + "}";
  std::string message = error_of(deep.c_str());
  EXPECT_NE(message.find("nested deeper than"), std::string::npos) << message;
  std::string shallow = R"({"type":"integer"})";
  for (int i = 0; i < 50; ++i) shallow = R"({"type":"array","items":)" + shallow + "}";
  EXPECT_EQ(error_of(shallow.c_str()), "");
}

}  // namespace
}  // namespace slimllm::grammar

namespace slimllm::grammar {
namespace {

TEST(JsonSchemaGbnf, PatternGroupsNestedPastTheLimitAreRefused) {
  const std::string deep = std::string(100000, '(') + "a" + std::string(100000, ')');
  const std::string message =
      error_of(ordered_json({{"type", "string"}, {"pattern", deep}}).dump().c_str());
  EXPECT_NE(message.find("groups nested more than 100 deep"), std::string::npos) << message;
  // The error quotes the pattern's start, not its megabytes.
  EXPECT_LT(message.size(), 300u) << message;
  const std::string inside = std::string(100, '(') + "a" + std::string(100, ')');
  EXPECT_EQ(error_of(ordered_json({{"type", "string"}, {"pattern", inside}}).dump().c_str()), "");
}

}  // namespace
}  // namespace slimllm::grammar
