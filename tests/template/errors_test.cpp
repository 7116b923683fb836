// Bad templates and bad calls fail with an Error naming the line, the column and the problem.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "base/error.h"
#include "template/template.h"

namespace slimllm {
namespace {

using ::testing::HasSubstr;

std::string parse_error(const std::string& text) {
  try {
    Template::parse(text);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

std::string render_error(const std::string& text, const char* data = "{}",
                         tmpl::RenderLimits limits = {}) {
  Template t = Template::parse(text);
  try {
    t.render(nlohmann::ordered_json::parse(data), limits);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(TemplateErrors, UnclosedAction) {
  EXPECT_THAT(parse_error("a\nb {{ .x"), HasSubstr("line 2, column 3: unclosed action"));
}

TEST(TemplateErrors, UnclosedComment) {
  EXPECT_THAT(parse_error("{{/* x"), HasSubstr("line 1, column 1: unclosed comment"));
}

TEST(TemplateErrors, UnknownFunction) {
  EXPECT_THAT(parse_error("x\n  {{ foo 1 }}"),
              HasSubstr("line 2, column 6: function \"foo\" not defined"));
}

TEST(TemplateErrors, UndefinedVariable) {
  EXPECT_THAT(parse_error("{{ $x }}"), HasSubstr("line 1, column 4: undefined variable \"$x\""));
  EXPECT_THAT(parse_error("{{ if true }}{{ $y := 1 }}{{ end }}{{ $y }}"),
              HasSubstr("undefined variable \"$y\""));
}

TEST(TemplateErrors, WrongArgumentCounts) {
  EXPECT_THAT(render_error("{{ len 1 2 }}"),
              HasSubstr("line 1, column 4: wrong number of args for len: want 1 got 2"));
  EXPECT_THAT(render_error("\n{{ not }}"),
              HasSubstr("line 2, column 4: wrong number of args for not: want 1 got 0"));
  EXPECT_THAT(render_error("{{ 1 | index }}"), HasSubstr("no error"));  // index 1: the item itself
  EXPECT_THAT(render_error("{{ printf }}"),
              HasSubstr("wrong number of args for printf: want at least 1 got 0"));
  EXPECT_THAT(render_error("{{ .x | len 1 }}", R"({"x":"a"})"),
              HasSubstr("wrong number of args for len: want 1 got 2"));
}

TEST(TemplateErrors, IndexAndSliceOutOfRange) {
  EXPECT_THAT(render_error("{{ index .l 5 }}", R"({"l":[1]})"),
              HasSubstr("line 1, column 4: error calling index: index out of range: 5"));
  EXPECT_THAT(render_error("{{ index .l -1 }}", R"({"l":[1]})"),
              HasSubstr("index out of range: -1"));
  EXPECT_THAT(render_error("{{ slice .s 2 9 }}", R"({"s":"abc"})"),
              HasSubstr("error calling slice: index out of range: 9"));
  EXPECT_THAT(render_error("{{ slice .s 2 1 }}", R"({"s":"abc"})"),
              HasSubstr("invalid slice index: 2 > 1"));
  EXPECT_THAT(render_error("{{ index .missing 0 }}"), HasSubstr("index of untyped nil"));
  EXPECT_THAT(render_error("{{ len 3 }}"), HasSubstr("len of type int"));
}

TEST(TemplateErrors, Comparisons) {
  EXPECT_THAT(render_error("{{ eq 1 1.0 }}"), HasSubstr("incompatible types for comparison"));
  EXPECT_THAT(render_error("{{ lt true false }}"), HasSubstr("invalid type for comparison"));
  EXPECT_THAT(render_error("{{ eq .l .l }}", R"({"l":[1]})"), HasSubstr("non-comparable type"));
}

TEST(TemplateErrors, StructureMistakes) {
  EXPECT_THAT(parse_error("{{ if true }}x"), HasSubstr("unexpected EOF"));
  EXPECT_THAT(parse_error("x{{ end }}"), HasSubstr("line 1, column 2: unexpected {{end}}"));
  EXPECT_THAT(parse_error("{{ else }}"), HasSubstr("unexpected {{else}}"));
  EXPECT_THAT(parse_error("{{ break }}"), HasSubstr("{{break}} outside {{range}}"));
  EXPECT_THAT(parse_error("{{ range .l }}{{ else }}{{ continue }}{{ end }}"),
              HasSubstr("{{continue}} outside {{range}}"));
  EXPECT_THAT(parse_error("{{ }}"), HasSubstr("missing value for command"));
  EXPECT_THAT(parse_error("{{ .x | 1 }}"), HasSubstr("non executable command in pipeline stage 2"));
  EXPECT_THAT(parse_error("{{ \"abc }}"), HasSubstr("unterminated quoted string"));
  EXPECT_THAT(parse_error("{{ 0x }}"), HasSubstr("illegal number syntax"));
  EXPECT_THAT(parse_error("{{ 99999999999999999999 }}"), HasSubstr("overflows int"));
  EXPECT_THAT(parse_error("{{ (1 }}"), HasSubstr("unexpected"));
  EXPECT_THAT(parse_error("{{ .x.y\"a\" }}"), HasSubstr("bad character"));
  EXPECT_THAT(parse_error("{{ % }}"), HasSubstr("unrecognized character in action"));
  EXPECT_THAT(parse_error("{{ 1.x }}"), HasSubstr("line 1, column 4"));
  EXPECT_THAT(parse_error("{{ template .x }}"), HasSubstr("unexpected"));
  EXPECT_THAT(parse_error("{{ if true }}{{ define \"x\" }}{{ end }}{{ end }}"),
              HasSubstr("unexpected <define>"));
}

TEST(TemplateErrors, DeepNestingIsRefused) {
  std::string text = "{{ " + std::string(300, '(') + "1" + std::string(300, ')') + " }}";
  EXPECT_THAT(parse_error(text), HasSubstr("nests too deeply"));
  std::string ifs;
  for (int i = 0; i < 300; ++i) ifs += "{{ if true }}";
  EXPECT_THAT(parse_error(ifs), HasSubstr("nests too deeply"));
}

TEST(TemplateErrors, RenderMistakes) {
  EXPECT_THAT(render_error("{{ template \"nope\" }}"), HasSubstr("no such template \"nope\""));
  EXPECT_THAT(render_error("{{ .s.x }}", R"({"s":"str"})"),
              HasSubstr("can't evaluate field x in type string"));
  EXPECT_THAT(render_error("{{ call .f }}"), HasSubstr("error calling call: call of nil"));
  EXPECT_THAT(render_error("{{ .x 1 }}", R"({"x":1})"),
              HasSubstr("x is not a method but has arguments"));
  EXPECT_THAT(render_error("{{ range .s }}{{ end }}", R"({"s":"abc"})"),
              HasSubstr("range can't iterate over abc"));
}

TEST(TemplateErrors, RecursionIsBounded) {
  EXPECT_THAT(
      render_error("{{ define \"r\" }}x{{ template \"r\" . }}{{ end }}{{ template \"r\" }}"),
      HasSubstr("exceeded maximum template depth (100)"));
}

TEST(TemplateErrors, NestingAcrossTemplateCallsIsBounded) {
  std::string open, close;
  for (int i = 0; i < 20; ++i) open += "{{ if true }}", close += "{{ end }}";
  std::string text = "{{ define \"r\" }}" + open + "{{ template \"r\" }}" + close +
                     "{{ end }}{{ template \"r\" }}";
  EXPECT_THAT(render_error(text), HasSubstr("template nesting exceeds 1000 levels"));
}

TEST(TemplateErrors, RunawayLoopsAreBounded) {
  tmpl::RenderLimits limits;
  limits.max_steps = 10000;
  EXPECT_THAT(render_error("{{ range 100000000 }}{{ end }}", "{}", limits),
              HasSubstr("execution exceeded 10000 steps"));
  limits = {};
  limits.max_output = 100;
  EXPECT_THAT(render_error("{{ range 1000 }}abc{{ end }}", "{}", limits),
              HasSubstr("output exceeds 100 bytes"));
}

}  // namespace
}  // namespace slimllm

namespace slimllm {
namespace {

// The server answers TemplateError with 400: parse and render errors must all be of that type.
TEST(TemplateErrors, ParseAndRenderErrorsAreTemplateErrors) {
  EXPECT_THROW(Template::parse("{{ if }}"), TemplateError);
  EXPECT_THROW(Template::parse("{{ .x"), TemplateError);
  const Template calls_missing = Template::parse("{{ len 3 }}");
  EXPECT_THROW(calls_missing.render(nlohmann::ordered_json::object()), TemplateError);
  const Template loops = Template::parse("{{ range .x }}{{ . }}{{ end }}");
  tmpl::RenderLimits tiny;
  tiny.max_output = 4;
  EXPECT_THROW(loops.render(nlohmann::ordered_json{{"x", {1, 2, 3, 4, 5, 6}}}, tiny),
               TemplateError);
}

}  // namespace
}  // namespace slimllm
