// The /v1 routes on the test server: chat and completions, whole and as
// server-sent events, models, and errors in OpenAI's shape.
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

// The data of each `data: ...` event.
std::vector<std::string> events(const std::string& body) {
  std::vector<std::string> out;
  for (const std::string& block : str_split(body, '\n')) {
    if (block.rfind("data: ", 0) == 0) out.push_back(block.substr(6));
  }
  return out;
}

TEST(OpenAiRoutes, ChatCompletionWhole) {
  TestServer s;
  auto res = post(s, "/v1/chat/completions",
                  {{"model", "stories"}, {"messages", {{{"role", "user"}, {"content", "Hi"}}}}});
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  json body = json::parse(res->body);
  EXPECT_EQ(body["object"], "chat.completion");
  EXPECT_EQ(body["model"], "stories");
  EXPECT_EQ(body["choices"][0]["message"]["role"], "assistant");
  EXPECT_EQ(body["choices"][0]["message"]["content"], "Once upon a time");
  EXPECT_EQ(body["choices"][0]["finish_reason"], "stop");
  EXPECT_EQ(body["usage"]["completion_tokens"], 4);
  // OpenAI's default temperature (1) replaced the model's 0.5.
  EXPECT_EQ(s.state.inputs.back().sampling.temperature, 1.0f);
}

// max_completion_tokens limits the answer as max_tokens does, and wins when both are sent.
TEST(OpenAiRoutes, MaxCompletionTokensLimitsTheAnswer) {
  TestServer s;
  const json messages = {{{"role", "user"}, {"content", "Hi"}}};
  auto res = post(s, "/v1/chat/completions",
                  {{"model", "stories"}, {"messages", messages}, {"max_completion_tokens", 7}});
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(s.state.inputs.back().sampling.num_predict, 7);
  res = post(s, "/v1/chat/completions",
             {{"model", "stories"},
              {"messages", messages},
              {"max_tokens", 3},
              {"max_completion_tokens", 9}});
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(s.state.inputs.back().sampling.num_predict, 9);
  res = post(s, "/v1/chat/completions",
             {{"model", "stories"}, {"messages", messages}, {"max_tokens", 5}});
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(s.state.inputs.back().sampling.num_predict, 5);
  res = post(s, "/v1/chat/completions",
             {{"model", "stories"}, {"messages", messages}, {"max_completion_tokens", "many"}});
  ASSERT_EQ(res->status, 400) << res->body;
  EXPECT_EQ(json::parse(res->body)["error"]["message"], "invalid type for 'max_completion_tokens'");
  EXPECT_EQ(json::parse(res->body)["error"]["type"], "invalid_request_error");
}

TEST(OpenAiRoutes, ChatCompletionStreamsEvents) {
  TestServer s;
  auto res = post(s, "/v1/chat/completions",
                  {{"model", "stories"},
                   {"stream", true},
                   {"stream_options", {{"include_usage", true}}},
                   {"messages", {{{"role", "user"}, {"content", "Hi"}}}}});
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(res->get_header_value("Content-Type"), "text/event-stream");
  std::vector<std::string> data = events(res->body);
  ASSERT_GE(data.size(), 4u) << res->body;
  EXPECT_EQ(data.back(), "[DONE]");
  std::string text;
  json last_content;
  for (size_t i = 0; i + 2 < data.size(); ++i) {
    json chunk = json::parse(data[i]);
    EXPECT_EQ(chunk["object"], "chat.completion.chunk");
    EXPECT_EQ(chunk["choices"][0]["delta"]["role"], "assistant");
    text += chunk["choices"][0]["delta"]["content"].get<std::string>();
    last_content = chunk;
  }
  EXPECT_EQ(text, "Once upon a time");
  EXPECT_EQ(last_content["choices"][0]["finish_reason"], "stop");
  json usage = json::parse(data[data.size() - 2]);
  EXPECT_TRUE(usage["choices"].empty());
  EXPECT_EQ(usage["usage"]["completion_tokens"], 4);
}

TEST(OpenAiRoutes, CompletionsWholeAndStreamed) {
  TestServer s;
  auto res = post(s, "/v1/completions", {{"model", "stories"}, {"prompt", "Once"}});
  ASSERT_EQ(res->status, 200) << res->body;
  json body = json::parse(res->body);
  EXPECT_EQ(body["object"], "text_completion");
  EXPECT_EQ(body["choices"][0]["text"], "Once upon a time");
  res = post(s, "/v1/completions", {{"model", "stories"}, {"prompt", "Once"}, {"stream", true}});
  std::vector<std::string> data = events(res->body);
  ASSERT_GE(data.size(), 2u);
  EXPECT_EQ(data.back(), "[DONE]");
  std::string text;
  for (size_t i = 0; i + 1 < data.size(); ++i) {
    text += json::parse(data[i])["choices"][0]["text"].get<std::string>();
  }
  EXPECT_EQ(text, "Once upon a time");
}

TEST(OpenAiRoutes, ModelsListAndRetrieve) {
  TestServer s;
  auto res = s.client().Get("/v1/models");
  ASSERT_EQ(res->status, 200);
  json body = json::parse(res->body);
  EXPECT_EQ(body["object"], "list");
  ASSERT_EQ(body["data"].size(), 1u);
  EXPECT_EQ(body["data"][0]["id"], "stories:latest");
  EXPECT_EQ(body["data"][0]["object"], "model");
  EXPECT_EQ(body["data"][0]["owned_by"], "library");
  EXPECT_GT(body["data"][0]["created"].get<int64_t>(), 1600000000);
  res = s.client().Get("/v1/models/stories");
  ASSERT_EQ(res->status, 200);
  EXPECT_EQ(json::parse(res->body)["id"], "stories");
  res = s.client().Get("/v1/models/nope");
  EXPECT_EQ(res->status, 404);
  EXPECT_EQ(json::parse(res->body)["error"]["type"], "not_found_error");
}

TEST(OpenAiRoutes, ErrorsInOpenAisShape) {
  TestServer s;
  auto res = post(s, "/v1/chat/completions", {{"model", "stories"}, {"messages", json::array()}});
  EXPECT_EQ(res->status, 400);
  json e = json::parse(res->body)["error"];
  EXPECT_EQ(e["message"], "[] is too short - 'messages'");
  EXPECT_EQ(e["type"], "invalid_request_error");
  EXPECT_TRUE(e["param"].is_null());
  res = post(s, "/v1/chat/completions",
             {{"model", "nope"}, {"messages", {{{"role", "user"}, {"content", "Hi"}}}}});
  EXPECT_EQ(res->status, 404);
  e = json::parse(res->body)["error"];
  EXPECT_EQ(e["message"], "model 'nope' not found");
  EXPECT_EQ(e["type"], "api_error") << "errors from the native handler keep their status only";
  res = s.client().Post("/v1/chat/completions", "{not json", "application/json");
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(json::parse(res->body)["error"]["type"], "invalid_request_error");
}

}  // namespace
}  // namespace slimllm
