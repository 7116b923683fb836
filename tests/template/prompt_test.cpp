// Ollama's message → prompt rules: collation, legacy per-turn rendering, the appended
// .Response, fill-in-the-middle, image tags and fitting into num_ctx.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "base/error.h"
#include "template/prompt.h"

namespace slimllm {
namespace {

ChatMessage msg(const char* role, const char* content, size_t images = 0) {
  ChatMessage m;
  m.role = role;
  m.content = content;
  m.images = images;
  return m;
}

const char* kChatml =
    "{{- range .Messages }}<|im_start|>{{ .Role }}\n{{ .Content }}<|im_end|>\n{{ end "
    "}}<|im_start|>assistant\n";

TEST(ChatPrompt, CollatesSystemAndSameRoleMessages) {
  Template t =
      Template::parse("{{ .System }}|{{ range .Messages }}{{ .Role }}:{{ .Content }};{{ end }}");
  std::vector<ChatMessage> messages = {msg("system", "a"),   msg("system", "b"), msg("user", "x"),
                                       msg("user", "y"),     msg("tool", "t1"),  msg("tool", "t2"),
                                       msg("assistant", "z")};
  EXPECT_EQ(build_chat_prompt(t, messages, {}).prompt,
            "a\n\nb|system:a\n\nb;user:x\n\ny;tool:t1;tool:t2;assistant:z;");
}

TEST(ChatPrompt, ModelSystemIsPrependedUnlessTheRequestHasOne) {
  Template t = Template::parse("{{ range .Messages }}{{ .Role }}={{ .Content }} {{ end }}");
  ChatPromptOptions options;
  options.system = "M";
  EXPECT_EQ(build_chat_prompt(t, {msg("user", "u")}, options).prompt, "system=M user=u ");
  EXPECT_EQ(build_chat_prompt(t, {msg("system", "S"), msg("user", "u")}, options).prompt,
            "system=S user=u ");
}

TEST(ChatPrompt, LegacyTemplatesRenderPerTurnAndCutTheLastAfterResponse) {
  Template t = Template::parse(
      "{{ if .System }}S:{{ .System }} {{ end }}U:{{ .Prompt }} A:{{ .Response }}|");
  std::vector<ChatMessage> messages = {msg("system", "s"), msg("user", "u1"),
                                       msg("assistant", "a1"), msg("user", "u2")};
  EXPECT_EQ(build_chat_prompt(t, messages, {}).prompt, "S:s U:u1 A:a1|U:u2 A:");
}

TEST(ChatPrompt, ResponseIsAppendedWhenTheTemplateNamesNeither) {
  Template t = Template::parse("[{{ .Prompt }}]");
  std::vector<ChatMessage> messages = {msg("user", "u1"), msg("assistant", "a1"),
                                       msg("user", "u2")};
  EXPECT_EQ(build_chat_prompt(t, messages, {}).prompt, "[u1]a1[u2]");
}

TEST(ChatPrompt, CutKeepsTextBeforeResponseInsideBlocks) {
  Template t = Template::parse(
      "{{ if .Prompt }}<u>{{ .Prompt }}</u>{{ end }}<a>{{ .Response }}</a>{{ if .Response }}"
      "<eos>{{ end }}");
  EXPECT_EQ(build_chat_prompt(t, {msg("user", "hi")}, {}).prompt, "<u>hi</u><a>");
}

TEST(ChatPrompt, ImagesBecomeNumberedTags) {
  Template t = Template::parse("{{ range .Messages }}{{ .Content }}|{{ end }}");
  std::vector<ChatMessage> messages = {msg("user", "look", 2), msg("assistant", "ok"),
                                       msg("user", "and [img] this", 1)};
  ChatPrompt p = build_chat_prompt(t, messages, {});
  EXPECT_EQ(p.prompt, "[img-0][img-1]look|ok|and [img-2] this|");
  EXPECT_EQ(p.images, 3u);
}

TEST(ChatPrompt, FittingDropsTheOldestMessagesButKeepsSystemAndLast) {
  Template t = Template::parse(kChatml);
  std::vector<ChatMessage> messages = {msg("system", "S"),     msg("user", "u1"),
                                       msg("assistant", "a1"), msg("user", "u2"),
                                       msg("assistant", "a2"), msg("user", "u3")};
  ChatPromptOptions options;
  // One "token" per turn header, so the counts are easy to follow.
  options.count_tokens = [](std::string_view prompt) {
    size_t n = 0;
    for (size_t at = prompt.find("<|im_start|>"); at != std::string_view::npos;
         at = prompt.find("<|im_start|>", at + 1))
      ++n;
    return n;
  };
  options.num_ctx = 4;
  ChatPrompt p = build_chat_prompt(t, messages, options);
  EXPECT_EQ(p.prompt,
            "<|im_start|>system\nS<|im_end|>\n<|im_start|>assistant\na2<|im_end|>\n"
            "<|im_start|>user\nu3<|im_end|>\n<|im_start|>assistant\n");
  EXPECT_EQ(p.first_message, 4u);

  options.num_ctx = 1;  // nothing fits: still the system prompt and the last message
  p = build_chat_prompt(t, messages, options);
  EXPECT_EQ(p.prompt,
            "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nu3<|im_end|>\n"
            "<|im_start|>assistant\n");

  options.num_ctx = 100;
  EXPECT_EQ(build_chat_prompt(t, messages, options).first_message, 0u);

  options.num_ctx = 4;
  options.truncate = false;
  EXPECT_EQ(build_chat_prompt(t, messages, options).first_message, 0u);
}

TEST(ChatPrompt, FittingCountsImageTokens) {
  Template t = Template::parse(kChatml);
  std::vector<ChatMessage> messages = {msg("user", "u1", 1), msg("assistant", "a1"),
                                       msg("user", "u2")};
  ChatPromptOptions options;
  options.count_tokens = [](std::string_view) { return size_t{10}; };
  options.num_ctx = 500;
  options.image_tokens = 768;
  ChatPrompt p = build_chat_prompt(t, messages, options);
  EXPECT_EQ(p.first_message, 1u);
  EXPECT_EQ(p.images, 0u);
  options.image_tokens = 0;
  EXPECT_EQ(build_chat_prompt(t, messages, options).first_message, 0u);
}

TEST(ChatPrompt, FittingWithoutACounterIsAnError) {
  Template t = Template::parse(kChatml);
  ChatPromptOptions options;
  options.num_ctx = 10;
  EXPECT_THROW(build_chat_prompt(t, {msg("user", "a"), msg("user", "b")}, options), Error);
}

TEST(ChatPrompt, ThinkSettingsReachTheTemplate) {
  Template t = Template::parse("{{ .IsThinkSet }} {{ .Think }} {{ .ThinkLevel }}");
  ChatPromptOptions options;
  EXPECT_EQ(build_chat_prompt(t, {msg("user", "x")}, options).prompt, "false false ");
  options.think.think = true;
  options.think.level = "high";
  EXPECT_EQ(build_chat_prompt(t, {msg("user", "x")}, options).prompt, "true true high");
}

TEST(ChatPrompt, ToolCallFieldsAreVisible) {
  Template t = Template::parse(
      "{{ range .Messages }}{{ range .ToolCalls }}{{ .ID }} {{ .Function.Index }} "
      "{{ .Function.Name }} {{ .Function.Arguments }} {{ json .Function.Arguments }} "
      "{{ .Function.Arguments.n }}{{ end }}{{ end }}");
  ChatMessage m = msg("assistant", "");
  ChatToolCall call;
  call.id = "call_1";
  call.index = 2;
  call.name = "f";
  call.arguments = nlohmann::ordered_json::parse(R"({"z":"<&>","n":1e6,"o":{"b":1,"a":[1.5]}})");
  m.tool_calls.push_back(call);
  EXPECT_EQ(build_chat_prompt(t, {m}, {}).prompt,
            R"(call_1 2 f {"z":"\u003c\u0026\u003e","n":1000000,"o":{"a":[1.5],"b":1}} )"
            R"({"z":"\u003c\u0026\u003e","n":1000000,"o":{"a":[1.5],"b":1}} 1e+06)");
}

TEST(GeneratePrompt, FillInTheMiddle) {
  Template t = Template::parse(
      "{{- if .Suffix }}<|fim_prefix|>{{ .Prompt }}<|fim_suffix|>{{ .Suffix }}<|fim_middle|>"
      "{{- else }}{{ .Prompt }}{{- end }}");
  EXPECT_TRUE(template_supports_insert(t));
  EXPECT_FALSE(template_supports_tools(t));
  EXPECT_EQ(build_generate_prompt(t, "def f(", "", "return 1"),
            "<|fim_prefix|>def f(<|fim_suffix|>return 1<|fim_middle|>");
  EXPECT_EQ(build_generate_prompt(t, "plain", "", ""), "plain");
}

TEST(GeneratePrompt, SystemAndImages) {
  Template t = Template::parse(kChatml);
  EXPECT_EQ(build_generate_prompt(t, "hi", "S", "", 2),
            "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\n[img-0][img-1]hi<|im_end|>\n"
            "<|im_start|>assistant\n");
}

}  // namespace
}  // namespace slimllm
