// A GGUF whose tokenizer.chat_template is Qwen3's, or a DeepSeek-R1 distill's, gets the built-in
// Go template of that family when it is created (as Ollama's library models have it), and
// /api/show reports what the template can do: tools and thinking for qwen3, thinking for R1.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "base/sha256.h"
#include "gguf/writer.h"
#include "http_helpers.h"
#include "server/template_prompt_renderer.h"
#include "template/builtin_templates.h"
#include "test_server.h"

namespace slimllm {
namespace {

using nlohmann::json;
using testing::ndjson;
using testing::TestServer;

using testing::read_all;

std::string chat_template(const std::string& name) {
  return read_all(std::string(SLIMLLM_TESTDATA) + "/chat_templates/" + name + ".jinja");
}

// A header-only model file of `arch` carrying `jinja` as its chat template.
std::string gguf_with_template(const std::string& dir, const std::string& arch,
                               const std::string& jinja) {
  GgufWriter w;
  w.set_string("general.architecture", arch);
  w.set_string("tokenizer.chat_template", jinja);
  w.add_tensor("token_embd.weight", DType::kF32, {4, 2},
               [](uint8_t* dst, size_t bytes) { std::fill_n(dst, bytes, 0); });
  const std::string path = dir + "/with-template.gguf";
  w.write(path);
  return read_all(path);
}

struct Created {
  std::vector<json> progress;
  json show;
};

Created create_and_show(const TestServer& s, const std::string& name, const std::string& data) {
  auto c = s.client();
  const std::string digest = testing::upload_blob(c, data);
  auto created =
      c.Post("/api/create", json{{"model", name}, {"files", {{"m.gguf", digest}}}}.dump(),
             "application/json");
  EXPECT_TRUE(created);
  EXPECT_EQ(created->status, 200) << created->body;
  auto show = c.Post("/api/show", json{{"model", name}}.dump(), "application/json");
  EXPECT_EQ(show->status, 200) << show->body;
  return {ndjson(created->body), json::parse(show->body)};
}

bool has_status(const std::vector<json>& lines, const std::string& status) {
  for (const json& line : lines)
    if (line.value("status", "") == status) return true;
  return false;
}

TEST(BuiltinTemplateDetection, Qwen3GetsItsTemplateWithToolsAndThinking) {
  TestServer s(TestServer::default_config(), {}, true, builtin_template_detector());
  const Created m = create_and_show(
      s, "qwen3-import",
      gguf_with_template(s.root.string(), "qwen3", chat_template("Qwen-Qwen3-0.6B")));
  EXPECT_TRUE(has_status(m.progress, "using autodetected template qwen3"));
  EXPECT_EQ(m.show["template"], find_builtin_template("qwen3")->text);
  EXPECT_EQ(m.show["capabilities"], json::array({"completion", "tools", "thinking"}));
  // The library model's parameters come with it.
  const std::string parameters = m.show["parameters"];
  for (const char* p : {"temperature", "top_k", "top_p", "repeat_penalty", "<|im_end|>"}) {
    EXPECT_NE(parameters.find(p), std::string::npos) << p << " in " << parameters;
  }
}

TEST(BuiltinTemplateDetection, DeepSeekR1DistillsThink) {
  TestServer s(TestServer::default_config(), {}, true, builtin_template_detector());
  for (const auto& [arch, file] :
       {std::pair{"qwen2", "deepseek-ai-DeepSeek-R1-Distill-Qwen-32B"},
        std::pair{"llama", "deepseek-ai-DeepSeek-R1-Distill-Llama-8B"}}) {
    const Created m =
        create_and_show(s, std::string("r1-") + arch,
                        gguf_with_template(s.root.string(), arch, chat_template(file)));
    EXPECT_TRUE(has_status(m.progress, "using autodetected template deepseek-r1")) << file;
    EXPECT_EQ(m.show["template"], find_builtin_template("deepseek-r1")->text) << file;
    EXPECT_EQ(m.show["capabilities"], json::array({"completion", "thinking"})) << file;
  }
}

TEST(BuiltinTemplateDetection, PhiAndGraniteGetTheirTemplates) {
  TestServer s(TestServer::default_config(), {}, true, builtin_template_detector());
  const Created phi = create_and_show(
      s, "phi35-import",
      gguf_with_template(s.root.string(), "phi3", chat_template("microsoft-Phi-3.5-mini-instruct")));
  EXPECT_TRUE(has_status(phi.progress, "using autodetected template phi-3"));
  EXPECT_EQ(phi.show["capabilities"], json::array({"completion"}));
  const Created granite = create_and_show(
      s, "granite-import",
      gguf_with_template(s.root.string(), "granite",
                         chat_template("ibm-granite-granite-3.3-2B-Instruct")));
  // Granite 3.3's GGUF template gets the granite3.3 library template, which thinks on `think`.
  EXPECT_TRUE(has_status(granite.progress, "using autodetected template granite3.3"));
  EXPECT_EQ(granite.show["template"], find_builtin_template("granite3.3")->text);
  EXPECT_EQ(granite.show["capabilities"], json::array({"completion", "tools", "thinking"}));
}

TEST(BuiltinTemplateDetection, Qwen25StaysWithoutThinking) {
  // Qwen 2.5's template is close to neither: no thinking is claimed for it.
  TestServer s(TestServer::default_config(), {}, true, builtin_template_detector());
  const Created m = create_and_show(
      s, "qwen25-import",
      gguf_with_template(s.root.string(), "qwen2", chat_template("Qwen-Qwen2.5-7B-Instruct")));
  for (const json& c : m.show["capabilities"]) EXPECT_NE(c, "thinking");
  EXPECT_FALSE(has_status(m.progress, "using autodetected template qwen3"));
}

}  // namespace
}  // namespace slimllm
