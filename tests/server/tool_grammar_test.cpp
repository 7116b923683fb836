// Tool calls in the formats real templates teach (Ollama's llama3.2 and qwen2.5 library
// templates): the parser reads them whole, byte by byte and after content, leaves malformed ones
// as content, and the grammar that forces a call admits exactly what the parser reads back.
#include "server/tool_grammar.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "base/error.h"
#include "grammar/grammar.h"
#include "grammar/matcher.h"
#include "template/template.h"
#include "template/tool_calls.h"

namespace slimllm {
namespace {

std::string read_template(const std::string& name) {
  std::ifstream in(std::string(SLIMLLM_DATA) + "/templates/" + name + ".gotmpl");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

const nlohmann::ordered_json kTools = nlohmann::ordered_json::parse(R"([
  {"type":"function","function":{"name":"get_weather","parameters":{"type":"object",
   "properties":{"city":{"type":"string","maxLength":20},"days":{"type":"integer","minimum":1}},
   "required":["city"]}}},
  {"type":"function","function":{"name":"get_time","parameters":{"type":"object",
   "properties":{"zone":{"type":"string","enum":["UTC","CET"]}},"required":["zone"]}}}])");

struct Format {
  const char* name;
  const char* call;   // a call as the template writes one
  const char* wrong;  // the same shape with arguments the schema refuses
};

const Format kFormats[] = {
    {"qwen2.5",
     "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\", \"days\": 2}}\n"
     "</tool_call>",
     "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": 5}}\n</tool_call>"},
    {"llama3.2", "{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\", \"days\": 2}}",
     "{\"name\": \"get_weather\", \"parameters\": {\"days\": 0}}"},
};

void expect_weather_call(const std::vector<ParsedToolCall>& calls, const char* where) {
  ASSERT_EQ(calls.size(), 1u) << where;
  EXPECT_EQ(calls[0].name, "get_weather") << where;
  EXPECT_EQ(calls[0].arguments, nlohmann::ordered_json::parse(R"({"city":"Paris","days":2})"))
      << where;
}

TEST(TemplateToolCalls, ParsedWholeStreamedAndAfterContent) {
  for (const Format& f : kFormats) {
    SCOPED_TRACE(f.name);
    const Template tmpl = Template::parse(read_template(f.name));
    {
      ToolCallParser p = ToolCallParser::for_template(tmpl, kTools);
      std::vector<ParsedToolCall> calls;
      std::string content = p.add(f.call, &calls);
      content += p.finish(&calls);
      EXPECT_EQ(content, "");
      expect_weather_call(calls, "whole");
    }
    {
      ToolCallParser p = ToolCallParser::for_template(tmpl, kTools);
      std::vector<ParsedToolCall> calls;
      std::string content;
      for (const char* c = f.call; *c; ++c) content += p.add(std::string_view(c, 1), &calls);
      content += p.finish(&calls);
      EXPECT_EQ(content, "");
      expect_weather_call(calls, "byte by byte");
    }
    {
      // Malformed JSON after the prefix (or at the start) is content, kept whole.
      const std::string broken = std::string(f.call).substr(0, std::string(f.call).find("city"));
      ParsedOutput out = parse_tool_calls(broken + "oops", tmpl.tool_call_prefix());
      EXPECT_TRUE(out.calls.empty());
      EXPECT_EQ(out.content, broken + "oops");
    }
  }
  // With a tag, text before the call stays content.
  const Template qwen = Template::parse(read_template("qwen2.5"));
  ParsedOutput out = parse_tool_calls(std::string("Let me check. ") + kFormats[0].call,
                                      qwen.tool_call_prefix(), {"get_weather", "get_time"});
  EXPECT_EQ(out.content, "Let me check. ");
  expect_weather_call(out.calls, "after content");
}

TEST(ForcedToolCallGrammar, AdmitsWhatTheParserReadsBack) {
  for (const Format& f : kFormats) {
    SCOPED_TRACE(f.name);
    const std::string text = read_template(f.name);
    const Template tmpl = Template::parse(text);
    const OutputGrammar g = forced_tool_call_grammar(tmpl.tool_call_prefix(), text, kTools, "");
    auto complete = [&](const std::string& output) {
      grammar::Matcher m(grammar::compile_gbnf(g.gbnf, g.root));
      return m.accept(output) && m.is_complete();
    };
    EXPECT_TRUE(complete(f.call));
    EXPECT_FALSE(complete(f.wrong));
    EXPECT_FALSE(complete("I would rather not."));
    // Only the named tool, when one is named.
    const OutputGrammar time_only =
        forced_tool_call_grammar(tmpl.tool_call_prefix(), text, kTools, "get_time");
    grammar::Matcher m(grammar::compile_gbnf(time_only.gbnf, time_only.root));
    EXPECT_FALSE(m.accept(f.call));
  }
}

TEST(ForcedToolCallGrammar, RefusesWhatCannotBeForced) {
  EXPECT_THROW(forced_tool_call_grammar("<tool_call>", "", kTools, "nope"), Error);
  EXPECT_THROW(forced_tool_call_grammar("<tool_call>", "", nlohmann::ordered_json::array(), ""),
               Error);
  const nlohmann::ordered_json odd = nlohmann::ordered_json::parse(R"([{"type":"function",
    "function":{"name":"f","parameters":{"type":"object","not":{"required":["a"]}}}}])");
  try {
    forced_tool_call_grammar("<tool_call>", "", odd, "");
    FAIL() << "an unenforceable schema was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("not"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace slimllm
