// A Gemma 3 GGUF carrying Gemma 3's Jinja chat template, created over /api/create on a server with
// the real pieces (store, built-in template detection, Go templates, scheduler, GGUF runner): it
// gets the gemma3 built-in template, and a chat reaches the runner as exactly the prompt Ollama's
// gemma3 template renders (system folded into the first user turn) and is answered by the model.
// The model is tests/data/decoders/gemma3-f32.gguf (tiny-gemma3, llama.cpp-checked) with the
// template added.
#include <gtest/gtest.h>
#include <httplib.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>

#include "base/sha256.h"
#include "base/strings.h"
#include "engine/gguf_runner.h"
#include "gguf/reader.h"
#include "gguf/writer.h"
#include "server/server.h"
#include "server/template_prompt_renderer.h"
#include "store/model_store.h"
#include "template/builtin_templates.h"
#include "http_helpers.h"
#include "model/model_fixtures.h"
#include "recording_runner.h"

namespace slimllm {
namespace {

using nlohmann::json;

// tiny-gemma3 with tokenizer.chat_template set to Gemma 3's Jinja template.
std::string gemma3_with_template(const std::string& dir) {
  const std::string path = dir + "/gemma3-chat.gguf";
  const std::string jinja = read_text(std::string(SLIMLLM_DATA) + "/templates/gemma3-jinja.txt");
  testing_models::write_edited_copy(
      GgufFile::open(testing_models::decoder_fixture("gemma3-f32.gguf")), path,
      [&](GgufWriter& w) { w.set_string("tokenizer.chat_template", jinja); });
  return read_text(path);
}

TEST(GemmaChat, CreatedGemma3ChatsThroughItsBuiltinTemplate) {
  char tmpl[] = "/tmp/slimllm-gemma-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::filesystem::path root = tmpl;
  {
    ModelStore store(root / "models");
    auto factory = std::make_shared<RecordingFactory>();
    SchedulerConfig sched;
    sched.memory_budget = 1ULL << 30;
    Scheduler scheduler(sched, factory);
    ServerConfig config;
    config.address = parse_ollama_host("127.0.0.1:0");
    config.access_log = false;
    config.context_length = 256;
    Server server(config, store, scheduler, std::make_shared<TemplatePromptRenderer>(),
                  builtin_template_detector());
    server.start();
    httplib::Client c("127.0.0.1", server.port());
    c.set_read_timeout(120);

    const std::string data = gemma3_with_template(root.string());
    int uploaded = 0;
    const std::string digest = testing::upload_blob(c, data, &uploaded);
    ASSERT_EQ(uploaded, 201);
    auto created = c.Post("/api/create",
                          json{{"model", "gemma3-tiny"}, {"files", {{"m.gguf", digest}}}}.dump(),
                          "application/json");
    ASSERT_TRUE(created);
    ASSERT_EQ(created->status, 200) << created->body;
    EXPECT_NE(created->body.find("using autodetected template gemma3"), std::string::npos)
        << created->body;
    auto show = c.Post("/api/show", json{{"model", "gemma3-tiny"}}.dump(), "application/json");
    ASSERT_EQ(show->status, 200) << show->body;
    const json shown = json::parse(show->body);
    EXPECT_EQ(shown["template"], find_builtin_template("gemma3")->text);
    EXPECT_EQ(shown["model_info"]["general.architecture"], "gemma3");

    const json request = {{"model", "gemma3-tiny"},
                          {"messages",
                           {{{"role", "system"}, {"content", "Be brief."}},
                            {{"role", "user"}, {"content", "Hi there"}},
                            {{"role", "assistant"}, {"content", "Hello"}},
                            {{"role", "user"}, {"content", "Why?"}}}},
                          {"stream", false},
                          {"options", {{"temperature", 0}, {"num_predict", 12}}}};
    auto chat = c.Post("/api/chat", request.dump(), "application/json");
    ASSERT_TRUE(chat);
    ASSERT_EQ(chat->status, 200) << chat->body;
    const json answer = json::parse(chat->body);
    EXPECT_EQ(answer["message"]["role"], "assistant");
    EXPECT_EQ(answer["eval_count"], 12);
    EXPECT_FALSE(answer["message"]["content"].get<std::string>().empty());
    EXPECT_EQ(
        factory->take_prompts(),
        std::vector<std::string>{"<start_of_turn>user\nBe brief.\n\nHi there<end_of_turn>\n"
                                 "<start_of_turn>model\nHello<end_of_turn>\n"
                                 "<start_of_turn>user\nWhy?<end_of_turn>\n<start_of_turn>model\n"});
    // Greedy: the same chat answers the same.
    auto again = c.Post("/api/chat", request.dump(), "application/json");
    ASSERT_EQ(again->status, 200) << again->body;
    EXPECT_EQ(json::parse(again->body)["message"]["content"], answer["message"]["content"]);
    server.stop();
  }
  std::filesystem::remove_all(root);
}

}  // namespace
}  // namespace slimllm
