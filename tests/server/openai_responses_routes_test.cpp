// /v1/responses on the test server: the whole response object, the streamed events in order,
// the request's fields reaching the model, and errors in OpenAI's shape.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "base/strings.h"
#include "http_helpers.h"
#include "test_server.h"

namespace slimllm {
namespace {

using nlohmann::json;
using testing::post;
using testing::TestServer;

struct Event {
  std::string name;  // the `event:` line
  json data;
};

// `event: <type>\ndata: <json>\n\n` blocks.
std::vector<Event> events(const std::string& body) {
  std::vector<Event> out;
  std::string name;
  for (const std::string& line : str_split(body, '\n')) {
    if (line.rfind("event: ", 0) == 0) name = line.substr(7);
    if (line.rfind("data: ", 0) == 0) out.push_back({name, json::parse(line.substr(6))});
  }
  return out;
}

TEST(OpenAiResponses, WholeResponseFromAString) {
  TestServer s;
  auto res = post(s, "/v1/responses",
                  {{"model", "stories"},
                   {"input", "Tell me a story"},
                   {"instructions", "Be brief."},
                   {"temperature", 0.25},
                   {"top_p", 0.5},
                   {"max_output_tokens", 12}});
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
  const json body = json::parse(res->body);
  EXPECT_EQ(body["id"].get<std::string>().rfind("resp_", 0), 0u);
  EXPECT_EQ(body["object"], "response");
  EXPECT_EQ(body["status"], "completed");
  EXPECT_EQ(body["model"], "stories");
  EXPECT_EQ(body["instructions"], "Be brief.");
  EXPECT_EQ(body["temperature"], 0.25);
  EXPECT_EQ(body["top_p"], 0.5);
  EXPECT_EQ(body["max_output_tokens"], 12);
  EXPECT_GT(body["created_at"].get<int64_t>(), 0);
  ASSERT_EQ(body["output"].size(), 1u);
  const json& item = body["output"][0];
  EXPECT_EQ(item["type"], "message");
  EXPECT_EQ(item["id"].get<std::string>().rfind("msg_", 0), 0u);
  EXPECT_EQ(item["status"], "completed");
  EXPECT_EQ(item["role"], "assistant");
  EXPECT_EQ(item["content"], json::parse(R"([{"type":"output_text","text":"Once upon a time",
                                              "annotations":[],"logprobs":[]}])"));
  EXPECT_EQ(body["usage"]["output_tokens"], 4);
  EXPECT_EQ(body["usage"]["total_tokens"], body["usage"]["input_tokens"].get<int64_t>() + 4);
  // Field order as Ollama's struct writes it.
  EXPECT_EQ(res->body.find("{\"id\":\"resp_"), 0u);
  EXPECT_LT(res->body.find("\"status\""), res->body.find("\"output\""));
  // The request reached the model as a chat: instructions first, options translated.
  {
    std::lock_guard lock(s.renderer->mutex);
    const PromptRequest& p = s.renderer->requests.back();
    ASSERT_EQ(p.messages.size(), 2u);
    EXPECT_EQ(p.messages[0].role, "system");
    EXPECT_EQ(p.messages[0].content, "Be brief.");
    EXPECT_EQ(p.messages[1].role, "user");
    EXPECT_EQ(p.messages[1].content, "Tell me a story");
  }
  const GenerateInput& in = s.state.inputs.back();
  EXPECT_EQ(in.sampling.num_predict, 12);
  EXPECT_FLOAT_EQ(in.sampling.temperature, 0.25f);
  EXPECT_FLOAT_EQ(in.sampling.top_p, 0.5f);
}

TEST(OpenAiResponses, InputItemsBecomeMessages) {
  TestServer s;
  json input = json::parse(R"([
    {"role": "user", "content": "first"},
    {"type": "message", "role": "assistant",
     "content": [{"type": "output_text", "text": "reply"}]},
    {"type": "message", "role": "developer", "content": [{"type": "input_text", "text": "rule"}]},
    {"role": "user", "content": [{"type": "input_text", "text": "second "},
                                 {"type": "input_text", "text": "part"}]}])");
  auto res = post(s, "/v1/responses", {{"model", "stories"}, {"input", input}});
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  std::lock_guard lock(s.renderer->mutex);
  const PromptRequest& p = s.renderer->requests.back();
  ASSERT_EQ(p.messages.size(), 4u);
  EXPECT_EQ(p.messages[0].content, "first");
  EXPECT_EQ(p.messages[1].role, "assistant");
  EXPECT_EQ(p.messages[1].content, "reply");
  EXPECT_EQ(p.messages[2].role, "system");
  EXPECT_EQ(p.messages[3].content, "second part");
  // OpenAI's default temperature (1) replaced the model's 0.5.
  EXPECT_FLOAT_EQ(s.state.inputs.back().sampling.temperature, 1.0f);
}

