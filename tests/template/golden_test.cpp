// Ollama's llama3.2 and qwen2.5 library templates, byte for byte, and the built-in qwen3 and
// deepseek-r1 ones (Ollama's library templates of those models, src/template/builtin/), rendered
// for the usual conversation shapes — thinking on, off, and in the history for the thinking
// models — and compared with tests/data/templates/<template>/<case>.txt.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>

#include "template/builtin_templates.h"
#include "template/prompt.h"
#include "template/template.h"
#include "template/thinking.h"

namespace slimllm {
namespace {

using Json = nlohmann::ordered_json;

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << path;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string data_dir() {
  return std::string(SLIMLLM_DATA) + "/templates/";
}

// The chat and generate requests as the server will hand them over.
std::string render_request(const Template& t, const Json& request) {
  if (!request.contains("messages"))
    return build_generate_prompt(t, request.value("prompt", ""), request.value("system", ""),
                                 request.value("suffix", ""));
  std::vector<ChatMessage> messages;
  for (const auto& m : request["messages"]) {
    ChatMessage message;
    message.role = m.value("role", "");
    message.content = m.value("content", "");
    message.tool_name = m.value("tool_name", "");
    message.thinking = m.value("thinking", "");
    if (m.contains("tool_calls")) {
      for (const auto& c : m["tool_calls"]) {
        ChatToolCall call;
        call.name = c["function"].value("name", "");
        call.arguments = c["function"]["arguments"];
        message.tool_calls.push_back(call);
      }
    }
    messages.push_back(message);
  }
  ChatPromptOptions options;
  if (request.contains("tools")) options.tools = request["tools"];
  if (request.contains("think")) options.think.think = request["think"].get<bool>();
  return build_chat_prompt(t, messages, options).prompt;
}

struct GoldenCase {
  const char* tmpl;
  const char* name;
};

class GoldenTest : public ::testing::TestWithParam<GoldenCase> {};

TEST_P(GoldenTest, MatchesExpectedPrompt) {
  const GoldenCase& c = GetParam();
  // qwen3, deepseek-r1 and gemma3 are the built-in templates themselves; the others are files here.
  const BuiltinTemplate* builtin = find_builtin_template(c.tmpl);
  Template t =
      Template::parse(builtin != nullptr ? builtin->text : read(data_dir() + c.tmpl + ".gotmpl"));
  Json input = Json::parse(read(data_dir() + c.name + ".json"));
  std::string expected = read(data_dir() + c.tmpl + "/" + c.name + ".txt");
  std::string actual =
      std::string(c.name) == "legacy-data" ? t.render(input) : render_request(t, input);
  EXPECT_EQ(actual, expected);
}

const GoldenCase kCases[] = {
    {"llama3.2", "user"},
    {"llama3.2", "system-user-assistant-user"},
    {"llama3.2", "tools-user"},
    {"llama3.2", "tools-call-result"},
    {"llama3.2", "generate"},
    {"llama3.2", "legacy-data"},
    {"qwen2.5", "user"},
    {"qwen2.5", "system-user-assistant-user"},
    {"qwen2.5", "tools-user"},
    {"qwen2.5", "tools-call-result"},
    {"qwen2.5", "generate"},
    {"qwen2.5", "legacy-data"},
    {"qwen3", "user"},
    {"qwen3", "system-user-assistant-user"},
    {"qwen3", "tools-user"},
    {"qwen3", "tools-call-result"},
    {"qwen3", "generate"},
    {"qwen3", "think-on"},
    {"qwen3", "think-off"},
    {"qwen3", "thinking-history"},
    {"qwen3", "thinking-prefill"},
    {"qwen3", "thinking-tools"},
    {"deepseek-r1", "user"},
    {"deepseek-r1", "system-user-assistant-user"},
    {"deepseek-r1", "generate"},
    {"deepseek-r1", "think-on"},
    {"deepseek-r1", "think-off"},
    {"deepseek-r1", "thinking-history"},
    {"deepseek-r1", "thinking-prefill"},
    {"gemma3", "user"},
    {"gemma3", "system-user-assistant-user"},
    {"gemma3", "generate"},
    {"phi-3", "user"},
    {"phi-3", "system-user-assistant-user"},
    {"phi-3", "generate"},
    {"phi4-mini", "user"},
    {"phi4-mini", "system-user-assistant-user"},
    {"phi4-mini", "tools-user"},
    {"phi4-mini", "tools-call-result"},
    {"phi4-mini", "generate"},
    {"granite3", "user"},
    {"granite3", "system-user-assistant-user"},
    {"granite3", "tools-user"},
    {"granite3", "tools-call-result"},
    {"granite3", "generate"},
    {"granite3.3", "user"},
    {"granite3.3", "system-user-assistant-user"},
    {"granite3.3", "tools-user"},
    {"granite3.3", "tools-call-result"},
    {"granite3.3", "generate"},
    {"granite3.3", "think-on"},
    {"granite3.3", "think-off"},
    {"granite3.3", "thinking-history"},
    {"granite3.3", "thinking-prefill"},
    {"granite3.3", "thinking-tools"},
    {"granite3.3", "granite-controls"},
    {"granite3.3", "granite-documents"},
};

INSTANTIATE_TEST_SUITE_P(Templates, GoldenTest, ::testing::ValuesIn(kCases), [](const auto& info) {
  std::string name = std::string(info.param.tmpl) + "_" + info.param.name;
  for (char& ch : name)
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return name;
});

TEST(GoldenTemplates, Capabilities) {
  Template llama = Template::parse(read(data_dir() + "llama3.2.gotmpl"));
  Template qwen = Template::parse(read(data_dir() + "qwen2.5.gotmpl"));
  EXPECT_TRUE(template_supports_tools(llama));
  EXPECT_TRUE(template_supports_tools(qwen));
  EXPECT_FALSE(template_supports_insert(qwen));
  EXPECT_EQ(llama.tool_call_prefix(), "{");
  EXPECT_EQ(qwen.tool_call_prefix(), "<tool_call>");
  // The text before the tool calls' range, as Ollama takes it.
  for (auto [name, prefix] :
       {std::pair{"phi4-mini", "<|tool_call|>["}, std::pair{"granite3", "<|tool_call|>"},
        std::pair{"granite3.3", "<|tool_call|>["}}) {
    Template t = Template::parse(find_builtin_template(name)->text);
    EXPECT_TRUE(template_supports_tools(t)) << name;
    EXPECT_EQ(t.tool_call_prefix(), prefix) << name;
  }
  EXPECT_FALSE(template_supports_tools(Template::parse(find_builtin_template("phi-3")->text)));
  // The thinking split of the built-in thinking templates; Granite 3.3 opens its answer with
  // "<response>" right after "</think>".
  for (const char* name : {"qwen3", "deepseek-r1", "granite3.3"}) {
    const std::optional<ThinkingTags> tags = thinking_tags(find_builtin_template(name)->text);
    ASSERT_TRUE(tags) << name;
    EXPECT_EQ(tags->open, "<think>") << name;
    EXPECT_EQ(tags->close, "</think>") << name;
    EXPECT_EQ(tags->answer_open, std::string(name) == "granite3.3" ? "<response>" : "") << name;
  }
  EXPECT_FALSE(thinking_tags(find_builtin_template("granite3")->text));
}

// The command prints exactly the prompt: compare its stdout byte for byte.
TEST(TemplateCommand, RendersRequestFilesAndStdin) {
  std::string binary = SLIMLLM_BINARY;
  std::string out_path = ::testing::TempDir() + "/template_render.out";
  std::string cmd = binary + " template render " + data_dir() + "qwen2.5.gotmpl --data " +
                    data_dir() + "tools-call-result.json > " + out_path;
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  EXPECT_EQ(read(out_path), read(data_dir() + "qwen2.5/tools-call-result.txt"));

  cmd = binary + " template render " + data_dir() + "llama3.2.gotmpl < " + data_dir() +
        "generate.json > " + out_path;
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  EXPECT_EQ(read(out_path), read(data_dir() + "llama3.2/generate.txt"));

  std::string bad = ::testing::TempDir() + "/bad.gotmpl";
  std::ofstream(bad) << "{{ if }}";
  cmd =
      binary + " template render " + bad + " < " + data_dir() + "user.json > " + out_path + " 2>&1";
  EXPECT_NE(std::system(cmd.c_str()), 0);
  EXPECT_THAT(read(out_path), ::testing::HasSubstr("line 1, column 7: missing value for if"));
}

}  // namespace
}  // namespace slimllm
