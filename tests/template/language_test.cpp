// Language coverage: small templates with data and the output Go's text/template gives.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "template/template.h"

namespace slimllm {
namespace {

struct Case {
  const char* name;
  const char* text;
  const char* data;  // JSON
  const char* expected;
};

const Case kCases[] = {
    {"plain_text", "hello", "{}", "hello"},
    {"trim_both", "a  {{- 1 -}}  b", "{}", "a1b"},
    {"trim_newlines", "a\n\n{{- .x }}\n", R"({"x":"X"})", "aX\n"},
    {"dash_without_space_is_a_number", "{{-3}}", "{}", "-3"},
    {"comment", "a {{/* c */}} b", "{}", "a  b"},
    {"trimmed_comment", "a {{- /* c */ -}} b", "{}", "ab"},
    {"field_chain", "{{ .a.b.c }}", R"({"a":{"b":{"c":"deep"}}})", "deep"},
    {"missing_key_is_no_value", "{{ .missing }}", "{}", "<no value>"},
    {"missing_nested_key", "{{ .a.missing }}", R"({"a":{}})", "<no value>"},
    {"null_is_no_value", "{{ .n }}", R"({"n":null})", "<no value>"},
    {"variable_declare_assign", "{{ $x := 1 }}{{ $x }}{{ $x = 2 }}{{ $x }}", "{}", "12"},
    {"variable_scoped_in_if",
     R"({{ $x := "outer" }}{{ if true }}{{ $x := "inner" }}{{ $x }}{{ end }}{{ $x }})", "{}",
     "innerouter"},
    {"assignment_reaches_outer_scope", "{{ $x := 1 }}{{ if true }}{{ $x = 2 }}{{ end }}{{ $x }}",
     "{}", "2"},
    {"range_index_value", "{{ range $i, $v := .l }}{{ $i }}={{ $v }};{{ end }}",
     R"({"l":["a","b"]})", "0=a;1=b;"},
    {"range_single_variable", "{{ range $x := .l }}{{ $x }}{{ end }}", R"({"l":["a","b"]})", "ab"},
    {"range_else", "{{ range .l }}x{{ else }}empty{{ end }}", R"({"l":[]})", "empty"},
    {"range_nil_else", "{{ range .missing }}x{{ else }}none{{ end }}", "{}", "none"},
    {"range_map_sorted", "{{ range $k, $v := .m }}{{ $k }}:{{ $v }},{{ end }}",
     R"({"m":{"b":2,"a":1}})", "a:1,b:2,"},
    {"nested_range_break",
     "{{ range $i, $r := .rows }}[{{ range $r }}{{ if eq . 3 }}{{ break }}{{ end }}{{ . }}{{ end "
     "}}]"
     "{{ end }}",
     R"({"rows":[[1,2,3,4],[3,5]]})", "[12][]"},
    {"range_continue", "{{ range .l }}{{ if eq . 2 }}{{ continue }}{{ end }}{{ . }}{{ end }}",
     R"({"l":[1,2,3]})", "13"},
    {"range_over_int", "{{ range 3 }}{{ . }}{{ end }}", "{}", "012"},
    {"range_assigns_outer_variable",
     R"({{ $last := "" }}{{ range .l }}{{ $last = . }}{{ end }}{{ $last }})", R"({"l":["a","b"]})",
     "b"},
    {"range_body_variable_dropped_each_iteration", "{{ range .l }}{{ $y := . }}{{ $y }}{{ end }}",
     R"({"l":[1,2]})", "12"},
    {"with_else",
     "{{ with .a }}A={{ . }}{{ else }}none{{ end }}|{{ with .b }}B{{ else }}noB{{ end }}",
     R"({"a":"x","b":""})", "A=x|noB"},
    {"else_with_chain", "{{ with .a }}a{{ else with .b }}b={{ . }}{{ else }}c{{ end }}",
     R"({"b":5})", "b=5"},
    {"if_else_if_else", "{{ if .a }}A{{ else if .b }}B{{ else }}C{{ end }}", R"({"b":1})", "B"},
    {"truthiness",
     R"({{ if 0 }}t{{ else }}f{{ end }}{{ if 0.0 }}t{{ else }}f{{ end }}{{ if "" }}t{{ else }}f{{ end }})"
     "{{ if .l }}t{{ else }}f{{ end }}{{ if .m }}t{{ else }}f{{ end }}{{ if .z }}t{{ else }}f{{ "
     "end }}",
     R"({"l":[],"m":{},"z":[0]})", "ffffft"},
    {"and_or_values", R"({{ and 1 0 2 }} {{ or 0 "" "x" }} {{ and 1 2 }} {{ or 0 false }})", "{}",
     "0 x 2 false"},
    {"and_is_lazy", "{{ and false (index .l 5) }}", R"({"l":[]})", "false"},
    {"not", "{{ not .a }} {{ not 1 }}", "{}", "true false"},
    {"comparisons_across_number_kinds",
     R"({{ eq 1 1 }} {{ lt 1 2 }} {{ eq .i 3 }} {{ eq .f 2.5 }} {{ gt .f 2.0 }} {{ le "a" "b" }} {{ ne .s "x" }} {{ eq 3 1 2 3 }} {{ ge .i 3 }} {{ lt -1 .u }})",
     R"({"i":3,"f":2.5,"s":"y","u":18446744073709551615})",
     "true true true true true true true true true true"},
    {"eq_nil_is_false", R"({{ eq .missing "x" }})", "{}", "false"},
    {"index_slices_maps_strings",
     R"({{ index .l 1 }} {{ index .m "k" }} {{ index .n 1 0 }} {{ index "abc" 1 }})",
     R"({"l":["a","b"],"m":{"k":"v"},"n":[[1],[2,3]]})", "b v 2 98"},
    {"index_missing_map_key", R"({{ index .m "nope" }})", R"({"m":{}})", "<no value>"},
    {"slice_strings_and_lists",
     "{{ slice .s 1 3 }} {{ slice .l 1 }} {{ slice .l 0 1 }} {{ len (slice .l 1) }} {{ slice .s }} "
     "{{ slice .l 0 1 2 }}",
     R"({"s":"hello","l":["a","b","c"]})", "el [b c] [a] 2 hello [a]"},
    {"len", R"({{ len .s }} {{ len .l }} {{ len .m }} {{ len "héllo" }})",
     R"({"s":"abc","l":[1,2],"m":{"a":1}})", "3 2 1 6"},
    {"printf_integer_verbs",
     R"({{ printf "%d|%5d|%-5d|%05d|%x|%X|%o|%b|%c|%q|%+d|%#x" 42 42 42 42 255 255 8 5 65 "hi" 7 255 }})",
     "{}", "42|   42|42   |00042|ff|FF|10|101|A|\"hi\"|+7|0xff"},
    {"printf_float_string_verbs",
     R"({{ printf "%.2f|%e|%g|%v|%s|%t|%v|%8.3f|%6s|%-4s|%.1s" 3.14159 1234.5 0.000001 1.5 "s" true .l 2.5 "ab" "c" "xyz" }})",
     R"({"l":[1,2]})", "3.14|1.234500e+03|1e-06|1.5|s|true|[1 2]|   2.500|    ab|c   |x"},
    {"printf_bad_arguments",
     R"({{ printf "%d %s" "x" }}|{{ printf "%d" 1 2 }}|{{ printf "%z" 1 }}|{{ printf "100%%" }})",
     "{}", "%!d(string=x) %!s(MISSING)|1%!(EXTRA int=2)|%!z(int=1)|100%"},
    {"print_and_println", R"({{ print 1 2 "a" "b" 3 }}|{{ println "x" 1 }})", "{}", "1 2ab3|x 1\n"},
    {"go_value_printing", "{{ .f }} {{ .big }} {{ .small }} {{ .i }} {{ .b }} {{ .l }} {{ .m }}",
     R"({"f":2.5,"big":1e6,"small":0.00001,"i":7,"b":true,"l":["a",1,true],"m":{"b":1,"a":"x"}})",
     "2.5 1e+06 1e-05 7 true [a 1 true] map[a:x b:1]"},
    {"json_escapes_html_like_go", "{{ json .v }}",
     R"({"v":{"b":"<a&b>","a":[1,2.5,"x",null,false]}})",
     R"({"a":[1,2.5,"x",null,false],"b":"\u003ca\u0026b\u003e"})"},
    {"json_string", R"({{ json "he said \"hi\"\n" }})", "{}", R"("he said \"hi\"\n")"},
    {"html_js_urlquery",
     R"({{ html "<a href='x'>&\"" }}|{{ js "it's <b>" }}|{{ urlquery "a b&c=d/é" }})", "{}",
     R"(&lt;a href=&#39;x&#39;&gt;&amp;&#34;|it\'s \u003Cb\u003E|a+b%26c%3Dd%2F%C3%A9)"},
    {"pipelines", R"({{ .s | printf "%s!" }} {{ "x" | printf "%s%s" "y" }})", R"({"s":"hi"})",
     "hi! yx"},
    {"parenthesised_call_in_pipeline", R"({{ len (slice .l 1) | printf "%d" }})",
     R"({"l":["a","b","c"]})", "2"},
    {"field_of_parenthesised_value", "{{ (index .l 0).name }}", R"({"l":[{"name":"n"}]})", "n"},
    {"define_and_template",
     R"({{ define "t" }}[{{ . }}]{{ end }}{{ template "t" "x" }}{{ template "t" .v }})",
     R"({"v":1})", "[x][1]"},
    {"block", R"({{ block "b" .v }}<{{ . }}>{{ end }})", R"({"v":2})", "<2>"},
    {"dollar_is_the_root", "{{ range .l }}{{ $.p }}{{ . }}{{ end }}", R"({"l":[1,2],"p":"-"})",
     "-1-2"},
    {"number_syntaxes", "{{ 'a' }} {{ 0x10 }} {{ 1_000 }} {{ 1e3 }} {{ -5 }} {{ 0o17 }} {{ 1.0 }}",
     "{}", "97 16 1000 1000 -5 15 1"},
    {"raw_string", "{{ `a\\nb` }}", "{}", "a\\nb"},
    {"string_escapes", R"({{ "tab\there\u00e9" }})", "{}", "tab\there\xC3\xA9"},
    {"function_as_argument", R"({{ printf "%T" (len "ab") }})", "{}", "int"},
    {"multiline_action", "{{ if\n  eq .a\n  1 }}one{{ end }}", R"({"a":1})", "one"},
};

