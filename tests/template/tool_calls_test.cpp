#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "template/tool_calls.h"

namespace slimllm {
namespace {

const std::vector<std::string> kTools = {"get_weather", "get_time"};

TEST(ToolCalls, TaggedCall) {
  auto out = parse_tool_calls(
      "Let me check. <tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": "
      "\"Paris\", \"unit\": \"c\"}}\n</tool_call>",
      "<tool_call>", kTools);
  EXPECT_EQ(out.content, "Let me check. ");
  ASSERT_EQ(out.calls.size(), 1u);
  EXPECT_EQ(out.calls[0].name, "get_weather");
  EXPECT_EQ(out.calls[0].arguments.dump(), R"({"city":"Paris","unit":"c"})");
}

TEST(ToolCalls, SeveralCallsAndLists) {
  auto out = parse_tool_calls(
      "<tool_call>{\"name\":\"get_weather\",\"arguments\":{}}</tool_call>\n"
      "<tool_call>{\"name\":\"get_time\",\"arguments\":\"{\\\"tz\\\":\\\"UTC\\\"}\"}</tool_call>",
      "<tool_call>", kTools);
  ASSERT_EQ(out.calls.size(), 2u);
  EXPECT_EQ(out.calls[1].name, "get_time");
  EXPECT_EQ(out.calls[1].arguments.dump(), R"({"tz":"UTC"})");
  EXPECT_EQ(out.content, "\n");

  out = parse_tool_calls(
      "[TOOL_CALLS] [{\"name\":\"get_weather\",\"arguments\":{\"a\":1}}, "
      "{\"name\":\"get_time\",\"arguments\":{}}]",
      "[TOOL_CALLS]", kTools);
  ASSERT_EQ(out.calls.size(), 2u);
  EXPECT_EQ(out.content, "");
}

TEST(ToolCalls, LeadingJsonWithoutPrefix) {
  auto out = parse_tool_calls(" {\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\"}}",
                              "{", kTools);
  ASSERT_EQ(out.calls.size(), 1u);
  EXPECT_EQ(out.calls[0].arguments["city"], "Paris");
  EXPECT_EQ(out.content, "");

  out =
      parse_tool_calls("The JSON is {\"name\": \"get_weather\", \"parameters\": {}}", "{", kTools);
  EXPECT_TRUE(out.calls.empty());
  EXPECT_EQ(out.content, "The JSON is {\"name\": \"get_weather\", \"parameters\": {}}");
}

TEST(ToolCalls, MalformedOutputStaysContent) {
  for (std::string text :
       {"<tool_call>{\"name\": oops}</tool_call>", "<tool_call>{\"name\": \"get_weather\"",
        "<tool_call>not json", "<tool_call>{\"name\": \"unknown_tool\", \"arguments\": {}}",
        "<tool_call>{\"arguments\": {}}", "<tool_call>{\"name\":\"get_time\",\"arguments\":5}",
        "<tool_call", "{\"name\": \"get_weather\", \"arguments\": "}) {
    auto out = parse_tool_calls(text, text[0] == '{' ? "{" : "<tool_call>", kTools);
    EXPECT_TRUE(out.calls.empty()) << text;
    EXPECT_EQ(out.content, text);
  }
}

TEST(ToolCalls, StreamingHoldsBackOnlyWhatMayBeACall) {
  const std::string text =
      "Sure <tool_call>{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}"
      "</tool_call> done";
  ToolCallParser parser("<tool_call>", kTools);
  std::vector<ParsedToolCall> calls;
  std::string content;
  for (char c : text) {
    std::string shown = parser.add(std::string(1, c), &calls);
    EXPECT_EQ(shown.find('<'), std::string::npos) << "partial tag leaked: " << shown;
    content += shown;
  }
  content += parser.finish(&calls);
  EXPECT_EQ(content, "Sure  done");
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].arguments["city"], "Paris");
}

TEST(ToolCalls, AnyNameWhenNoToolsAreKnown) {
  auto out = parse_tool_calls("<tool_call>{\"name\": \"x\", \"arguments\": {}}</tool_call>",
                              "<tool_call>");
  ASSERT_EQ(out.calls.size(), 1u);
  EXPECT_EQ(out.calls[0].name, "x");
}

}  // namespace
}  // namespace slimllm
