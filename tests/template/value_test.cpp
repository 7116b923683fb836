#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "template/template.h"
#include "template/tool_values.h"
#include "template/value.h"

namespace slimllm {
namespace {

using tmpl::append_go_json_string;
using tmpl::go_format_float;
using tmpl::go_json_float;

TEST(GoValues, FloatsPrintLikeFmt) {
  EXPECT_EQ(go_format_float(1.0), "1");
  EXPECT_EQ(go_format_float(0.1), "0.1");
  EXPECT_EQ(go_format_float(123456.0), "123456");
  EXPECT_EQ(go_format_float(1e6), "1e+06");
  EXPECT_EQ(go_format_float(1234567.0), "1.234567e+06");
  EXPECT_EQ(go_format_float(0.0001), "0.0001");
  EXPECT_EQ(go_format_float(0.00001), "1e-05");
  EXPECT_EQ(go_format_float(-2.5), "-2.5");
  EXPECT_EQ(go_format_float(1e100), "1e+100");
}

TEST(GoValues, FloatsEncodeLikeEncodingJson) {
  EXPECT_EQ(go_json_float(1e6), "1000000");
  EXPECT_EQ(go_json_float(100), "100");
  EXPECT_EQ(go_json_float(0.5), "0.5");
  EXPECT_EQ(go_json_float(1e21), "1e+21");
  EXPECT_EQ(go_json_float(1e-7), "1e-7");
  EXPECT_EQ(go_json_float(0.000001), "0.000001");
}

TEST(GoValues, JsonStringsEscapeLikeGo) {
  std::string out;
  append_go_json_string(out, "a<b>&\"\\\n\t\x01\b\f\xE2\x80\xA8 \xFF \xC3\xA9");
  EXPECT_EQ(out, R"("a\u003cb\u003e\u0026\"\\\n\t\u0001\b\f\u2028 \ufffd é")");
}

TEST(GoValues, ToolsPrintAsOllamaMarshalsThem) {
  auto tool = nlohmann::ordered_json::parse(R"({
    "function": {"parameters": {"properties": {
        "q": {"description": "query", "type": ["string", "null"], "enum": ["a", 1]},
        "n": {"anyOf": [{"type": "integer"}, {"type": "null"}]},
        "o": {"type": "object", "properties": {"x": {"type": "boolean"}}},
        "l": {"type": "array", "items": {"type": "string", "b": 1, "a": 2}}},
      "required": ["q"], "type": "object", "extra": true},
      "description": "", "name": "search", "unknown": 1},
    "type": "function"})");
  Value v = tool_value(tool);
  EXPECT_EQ(v.to_string(),
            R"({"type":"function","function":{"name":"search","parameters":{"type":"object",)"
            R"("required":["q"],"properties":{"q":{"type":["string","null"],"description":"query",)"
            R"("enum":["a",1]},"n":{"anyOf":[{"type":"integer"},{"type":"null"}]},)"
            R"("o":{"type":"object","properties":{"x":{"type":"boolean"}}},)"
            R"("l":{"type":"array","items":{"a":2,"b":1,"type":"string"}}}}}})");
  Template t = Template::parse(
      "{{ .Function.Name }}|{{ .Function.Description }}|{{ .Function.Parameters.Required }}|"
      "{{ range $k, $p := .Function.Parameters.Properties }}{{ $k }}:{{ toTypeScriptType $p }};"
      "{{ end }}");
  EXPECT_EQ(t.render(v),
            "search||[q]|q:string | null;n:number | null;o:Record<string, any>;"
            "l:any[];");
  Value bare = tool_value(nlohmann::ordered_json::parse(R"({"type":"function"})"));
  EXPECT_EQ(
      bare.to_string(),
      R"({"type":"function","function":{"name":"","parameters":{"type":"","properties":null}}})");
}

}  // namespace
}  // namespace slimllm