class LanguageTest : public ::testing::TestWithParam<Case> {};

TEST_P(LanguageTest, RendersLikeGo) {
  const Case& c = GetParam();
  Template t = Template::parse(c.text);
  EXPECT_EQ(t.render(nlohmann::ordered_json::parse(c.data)), c.expected) << c.text;
}

INSTANTIATE_TEST_SUITE_P(Cases, LanguageTest, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(LanguageTest, RenderingIsRepeatable) {
  Template t = Template::parse("{{ range .l }}{{ . }}{{ end }}");
  auto data = nlohmann::ordered_json::parse(R"({"l":[1,2]})");
  EXPECT_EQ(t.render(data), "12");
  EXPECT_EQ(t.render(data), "12");
  Template copy = t;
  EXPECT_EQ(copy.render(data), "12");
}

TEST(LanguageTest, ConcurrentRendersShareOneTemplate) {
  const Template t = Template::parse("{{ range $i, $x := .l }}{{ $i }}{{ $x }}{{ end }}");
  std::vector<std::thread> threads;
  std::vector<std::string> results(4);
  for (size_t k = 0; k < results.size(); ++k) {
    threads.emplace_back([&, k] {
      auto data = nlohmann::ordered_json::parse(R"({"l":["a","b","c"]})");
      for (int n = 0; n < 200; ++n) results[k] = t.render(data);
    });
  }
  for (auto& th : threads) th.join();
  for (const auto& r : results) EXPECT_EQ(r, "0a1b2c");
}

TEST(LanguageTest, DatesAreIsoDays) {
  Template t = Template::parse("{{ currentDate }} {{ yesterdayDate }}");
  std::string out = t.render(nlohmann::ordered_json::object());
  EXPECT_TRUE(std::regex_match(out, std::regex(R"(\d{4}-\d{2}-\d{2} \d{4}-\d{2}-\d{2})"))) << out;
  EXPECT_NE(out.substr(0, 10), out.substr(11));
}

TEST(LanguageTest, VarsAreTheReferencedFieldNames) {
  Template t =
      Template::parse("{{ range .Messages }}{{ .Content }}{{ end }}{{ $.Tools }}{{ (.X).Y }}");
  EXPECT_EQ(t.vars(), (std::set<std::string>{"messages", "content", "tools", "x", "y"}));
}

}  // namespace
}  // namespace slimllm
