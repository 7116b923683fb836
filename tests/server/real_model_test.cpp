// The whole serving path with the real pieces: the store, the Go templates, the scheduler and the
// GGUF runner running stories260K. The greedy text must equal llama.cpp's (testdata/expected), and
// a chat through the qwen2.5 and llama3.2 templates must reach the runner as exactly the prompt
// Ollama renders for it (tests/data/templates/<template>/<case>.txt).
#include <gtest/gtest.h>
#include <httplib.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>

#include "base/strings.h"
#include "engine/gguf_runner.h"
#include "server/server.h"
#include "server/template_prompt_renderer.h"
#include "store/create.h"
#include "store/model_store.h"
#include "recording_runner.h"

namespace slimllm {
namespace {

using nlohmann::json;

class RealServer {
 public:
  RealServer() {
    char tmpl[] = "/tmp/slimllm-real-XXXXXX";
    if (!mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
    root = tmpl;
    store = std::make_unique<ModelStore>(root / "models");
    const std::string templates = std::string(SLIMLLM_DATA) + "/templates/";
    add_model("stories", "{{ .Prompt }}");
    add_model("qwen", read_text(templates + "qwen2.5.gotmpl"));
    add_model("llama", read_text(templates + "llama3.2.gotmpl"));
    factory = std::make_shared<RecordingFactory>();
    SchedulerConfig sched;
    sched.memory_budget = 1ULL << 30;
    scheduler = std::make_unique<Scheduler>(sched, factory);
    ServerConfig config;
    config.address = parse_ollama_host("127.0.0.1:0");
    config.access_log = false;
    config.context_length = 512;
    server = std::make_unique<Server>(config, *store, *scheduler,
                                      std::make_shared<TemplatePromptRenderer>());
    server->start();
  }
  ~RealServer() {
    server->stop();
    server.reset();
    scheduler.reset();
    std::filesystem::remove_all(root);
  }

  void add_model(const std::string& name, const std::string& template_text) {
    Layer blob = store->add_blob_file(std::string(SLIMLLM_TESTDATA) + "/models/stories260K.gguf",
                                      kMediaModel);
    CreateSpec spec;
    spec.name = *ModelName::parse(name);
    spec.files["stories260K.gguf"] = blob.digest;
    spec.template_text = template_text;
    create_model(*store, spec, {});
  }

  json post(const std::string& path, const json& body) {
    httplib::Client c("127.0.0.1", server->port());
    c.set_read_timeout(120);
    auto res = c.Post(path, body.dump(), "application/json");
    if (!res) throw std::runtime_error("no response from " + path);
    EXPECT_EQ(res->status, 200) << res->body;
    return json::parse(res->body);
  }
  // The NDJSON lines of a streamed response.
  std::vector<json> post_stream(const std::string& path, const json& body) {
    httplib::Client c("127.0.0.1", server->port());
    c.set_read_timeout(120);
    std::string text;
    auto res = c.Post(path, httplib::Headers{}, body.dump(), "application/json");
    if (!res) throw std::runtime_error("no response from " + path);
    EXPECT_EQ(res->status, 200) << res->body;
    std::vector<json> lines;
    for (const std::string& line : str_split(res->body, '\n')) {
      if (!line.empty()) lines.push_back(json::parse(line));
    }
    return lines;
  }

  std::filesystem::path root;
  std::unique_ptr<ModelStore> store;
  std::shared_ptr<RecordingFactory> factory;
  std::unique_ptr<Scheduler> scheduler;
  std::unique_ptr<Server> server;
};

json expected_once() {
  return json::parse(read_text(std::string(SLIMLLM_TESTDATA) + "/expected/stories260K-once.json"));
}

TEST(RealModel, GenerateGreedyTextEqualsLlamaCpp) {
  RealServer s;
  const json want = expected_once();
  const json options = {{"temperature", 0}, {"num_predict", want["num_predict"]}};
  json body = s.post(
      "/api/generate",
      {{"model", "stories"}, {"prompt", want["prompt"]}, {"stream", false}, {"options", options}});
  EXPECT_EQ(body["response"], want["gen_text"]);
  EXPECT_EQ(body["done"], true);
  EXPECT_EQ(body["done_reason"], "length");
  EXPECT_EQ(body["eval_count"], want["num_predict"]);
  EXPECT_EQ(body["prompt_eval_count"], want["prompt_ids"].size());
  // The deprecated context: the prompt's tokens then the generated ones.
  std::vector<int> context = want["prompt_ids"].get<std::vector<int>>();
  for (int id : want["gen_ids"]) context.push_back(id);
  EXPECT_EQ(body["context"], json(context));
  EXPECT_EQ(s.factory->take_prompts(), std::vector<std::string>{"Once upon a time"});

  // Streaming: the pieces concatenate to the same text; only the last line is done.
  std::vector<json> lines = s.post_stream(
      "/api/generate", {{"model", "stories"}, {"prompt", want["prompt"]}, {"options", options}});
  ASSERT_GE(lines.size(), 2u);
  std::string text;
  for (size_t i = 0; i + 1 < lines.size(); ++i) {
    EXPECT_EQ(lines[i]["done"], false);
    text += lines[i]["response"].get<std::string>();
  }
  EXPECT_EQ(lines.back()["done"], true);
  EXPECT_EQ(lines.back()["done_reason"], "length");
  EXPECT_GT(lines.back()["eval_duration"].get<int64_t>(), 0);
  EXPECT_GT(lines.back()["total_duration"].get<int64_t>(), 0);
  EXPECT_EQ(text + lines.back()["response"].get<std::string>(), want["gen_text"]);
}

// A control token the model generates mid-text (stories260K's <s>, a new story) comes out as
// "<s>" in the response, as Ollama streams it; llama.cpp's golden
// (tests/data/models/stories260K-control.json).
TEST(RealModel, GeneratedControlTokenIsSpelledOut) {
  RealServer s;
  const json want =
      json::parse(read_text(std::string(SLIMLLM_DATA) + "/models/stories260K-control.json"));
  const json options = {{"temperature", 0}, {"num_predict", want["num_predict"]}};
  json body = s.post(
      "/api/generate",
      {{"model", "stories"}, {"prompt", want["prompt"]}, {"stream", false}, {"options", options}});
  EXPECT_EQ(body["response"], want["gen_text"]);
  EXPECT_NE(body["response"].get<std::string>().find(".<s> Once upon a time"), std::string::npos);
  EXPECT_EQ(body["done_reason"], "length");

  std::vector<json> lines = s.post_stream(
      "/api/generate", {{"model", "stories"}, {"prompt", want["prompt"]}, {"options", options}});
  std::string text;
  bool piece_is_bos = false;
  for (const json& line : lines) {
    text += line["response"].get<std::string>();
    piece_is_bos = piece_is_bos || line["response"] == "<s>";
  }
  EXPECT_EQ(text, want["gen_text"]);
  EXPECT_TRUE(piece_is_bos) << "<s> streams as a piece of its own";
}

TEST(RealModel, ChatGreedyTextEqualsGenerate) {
  RealServer s;
  const json want = expected_once();
  // With "{{ .Prompt }}" a single user message renders to its content, so chat must produce the
  // same greedy continuation as generate.
  json body = s.post("/api/chat", {{"model", "stories"},
                                   {"messages", {{{"role", "user"}, {"content", want["prompt"]}}}},
                                   {"stream", false},
                                   {"options", {{"temperature", 0}, {"num_predict", 64}}}});
  EXPECT_EQ(body["message"]["role"], "assistant");
  EXPECT_EQ(body["message"]["content"], want["gen_text"]);
  EXPECT_EQ(body["done_reason"], "length");
}

// The real model at temperature 1 under a schema: whatever it would have written, the answer
// parses and has the schema's shape, and it ends where the JSON does.
TEST(RealModel, FormatSchemaAnswersValidateAtTemperatureOne) {
  RealServer s;
  const json schema = {
      {"type", "object"},
      {"properties",
       {{"name", {{"type", "string"}, {"maxLength", 12}}},
        {"age", {{"type", "integer"}, {"minimum", 0}, {"maximum", 120}}},
        {"pets", {{"type", "array"}, {"items", {{"enum", {"dog", "cat"}}}}, {"maxItems", 3}}}}},
      {"required", {"name", "age", "pets"}}};
  for (int seed = 1; seed <= 5; ++seed) {
    json body = s.post("/api/generate",
                       {{"model", "stories"},
                        {"prompt", "Once upon a time"},
                        {"format", schema},
                        {"stream", false},
                        {"options", {{"temperature", 1}, {"seed", seed}, {"num_predict", 300}}}});
    const json answer = json::parse(body["response"].get<std::string>(), nullptr, false);
    ASSERT_FALSE(answer.is_discarded()) << body["response"];
    EXPECT_EQ(body["done_reason"], "stop") << body["response"];
    ASSERT_TRUE(answer.is_object());
    EXPECT_TRUE(answer["name"].is_string() && answer["name"].get<std::string>().size() <= 12);
    ASSERT_TRUE(answer["age"].is_number_integer()) << answer;
    EXPECT_GE(answer["age"].get<int>(), 0);
    EXPECT_LE(answer["age"].get<int>(), 120);
    ASSERT_TRUE(answer["pets"].is_array());
    EXPECT_LE(answer["pets"].size(), 3u);
    for (const json& pet : answer["pets"]) EXPECT_TRUE(pet == "dog" || pet == "cat") << pet;
  }
}

// A toy model never calls a tool by itself; tool_choice "required" makes it, in each
// template's own format, and the reply is read back into tool_calls.
TEST(RealModel, RequiredToolChoiceMakesACallInEachTemplatesFormat) {
  RealServer s;
  const json tool = {{"type", "function"},
                     {"function",
                      {{"name", "get_weather"},
                       {"parameters",
                        {{"type", "object"},
                         {"properties", {{"city", {{"type", "string"}, {"maxLength", 16}}}}},
                         {"required", {"city"}}}}}}};
  for (const char* model : {"qwen", "llama"}) {
    for (int seed = 1; seed <= 3; ++seed) {
      json body = s.post("/api/chat",
                         {{"model", model},
                          {"messages", {{{"role", "user"}, {"content", "Weather in Paris?"}}}},
                          {"tools", {tool}},
                          {"tool_choice", "required"},
                          {"stream", false},
                          {"options", {{"temperature", 1}, {"seed", seed}, {"num_predict", 200}}}});
      const json& calls = body["message"]["tool_calls"];
      ASSERT_TRUE(calls.is_array()) << model << " " << body;
      ASSERT_EQ(calls.size(), 1u) << model << " " << body;
      EXPECT_EQ(calls[0]["function"]["name"], "get_weather");
      EXPECT_TRUE(calls[0]["function"]["arguments"]["city"].is_string()) << body;
      EXPECT_EQ(body["message"]["content"], "") << model;
    }
  }
}

// A conversation longer than the context (512 here) loses its oldest messages, never the
// system message or the last one, as Ollama's prompt builder does.
TEST(RealModel, LongChatDropsOldMessagesAndKeepsSystemAndLast) {
  RealServer s;
  json messages = json::array({{{"role", "system"}, {"content", "SYSTEM-RULES"}}});
  for (int i = 0; i < 40; ++i) {
    messages.push_back(
        {{"role", i % 2 ? "assistant" : "user"},
         {"content", "turn " + std::to_string(i) + " once upon a time there was a little dog"}});
  }
  messages.push_back({{"role", "user"}, {"content", "LAST-QUESTION"}});
  s.post("/api/chat", {{"model", "qwen"},
                       {"messages", messages},
                       {"stream", false},
                       {"options", {{"temperature", 0}, {"num_predict", 2}}}});
  std::vector<std::string> prompts = s.factory->take_prompts();
  ASSERT_EQ(prompts.size(), 1u);
  EXPECT_NE(prompts[0].find("SYSTEM-RULES"), std::string::npos);
  EXPECT_NE(prompts[0].find("LAST-QUESTION"), std::string::npos);
  EXPECT_EQ(prompts[0].find("turn 0 "), std::string::npos);   // the oldest went first
  EXPECT_NE(prompts[0].find("turn 39 "), std::string::npos);  // the newest stayed
}

class TemplatePrompt : public ::testing::TestWithParam<std::tuple<std::string, std::string>> {};

// The runner receives byte for byte the prompt Ollama renders for the conversation.
TEST_P(TemplatePrompt, ReachesTheRunnerExactly) {
  const auto& [model, dir] = GetParam();
  RealServer s;
  const std::string data = std::string(SLIMLLM_DATA) + "/templates/";
  for (const std::string name : {"user", "system-user-assistant-user", "tools-user"}) {
    json request = json::parse(read_text(data + name + ".json"));
    request["model"] = model;
    request["stream"] = false;
    request["options"] = {{"temperature", 0}, {"num_predict", 2}};
    s.post("/api/chat", request);
    EXPECT_EQ(s.factory->take_prompts(),
              std::vector<std::string>{read_text(data + dir + "/" + name + ".txt")})
        << model << " " << name;
  }
}

INSTANTIATE_TEST_SUITE_P(Templates, TemplatePrompt,
                         ::testing::Values(std::make_tuple("qwen", "qwen2.5"),
                                           std::make_tuple("llama", "llama3.2")));

}  // namespace
}  // namespace slimllm
