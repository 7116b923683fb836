#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "template/builtin_templates.h"
#include "template/prompt.h"

namespace slimllm {
namespace {

ChatMessage msg(const char* role, const char* content) {
  ChatMessage m;
  m.role = role;
  m.content = content;
  return m;
}

TEST(BuiltinTemplates, AllFamiliesParseAndHaveStops) {
  for (const char* name : {"llama3-instruct", "llama2-chat", "chatml", "mistral-instruct",
                           "gemma-instruct", "phi-3", "qwen3", "deepseek-r1", "gemma3"}) {
    const BuiltinTemplate* t = find_builtin_template(name);
    ASSERT_NE(t, nullptr) << name;
    EXPECT_FALSE(t->stop.empty()) << name;
    EXPECT_NO_THROW(Template::parse(t->text)) << name;
  }
  EXPECT_EQ(find_builtin_template("nope"), nullptr);
  EXPECT_EQ(find_builtin_template("chatml")->stop,
            (std::vector<std::string>{"<|im_start|>", "<|im_end|>"}));
}

TEST(BuiltinTemplates, RenderConversations) {
  std::vector<ChatMessage> chat = {msg("system", "S"), msg("user", "Hi"), msg("assistant", "Yo"),
                                   msg("user", "Bye")};
  auto render = [&](const char* name) {
    return build_chat_prompt(Template::parse(find_builtin_template(name)->text), chat, {}).prompt;
  };
  EXPECT_EQ(render("llama3-instruct"),
            "<|start_header_id|>system<|end_header_id|>\n\nS<|eot_id|>"
            "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
            "<|start_header_id|>assistant<|end_header_id|>\n\nYo<|eot_id|>"
            "<|start_header_id|>user<|end_header_id|>\n\nBye<|eot_id|>"
            "<|start_header_id|>assistant<|end_header_id|>\n\n");
  EXPECT_EQ(render("chatml"),
            "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
            "<|im_start|>assistant\nYo<|im_end|>\n<|im_start|>user\nBye<|im_end|>\n"
            "<|im_start|>assistant\n");
  EXPECT_EQ(render("llama2-chat"),
            "[INST] <<SYS>>\nS\n<</SYS>>\n\nHi [/INST] Yo</s><s>[INST] "
            "<<SYS>><</SYS>>\n\nBye [/INST]");
  EXPECT_EQ(render("mistral-instruct"), "[INST] S\n\nHi[/INST] Yo</s>[INST] Bye[/INST]");
  EXPECT_EQ(render("gemma-instruct"),
            "<start_of_turn>user\nS\nHi<end_of_turn>\n<start_of_turn>model\nYo<end_of_turn>\n"
            "<start_of_turn>user\nBye<end_of_turn>\n<start_of_turn>model\n");
  EXPECT_EQ(render("phi-3"),
            "<|system|>\nS<|end|>\n<|user|>\nHi<|end|>\n<|assistant|>\nYo<|end|>\n"
            "<|user|>\nBye<|end|>\n<|assistant|>\n");
}

TEST(BuiltinTemplates, MatchesByJinjaCloseness) {
  const std::string chatml_jinja =
      "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + "
      "message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ "
      "'<|im_start|>assistant\n' }}{% endif %}";
  const BuiltinTemplate* t = match_builtin_template(chatml_jinja);
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->name, "chatml");
  // A few edits away still matches.
  std::string edited = chatml_jinja;
  edited.replace(edited.find("message in messages"), 19, "msg in messages");
  ASSERT_NE(match_builtin_template(edited), nullptr);
  EXPECT_EQ(match_builtin_template(edited)->name, "chatml");

  const std::string gemma_jinja =
      "{{ bos_token }}{% if messages[0]['role'] == 'system' %}{{ raise_exception('System role "
      "not supported') }}{% endif %}{% for message in messages %}{% if (message['role'] == "
      "'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must "
      "alternate user/assistant/user/assistant/...') }}{% endif %}{% if (message['role'] == "
      "'assistant') %}{% set role = 'model' %}{% else %}{% set role = message['role'] %}{% endif "
      "%}{{ '<start_of_turn>' + role + '\n' + message['content'] | trim + '<end_of_turn>\n' }}{% "
      "endfor %}{% if add_generation_prompt %}{{'<start_of_turn>model\n'}}{% endif %}";
  ASSERT_NE(match_builtin_template(gemma_jinja), nullptr);
  EXPECT_EQ(match_builtin_template(gemma_jinja)->name, "gemma-instruct");

