// /api/generate and /api/chat over HTTP with the fake runner: streaming and not, load/unload,
// validation errors, options, the queue and a client that disconnects.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <future>
#include <nlohmann/json.hpp>

#include "grammar/json_schema.h"
#include "http_helpers.h"
#include "test_server.h"

namespace slimllm {
namespace {

using nlohmann::json;
using testing::ndjson;
using testing::expect_error;
using testing::post;
using testing::TestServer;

TEST(Generate, StreamsNdjsonAndFinishesWithMetrics) {
  TestServer s;
  auto res = post(s, "/api/generate", {{"model", "stories"}, {"prompt", "Hello"}});
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/x-ndjson");
  std::vector<json> lines = ndjson(res->body);
  ASSERT_EQ(lines.size(), 5u);
  std::string text;
  for (size_t i = 0; i + 1 < lines.size(); ++i) {
    EXPECT_EQ(lines[i]["model"], "stories");
    EXPECT_EQ(lines[i]["done"], false);
    EXPECT_FALSE(lines[i].contains("done_reason"));
    text += lines[i]["response"].get<std::string>();
  }
  EXPECT_EQ(text, "Once upon a time");
  EXPECT_EQ(res->body.find("{\"model\":\"stories\",\"created_at\":\""), 0u);
  const json& last = lines.back();
  EXPECT_EQ(last["done"], true);
  EXPECT_EQ(last["response"], "");
  EXPECT_EQ(last["done_reason"], "stop");
  EXPECT_EQ(last["context"], json::array({1, 2, 3}));
  EXPECT_EQ(last["eval_count"], 4);
  EXPECT_EQ(last["eval_duration"], 2000);
  EXPECT_EQ(last["prompt_eval_duration"], 1000);
  EXPECT_GT(last["total_duration"].get<int64_t>(), 0);
  EXPECT_GT(last["load_duration"].get<int64_t>(), 0);
  std::string created = last["created_at"];
  EXPECT_EQ(created.back(), 'Z');
  // The prompt reached the model exactly as the renderer produced it, from the model's template
  // and the merged options (model params, then request options).
  ASSERT_EQ(s.state.prompts.size(), 1u);
  EXPECT_EQ(s.state.prompts[0], "<user>Hello");
  ASSERT_EQ(s.renderer->requests.size(), 1u);
  EXPECT_EQ(s.renderer->requests[0].template_text, "{{ .Prompt }}");
  EXPECT_EQ(s.state.inputs[0].sampling.stop, std::vector<std::string>{"<end>"});
  EXPECT_FLOAT_EQ(s.state.inputs[0].sampling.temperature, 0.5f);
}

TEST(Generate, NonStreamingAnswersOneObject) {
  TestServer s;
  auto res = post(s, "/api/generate",
                  {{"model", "stories"},
                   {"prompt", "Hi"},
                   {"stream", false},
                   {"options", {{"temperature", 0.1}, {"seed", 42}}}});
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/json; charset=utf-8");
  json body = json::parse(res->body);
  EXPECT_EQ(body["response"], "Once upon a time");
  EXPECT_EQ(body["done"], true);
  EXPECT_EQ(body["done_reason"], "stop");
  EXPECT_FLOAT_EQ(s.state.inputs[0].sampling.temperature, 0.1f);
  EXPECT_EQ(s.state.inputs[0].sampling.seed, 42);
}

TEST(Generate, RawSkipsTheTemplateAndReturnsNoContext) {
  TestServer s;
  auto res = post(s, "/api/generate",
                  {{"model", "stories"}, {"prompt", "<raw>"}, {"raw", true}, {"stream", false}});
  ASSERT_TRUE(res);
  json body = json::parse(res->body);
  EXPECT_FALSE(body.contains("context"));
  EXPECT_EQ(s.state.prompts[0], "<raw>");
  EXPECT_TRUE(s.renderer->requests.empty());
  expect_error(post(s, "/api/generate",
                    {{"model", "stories"}, {"prompt", "x"}, {"raw", true}, {"system", "s"}}),
               400, "raw mode does not support template, system, or context");
}

TEST(Generate, TemplateOverrideAndSystemAndContext) {
  TestServer s;
  post(s, "/api/generate",
       {{"model", "stories"},
        {"prompt", "p"},
        {"template", "T"},
        {"system", "S"},
        {"stream", false}});
  ASSERT_EQ(s.renderer->requests.size(), 1u);
  EXPECT_EQ(s.renderer->requests[0].kind, PromptRequest::Kind::kLegacy);
  EXPECT_EQ(s.renderer->requests[0].template_text, "T");
  EXPECT_EQ(s.renderer->requests[0].system, "S");
  post(s, "/api/generate",
       {{"model", "stories"}, {"prompt", "p"}, {"context", {5, 6}}, {"stream", false}});
  EXPECT_EQ(s.state.inputs.back().context_tokens, (std::vector<int32_t>{5, 6}));
}

TEST(Generate, ValidationErrors) {
  TestServer s;
  expect_error(post(s, "/api/generate", {{"model", "nope"}, {"prompt", "x"}}), 404,
               "model 'nope' not found");
  expect_error(post(s, "/api/generate", {{"model", "../../etc/passwd"}, {"prompt", "x"}}), 404,
               "model '../../etc/passwd' not found");
  expect_error(
      post(s, "/api/generate", {{"model", "stories"}, {"prompt", "x"}, {"keep_alive", "-1"}}), 400,
      "time: missing unit in duration \"-1\"");
  expect_error(post(s, "/api/generate",
                    {{"model", "stories"}, {"prompt", "x"}, {"options", {{"temperature", "hot"}}}}),
               400, "option \"temperature\" must be of type float32");
  expect_error(post(s, "/api/generate", {{"model", "stories"}, {"prompt", "x"}, {"suffix", "y"}}),
               400, "registry.ollama.ai/library/stories:latest does not support insert");
  expect_error(post(s, "/api/generate", {{"model", "stories"}, {"prompt", "x"}, {"think", true}}),
               400, "\"stories\" does not support thinking");
  expect_error(post(s, "/api/generate", {{"model", "stories"}, {"prompt", "x"}, {"format", "xml"}}),
               400,
               "invalid format: \"\\\"xml\\\"\"; expected \"json\" or a valid JSON Schema object");
  expect_error(
      post(s, "/api/generate", {{"model", "stories"}, {"prompt", "x"}, {"top_logprobs", 21}}), 400,
      "top_logprobs must be between 0 and 20");
  expect_error(s.client().Post("/api/generate", "{", "application/json"), 400, "unexpected EOF");
  expect_error(s.client().Post("/api/generate", "", "application/json"), 400,
               "missing request body");
  EXPECT_EQ(s.state.loads, 0);
}

TEST(Generate, FormatBecomesTheRunnersGrammar) {
  TestServer s;
  post(s, "/api/generate",
       {{"model", "stories"}, {"prompt", "x"}, {"format", "json"}, {"stream", false}});
  EXPECT_EQ(s.state.inputs.back().grammar.gbnf, grammar::json_object_gbnf());
  EXPECT_EQ(s.state.inputs.back().grammar.root, "root");
  EXPECT_EQ(s.state.inputs.back().grammar.after, "");
  // The schema's property order is the request's, not alphabetical.
  const std::string body =
      R"({"model":"stories","prompt":"x","stream":false,"format":{"type":"object",)"
      R"("properties":{"zeta":{"type":"integer"},"alpha":{"type":"string"}},)"
      R"("required":["zeta","alpha"]}})";
  auto res = s.client().Post("/api/generate", body, "application/json");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  const nlohmann::ordered_json schema = nlohmann::ordered_json::parse(
      R"({"type":"object","properties":{"zeta":{"type":"integer"},"alpha":{"type":"string"}},)"
      R"("required":["zeta","alpha"]})");
  EXPECT_EQ(s.state.inputs.back().grammar.gbnf, grammar::json_schema_gbnf(schema));
  post(s, "/api/generate", {{"model", "stories"}, {"prompt", "x"}, {"stream", false}});
  EXPECT_EQ(s.state.inputs.back().grammar.gbnf, "");
}

TEST(Generate, UnsupportedSchemaKeywordsAre400BeforeLoading) {
  TestServer s;
  auto res = post(s, "/api/generate",
                  {{"model", "stories"},
                   {"prompt", "x"},
                   {"format", {{"type", "array"}, {"uniqueItems", true}}}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_NE(res->body.find("uniqueItems"), std::string::npos) << res->body;
  EXPECT_NE(res->body.find("unsupported JSON schema"), std::string::npos) << res->body;
  expect_error(post(s, "/api/generate", {{"model", "stories"}, {"prompt", "x"}, {"format", 5}}),
               400, "invalid format: \"5\"; expected \"json\" or a valid JSON Schema object");
  EXPECT_EQ(s.state.loads, 0);
}

TEST(Generate, EmptyPromptLoadsAndKeepAliveZeroUnloads) {
  TestServer s;
  auto load = post(s, "/api/generate", {{"model", "stories"}});
  ASSERT_TRUE(load);
  json loaded = json::parse(load->body);
  EXPECT_EQ(loaded["done_reason"], "load");
  EXPECT_EQ(loaded["done"], true);
  EXPECT_EQ(loaded["response"], "");
  EXPECT_EQ(s.state.loads, 1);
  EXPECT_TRUE(s.state.prompts.empty());
  json ps = json::parse(s.client().Get("/api/ps")->body);
  ASSERT_EQ(ps["models"].size(), 1u);
  EXPECT_EQ(ps["models"][0]["name"], "stories:latest");
  EXPECT_EQ(ps["models"][0]["size"], 1000);
  EXPECT_EQ(ps["models"][0]["size_vram"], 0);
  EXPECT_EQ(ps["models"][0]["context_length"], 4096);
  EXPECT_EQ(ps["models"][0]["details"]["family"], "llama");
  EXPECT_EQ(ps["models"][0]["digest"].get<std::string>().size(), 64u);
  auto unload = post(s, "/api/generate", {{"model", "stories"}, {"keep_alive", 0}});
  EXPECT_EQ(json::parse(unload->body)["done_reason"], "unload");
  EXPECT_EQ(json::parse(s.client().Get("/api/ps")->body)["models"].size(), 0u);
  EXPECT_EQ(s.state.unloads, 1);
}

TEST(Generate, ReloadsWhenNumCtxChanges) {
  TestServer s;
  post(s, "/api/generate", {{"model", "stories"}, {"prompt", "x"}, {"stream", false}});
  post(s, "/api/generate",
       {{"model", "stories"},
        {"prompt", "x"},
        {"stream", false},
        {"options", {{"temperature", 0}}}});
  EXPECT_EQ(s.state.loads, 1);
  post(s, "/api/generate",
       {{"model", "stories"}, {"prompt", "x"}, {"stream", false}, {"options", {{"num_ctx", 512}}}});
  EXPECT_EQ(s.state.loads, 2);
  EXPECT_EQ(s.state.load_options.back().num_ctx, 512);
}

TEST(Generate, DebugRenderOnlyReturnsThePrompt) {
  TestServer s;
  auto res = post(s, "/api/generate",
                  {{"model", "stories"}, {"prompt", "abc"}, {"_debug_render_only", true}});
  json body = json::parse(res->body);
  EXPECT_EQ(body["_debug_info"]["rendered_template"], "<user>abc");
  EXPECT_EQ(body["_debug_info"]["image_count"], 0);
  EXPECT_EQ(s.state.loads, 0);
}

TEST(Chat, StreamsMessagesAndMergesTheModelsSystem) {
  TestServer s;
  CreateSpec spec;
  spec.name = *ModelName::parse("teller");
  spec.from = "stories";
  spec.system = "Be kind.";
  spec.messages = json::array({{{"role", "user"}, {"content", "earlier"}}});
  create_model(*s.store, spec, {});
  auto res = post(s, "/api/chat",
                  {{"model", "teller"}, {"messages", {{{"role", "User"}, {"content", "Hi"}}}}});
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  std::vector<json> lines = ndjson(res->body);
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[0]["message"], (json{{"role", "assistant"}, {"content", "Once"}}));
  EXPECT_EQ(res->body.find("{\"model\":\"teller\",\"created_at\":\""), 0u);
  const json& last = lines.back();
  EXPECT_EQ(last["message"]["content"], "");
  EXPECT_EQ(last["done_reason"], "stop");
  EXPECT_FALSE(last.contains("context"));
  EXPECT_EQ(s.state.prompts[0], "<system>Be kind.<user>earlier<user>Hi");

  auto single =
      post(s, "/api/chat",
           {{"model", "teller"},
            {"stream", false},
            {"messages",
             {{{"role", "system"}, {"content", "Own"}}, {{"role", "user"}, {"content", "Q"}}}}});
  json body = json::parse(single->body);
  EXPECT_EQ(body["message"]["content"], "Once upon a time");
  EXPECT_EQ(body["message"]["role"], "assistant");
  EXPECT_EQ(s.state.prompts[1], "<user>earlier<system>Own<user>Q");
}

TEST(Chat, LoadUnloadAndErrors) {
  TestServer s;
  auto load = post(s, "/api/chat", {{"model", "stories"}, {"messages", json::array()}});
  EXPECT_EQ(load->body.substr(0, 28), "{\"model\":\"stories\",\"created_");
  json body = json::parse(load->body);
  EXPECT_EQ(body["done_reason"], "load");
  EXPECT_EQ(body["message"], (json{{"role", "assistant"}, {"content", ""}}));
  auto unload = post(s, "/api/chat", {{"model", "stories"}, {"keep_alive", "0s"}});
  EXPECT_EQ(json::parse(unload->body)["done_reason"], "unload");
  expect_error(post(s, "/api/chat", {{"model", ""}, {"messages", json::array()}}), 400,
               "model is required");
  expect_error(post(s, "/api/chat", {{"model", "../x"}, {"messages", json::array()}}), 400,
               "model is required");
  expect_error(post(s, "/api/chat", {{"model", "gone"}, {"messages", json::array()}}), 404,
               "model 'gone' not found");
  expect_error(post(s, "/api/chat",
                    {{"model", "stories"},
                     {"messages", {{{"role", "user"}, {"content", "x"}}}},
                     {"tools", {{{"type", "function"}}}}}),
               400, "registry.ollama.ai/library/stories:latest does not support tools");
}

// The 4th of four simultaneous requests with NUM_PARALLEL=1 and MAX_QUEUE=2 is refused.
TEST(Queue, FourthSimultaneousRequestGets503) {
  SchedulerConfig config = TestServer::default_config();
  config.num_parallel = 1;
  config.max_queue = 2;
  TestServer s(config);
  s.state.gated = true;
  json request = {{"model", "stories"}, {"prompt", "x"}};
  auto run = [&] {
    return std::async(std::launch::async,
                      [&] { return post(s, "/api/generate", request)->status; });
  };
  auto first = run();
  ASSERT_TRUE(s.state.wait_started(1));  // holds the only slot, stopped at the gate
  auto second = run();
  auto third = run();
  ASSERT_TRUE(s.scheduler->wait_for_queued(2, std::chrono::seconds(30)));
  expect_error(post(s, "/api/generate", request), 503,
               "server busy, please try again.  maximum pending requests exceeded");
  s.state.open_gate();
  EXPECT_EQ(first.get(), 200);
  EXPECT_EQ(second.get(), 200);
  EXPECT_EQ(third.get(), 200);
  EXPECT_EQ(s.state.finished, 3);
}

// Opens a raw connection to the server on `port` and sends POST /api/generate with `body`,
// leaving the socket in `fd` for the caller to read from or close.
void send_raw_generate(int port, const std::string& body, int& fd) {
  fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  std::string request =
      "POST /api/generate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
      "Content-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body;
  ASSERT_EQ(send(fd, request.data(), request.size(), 0), static_cast<ssize_t>(request.size()));
}

// Sends a streaming request on a raw connection, reads until the first chunk, and closes.
void stream_then_disconnect(int port, const std::string& body) {
  int fd = -1;
  ASSERT_NO_FATAL_FAILURE(send_raw_generate(port, body, fd));
  std::string received;
  char buffer[4096];
  while (received.find("\"done\":false") == std::string::npos) {
    ssize_t n = recv(fd, buffer, sizeof buffer, 0);
    ASSERT_GT(n, 0);
    received.append(buffer, static_cast<size_t>(n));
  }
  close(fd);
}

// A client that disconnects mid-stream stops its generation and frees the slot for the next.
TEST(Queue, CancelledStreamFreesTheSlot) {
  SchedulerConfig config = TestServer::default_config();
  config.num_parallel = 1;
  config.max_queue = 2;
  TestServer s(config);
  s.state.gated = true;
  s.state.endless_runs = 1;  // the first generation would never end on its own
  stream_then_disconnect(s.port, json{{"model", "stories"}, {"prompt", "x"}}.dump());
  auto next = std::async(std::launch::async, [&] {
    return post(s, "/api/generate", {{"model", "stories"}, {"prompt", "y"}, {"stream", false}});
  });
  ASSERT_TRUE(s.scheduler->wait_for_queued(1, std::chrono::seconds(30)));
  s.state.open_gate();
  auto res = next.get();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(json::parse(res->body)["response"], "Once upon a time");
  EXPECT_EQ(s.state.cancelled, 1);
}

// A non-streaming request whose client gave up (OpenAI SDKs do not stream by default) stops
// generating and frees the only slot for the next request.
TEST(Queue, AbandonedNonStreamingRequestFreesTheSlot) {
  SchedulerConfig config = TestServer::default_config();
  config.num_parallel = 1;
  config.max_queue = 2;
  TestServer s(config);
  s.state.endless_runs = 1;  // the first generation would never end on its own
  int fd = -1;
  ASSERT_NO_FATAL_FAILURE(send_raw_generate(
      s.port, json{{"model", "stories"}, {"prompt", "x"}, {"stream", false}}.dump(), fd));
  ASSERT_TRUE(s.state.wait_started(1));
  close(fd);
  auto res = post(s, "/api/generate", {{"model", "stories"}, {"prompt", "y"}, {"stream", false}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(json::parse(res->body)["response"], "Once upon a time");
  EXPECT_EQ(s.state.cancelled, 1) << "the abandoned generation was not stopped";
}

// A request waiting in the queue whose client hangs up leaves the queue and never runs.
TEST(Queue, QueuedRequestLeavesWhenItsClientHangsUp) {
  SchedulerConfig config = TestServer::default_config();
  config.num_parallel = 1;
  config.max_queue = 2;
  TestServer s(config);
  s.state.gated = true;
  auto first = std::async(std::launch::async, [&] {
    return post(s, "/api/generate", {{"model", "stories"}, {"prompt", "x"}, {"stream", false}});
  });
  ASSERT_TRUE(s.state.wait_started(1));
  int fd = -1;
  ASSERT_NO_FATAL_FAILURE(
      send_raw_generate(s.port, json{{"model", "stories"}, {"prompt", "queued"}}.dump(), fd));
  ASSERT_TRUE(s.scheduler->wait_for_queued(1, std::chrono::seconds(30)));
  close(fd);
  EXPECT_TRUE(s.scheduler->wait_for_queued_at_most(0, std::chrono::seconds(30)))
      << "the abandoned request is still queued";
  s.state.open_gate();
  auto res = first.get();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(s.state.started, 1) << "the abandoned request ran";
}

}  // namespace
}  // namespace slimllm