TEST(OpenAiResponses, StreamsTypedEventsInOrder) {
  TestServer s;
  auto res = post(s, "/v1/responses", {{"model", "stories"}, {"input", "Hi"}, {"stream", true}});
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(res->get_header_value("Content-Type"), "text/event-stream");
  const std::vector<Event> got = events(res->body);
  std::vector<std::string> names;
  for (const Event& e : got) names.push_back(e.name);
  const std::vector<std::string> expected = {
      "response.created",           "response.in_progress",
      "response.output_item.added", "response.content_part.added",
      "response.output_text.delta", "response.output_text.delta",
      "response.output_text.delta", "response.output_text.delta",
      "response.output_text.done",  "response.content_part.done",
      "response.output_item.done",  "response.completed"};
  ASSERT_EQ(names, expected) << res->body;
  std::string text;
  std::string message_id;
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].data["type"], got[i].name);
    EXPECT_EQ(got[i].data["sequence_number"], i);
    if (got[i].name == "response.output_text.delta") {
      text += got[i].data["delta"].get<std::string>();
      EXPECT_EQ(got[i].data["item_id"], message_id);
    }
    if (got[i].name == "response.output_item.added") {
      message_id = got[i].data["item"]["id"];
      EXPECT_EQ(got[i].data["item"]["status"], "in_progress");
    }
  }
  EXPECT_EQ(text, "Once upon a time");
  EXPECT_EQ(got[0].data["response"]["status"], "in_progress");
  EXPECT_EQ(got[0].data["response"]["output"], json::array());
  EXPECT_EQ(got[8].data["text"], "Once upon a time");
  const json& done = got.back().data["response"];
  EXPECT_EQ(done["status"], "completed");
  EXPECT_EQ(done["id"], got[0].data["response"]["id"]);
  EXPECT_EQ(done["output"][0]["content"][0]["text"], "Once upon a time");
  EXPECT_EQ(done["output"][0]["id"], message_id);
  EXPECT_EQ(done["usage"]["output_tokens"], 4);
}

TEST(OpenAiResponses, ErrorsInOpenAisShape) {
  TestServer s;
  auto expect = [&](const json& request, int status, const std::string& message,
                    const std::string& type) {
    auto res = post(s, "/v1/responses", request);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, status) << res->body;
    const json body = json::parse(res->body);
    EXPECT_EQ(body["error"]["message"], message) << res->body;
    EXPECT_EQ(body["error"]["type"], type);
  };
  expect({{"input", "x"}}, 400, "model is required", "invalid_request_error");
  expect({{"model", "nosuch"}, {"input", "x"}}, 404, "model 'nosuch' not found", "api_error");
  expect({{"model", "stories"}, {"input", 5}}, 400, "input must be a string or array",
         "invalid_request_error");
  expect({{"model", "stories"}, {"input", {{{"type", "mystery"}}}}}, 400,
         "input[0]: unknown input item type: \"mystery\"", "invalid_request_error");
  expect({{"model", "stories"}, {"input", "x"}, {"reasoning", {{"effort", "extreme"}}}}, 400,
         "invalid reasoning value: \"extreme\" (must be \"high\", \"medium\", \"low\", \"max\", "
         "or \"none\")",
         "invalid_request_error");
  expect({{"model", "stories"}, {"input", "x"}, {"previous_response_id", "resp_1"}}, 400,
         "'previous_response_id' is not supported: responses are not stored",
         "invalid_request_error");
  // Tools reach the native check: stories' template has no .Tools.
  expect({{"model", "stories"},
          {"input", "x"},
          {"tools", {{{"type", "function"}, {"name", "f"}, {"parameters", json::object()}}}}},
         400, "registry.ollama.ai/library/stories:latest does not support tools", "api_error");
  expect({{"model", "stories"}, {"input", "x"}, {"tools", {{{"type", "web_search"}}}}}, 400,
         "tool type \"web_search\" is not supported; only \"function\" tools are",
         "invalid_request_error");
}

}  // namespace
}  // namespace slimllm
