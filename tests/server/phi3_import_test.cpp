// End to end with a real phi3 model: a GGUF of the phi3 architecture (the tiny fixture of
// tests/data/decoders/, given Phi-3.5-mini-instruct's chat template) is uploaded and created
// through the API, gets the built-in phi-3 template, and a chat through the server runs the real
// model on exactly the prompt that template renders (the same greedy answer as a raw generate of
// tests/data/templates/phi-3/user.txt, which Go's text/template rendered).
#include <gtest/gtest.h>
#include <httplib.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "base/sha256.h"
#include "engine/gguf_runner.h"
#include "gguf/writer.h"
#include "server/server.h"
#include "server/template_prompt_renderer.h"
#include "store/model_store.h"
#include "template/builtin_templates.h"
#include "http_helpers.h"
#include "model/model_fixtures.h"

namespace slimllm {
namespace {

using nlohmann::json;

using testing::read_all;

// tests/data/decoders/phi3-f32.gguf with `jinja` as its tokenizer.chat_template.
std::string phi3_with_template(const std::string& dir, const std::string& jinja) {
  const std::string path = dir + "/phi3-chat.gguf";
  testing_models::write_edited_copy(
      GgufFile::open(testing_models::decoder_fixture("phi3-f32.gguf")), path,
      [&](GgufWriter& w) { w.set_string("tokenizer.chat_template", jinja); });
  return read_all(path);
}

TEST(Phi3Import, CreatedModelChatsThroughItsBuiltinTemplate) {
  char tmpl[] = "/tmp/slimllm-phi3-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::filesystem::path root = tmpl;
  {
    ModelStore store(root / "models");
    SchedulerConfig sched;
    sched.memory_budget = 1ULL << 30;
    Scheduler scheduler(sched, std::make_shared<GgufRunnerFactory>());
    ServerConfig config;
    config.address = parse_ollama_host("127.0.0.1:0");
    config.access_log = false;
    config.context_length = 512;
    Server server(config, store, scheduler, std::make_shared<TemplatePromptRenderer>(),
                  builtin_template_detector());
    server.start();
    httplib::Client c("127.0.0.1", server.port());
    c.set_read_timeout(120);

    const std::string data = phi3_with_template(
        root.string(), read_all(std::string(SLIMLLM_TESTDATA) +
                                "/chat_templates/microsoft-Phi-3.5-mini-instruct.jinja"));
    int uploaded = 0;
    const std::string digest = testing::upload_blob(c, data, &uploaded);
    ASSERT_NE(uploaded, -1);
    auto created =
        c.Post("/api/create",
               json{{"model", "phi3-import"}, {"files", {{"m.gguf", digest}}}, {"stream", false}}
                   .dump(),
               "application/json");
    ASSERT_TRUE(created);
    ASSERT_EQ(created->status, 200) << created->body;

    auto show = c.Post("/api/show", json{{"model", "phi3-import"}}.dump(), "application/json");
    ASSERT_EQ(show->status, 200) << show->body;
    const json shown = json::parse(show->body);
    EXPECT_EQ(shown["template"], find_builtin_template("phi-3")->text);
    EXPECT_EQ(shown["capabilities"], json::array({"completion"}));
    EXPECT_EQ(shown["model_info"]["general.architecture"], "phi3");

    const json options = {{"temperature", 0}, {"num_predict", 12}};
    auto chat = c.Post("/api/chat",
                       json{{"model", "phi3-import"},
                            {"messages", {{{"role", "user"}, {"content", "Hello!"}}}},
                            {"stream", false},
                            {"options", options}}
                           .dump(),
                       "application/json");
    ASSERT_TRUE(chat);
    ASSERT_EQ(chat->status, 200) << chat->body;
    const json chat_body = json::parse(chat->body);

    const std::string rendered =
        read_all(std::string(SLIMLLM_DATA) + "/templates/phi-3/user.txt");
    auto raw = c.Post("/api/generate",
                      json{{"model", "phi3-import"},
                           {"prompt", rendered},
                           {"raw", true},
                           {"stream", false},
                           {"options", options}}
                          .dump(),
                      "application/json");
    ASSERT_TRUE(raw);
    ASSERT_EQ(raw->status, 200) << raw->body;
    const json raw_body = json::parse(raw->body);

    EXPECT_GT(chat_body["eval_count"].get<int>(), 0);
    EXPECT_EQ(chat_body["prompt_eval_count"], raw_body["prompt_eval_count"]);
    EXPECT_EQ(chat_body["message"]["content"], raw_body["response"]);
    EXPECT_EQ(chat_body["eval_count"], raw_body["eval_count"]);
    server.stop();
  }
  std::filesystem::remove_all(root);
}

}  // namespace
}  // namespace slimllm