  EXPECT_EQ(match_builtin_template("{{ something completely different }}"), nullptr);
  EXPECT_EQ(match_builtin_template(""), nullptr);
  EXPECT_EQ(kDefaultTemplate, "{{ .Prompt }}");
}

std::string chat_template(const std::string& name) {
  std::ifstream in(std::string(SLIMLLM_TESTDATA) + "/chat_templates/" + name + ".jinja",
                   std::ios::binary);
  EXPECT_TRUE(in) << name;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// The real Jinja templates of the thinking models (../shared/testdata/chat_templates/) pick their
// family's built-in template; Qwen 2.5's does not pick qwen3.
TEST(BuiltinTemplates, MatchesTheThinkingFamilies) {
  const BuiltinTemplate* qwen3 = match_builtin_template(chat_template("Qwen-Qwen3-0.6B"));
  ASSERT_NE(qwen3, nullptr);
  EXPECT_EQ(qwen3->name, "qwen3");
  EXPECT_EQ(qwen3->stop, (std::vector<std::string>{"<|im_start|>", "<|im_end|>"}));
  EXPECT_EQ(qwen3->params["temperature"], 0.6);
  EXPECT_EQ(qwen3->params["top_k"], 20);
  for (const char* name :
       {"deepseek-ai-DeepSeek-R1-Distill-Qwen-32B", "deepseek-ai-DeepSeek-R1-Distill-Llama-8B"}) {
    const BuiltinTemplate* r1 = match_builtin_template(chat_template(name));
    ASSERT_NE(r1, nullptr) << name;
    EXPECT_EQ(r1->name, "deepseek-r1") << name;
    EXPECT_EQ(r1->stop.size(), 4u);
  }
  const BuiltinTemplate* qwen25 = match_builtin_template(chat_template("Qwen-Qwen2.5-7B-Instruct"));
  EXPECT_TRUE(qwen25 == nullptr || qwen25->name != "qwen3");
  // Both say how they think, so the thinking split and the capability find their tags.
  for (const char* name : {"qwen3", "deepseek-r1"}) {
    const std::string& text = find_builtin_template(name)->text;
    EXPECT_NE(text.find("<think>"), std::string::npos) << name;
    EXPECT_NE(text.find("</think>"), std::string::npos) << name;
    EXPECT_NE(text.find(".Think"), std::string::npos) << name;
  }
  EXPECT_NE(find_builtin_template("qwen3")->text.find(".Tools"), std::string::npos);
}

// Gemma 2's real Jinja template (system refused, roles alternate) picks gemma-instruct; Gemma 3's
// (system folded into the first user turn) picks gemma3, Ollama's library template for Gemma 3.
TEST(BuiltinTemplates, MatchesTheGemmaFamilies) {
  const BuiltinTemplate* gemma2 = match_builtin_template(chat_template("google-gemma-2-2b-it"));
  ASSERT_NE(gemma2, nullptr);
  EXPECT_EQ(gemma2->name, "gemma-instruct");
  const BuiltinTemplate* gemma3 = find_builtin_template("gemma3");
  ASSERT_NE(gemma3, nullptr);
  EXPECT_EQ(gemma3->stop, (std::vector<std::string>{"<end_of_turn>"}));
  EXPECT_EQ(gemma3->params["top_k"], 64);
  std::ifstream in(std::string(SLIMLLM_DATA) + "/templates/gemma3-jinja.txt", std::ios::binary);
  ASSERT_TRUE(in);
  const std::string jinja((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_NE(match_builtin_template(jinja), nullptr);
  EXPECT_EQ(match_builtin_template(jinja)->name, "gemma3");
  EXPECT_EQ(
      build_chat_prompt(
          Template::parse(gemma3->text),
          {msg("system", "S"), msg("user", "Hi"), msg("assistant", "Yo"), msg("user", "Bye")}, {})
          .prompt,
      "<start_of_turn>user\nS\n\nHi<end_of_turn>\n<start_of_turn>model\nYo<end_of_turn>\n"
      "<start_of_turn>user\nBye<end_of_turn>\n<start_of_turn>model\n");
}

// The Phi and Granite GGUFs' own templates pick their families.
TEST(BuiltinTemplates, MatchesPhiAndGranite) {
  const BuiltinTemplate* phi35 =
      match_builtin_template(chat_template("microsoft-Phi-3.5-mini-instruct"));
  ASSERT_NE(phi35, nullptr);
  EXPECT_EQ(phi35->name, "phi-3");
  const BuiltinTemplate* granite =
      match_builtin_template(chat_template("ibm-granite-granite-3.3-2B-Instruct"));
  ASSERT_NE(granite, nullptr);
  EXPECT_EQ(granite->name, "granite3.3");
  // Phi-4-mini-instruct's tokenizer_config.json chat_template.
  const BuiltinTemplate* phi4 = match_builtin_template(
      "{% for message in messages %}{% if message['role'] == 'system' and 'tools' in message and "
      "message['tools'] is not none %}{{ '<|' + message['role'] + '|>' + message['content'] + "
      "'<|tool|>' + message['tools'] + '<|/tool|>' + '<|end|>' }}{% else %}{{ '<|' + "
      "message['role'] + '|>' + message['content'] + '<|end|>' }}{% endif %}{% endfor %}{% if "
      "add_generation_prompt %}{{ '<|assistant|>' }}{% else %}{{ eos_token }}{% endif %}");
  ASSERT_NE(phi4, nullptr);
  EXPECT_EQ(phi4->name, "phi4-mini");
  EXPECT_EQ(phi4->stop, (std::vector<std::string>{"<|end|>", "<|system|>", "<|user|>",
                                                   "<|assistant|>"}));
  EXPECT_TRUE(find_builtin_template("granite3")->stop.empty());
  EXPECT_TRUE(find_builtin_template("granite3.3")->stop.empty());
}

TEST(BuiltinTemplates, Levenshtein) {
  EXPECT_EQ(levenshtein("kitten", "sitting"), 3u);
  EXPECT_EQ(levenshtein("", "abc"), 3u);
  EXPECT_EQ(levenshtein("h\xC3\xA9llo", "hello"), 1u);  // code points, not bytes
}

}  // namespace
}  // namespace slimllm
