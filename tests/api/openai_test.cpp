// The /v1 translation to and from the native API (ollama-api.md §1.15).
#include "api/openai.h"

#include <gtest/gtest.h>

#include "api/api_error.h"

namespace slimllm::api::openai {
namespace {

Json parse(const char* text) {
  return Json::parse(text);
}

void expect_400(const Json& request, const std::string& message, bool chat = true) {
  Exchange e;
  try {
    chat ? chat_request(request, e) : completion_request(request, e);
    FAIL() << "accepted " << request.dump();
  } catch (const ApiError& error) {
    EXPECT_EQ(error.status(), 400);
    EXPECT_EQ(std::string(error.what()), message);
  }
}

TEST(OpenAi, ChatRequestBecomesANativeChat) {
  Exchange e;
  Json native = chat_request(parse(R"({
    "model": "llama3.2", "max_tokens": 20, "seed": 7, "stop": "END",
    "messages": [
      {"role": "system", "content": "Be brief."},
      {"role": "user", "content": [{"type": "text", "text": "Look: "},
                                    {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}]},
      {"role": "assistant", "content": null,
       "tool_calls": [{"id": "call_1", "type": "function",
                       "function": {"name": "weather", "arguments": "{\"city\":\"Oslo\"}"}}]},
      {"role": "tool", "tool_call_id": "call_1", "content": "cold"}],
    "response_format": {"type": "json_object"},
    "stream": true, "stream_options": {"include_usage": true}})"),
                             e);
  EXPECT_EQ(e.model, "llama3.2");
  EXPECT_TRUE(e.stream);
  EXPECT_TRUE(e.include_usage);
  EXPECT_EQ(e.id.rfind("chatcmpl-", 0), 0u);
  EXPECT_EQ(native["model"], "llama3.2");
  EXPECT_EQ(native["stream"], true);
  EXPECT_EQ(native["format"], "json");
  // OpenAI's defaults win over the model's: temperature and top_p 1 when absent.
  EXPECT_EQ(native["options"], parse(R"({"num_predict":20,"seed":7,"stop":["END"],
                                         "temperature":1.0,"top_p":1.0})"));
  const Json& m = native["messages"];
  ASSERT_EQ(m.size(), 4u);
  EXPECT_EQ(m[0], parse(R"({"role":"system","content":"Be brief."})"));
  EXPECT_EQ(m[1]["content"], "Look: ");
  EXPECT_EQ(m[1]["images"], parse(R"(["AAAA"])"));
  EXPECT_EQ(m[2]["tool_calls"][0]["function"]["arguments"], parse(R"({"city":"Oslo"})"));
  EXPECT_EQ(m[3]["tool_name"], "weather") << "named after the call it answers";
}

TEST(OpenAi, BadChatRequestsAreRefused) {
  expect_400(parse(R"({"model":"m","messages":[]})"), "[] is too short - 'messages'");
  expect_400(parse(R"({"messages":[{"role":"user","content":"x"}]})"), "model is required");
  expect_400(parse(R"({"model":"m","messages":[{"role":"user","content":[
               {"type":"image_url","image_url":"https://example.com/cat.png"}]}]})"),
             "invalid image input");
  expect_400(
      parse(R"({"model":"m","messages":[{"role":"user","content":"x"}],"temperature":"hot"})"),
      "invalid type for 'temperature'");
  expect_400(parse(R"({"model":"m","messages":[{"role":"user","content":"x"}],
                       "reasoning_effort":"max"})"),
             "invalid reasoning value: 'max' (must be \"high\", \"medium\", \"low\", or \"none\")");
  expect_400(parse(R"({"model":"m","prompt":["a","b"]})"),
             "invalid type for 'prompt' field: only a string is supported", false);
}

// Found by fuzz_request: fields of the wrong type threw the JSON library's type_error (a 500).
TEST(OpenAi, FieldsOfTheWrongTypeAre400) {
  expect_400(parse(R"({"model":"m","messages":[{"role":["user"],"content":"x"}]})"),
             "invalid type for 'role'");
  expect_400(parse(R"({"model":"m","messages":[{"role":"user","content":[{"type":1}]}]})"),
             "invalid type for 'content.type'");
  expect_400(parse(R"({"model":"m","messages":[{"role":"assistant","content":"",
                       "tool_calls":[1]}]})"),
             "invalid type for 'tool_calls'");
  expect_400(parse(R"({"model":"m","messages":[{"role":"user","content":"x"}],"stream":"yes"})"),
             "invalid type for 'stream'");
  expect_400(parse(R"({"model":"m","messages":[{"role":"user","content":"x"}],
                       "response_format":{"type":7}})"),
             "invalid type for 'response_format.type'");
  expect_400(parse(R"({"model":"m","prompt":"x","echo":"yes"})"), "invalid type for 'echo'", false);
  Exchange e;
  EXPECT_EQ(completion_request(parse(R"({"model":"m","prompt":null})"), e)["prompt"], "");
}

TEST(OpenAi, ToolCallArgumentsNestedPastTheLimitAreRefused) {
  Json request = parse(R"({"model":"m","messages":[{"role":"assistant","content":"",
      "tool_calls":[{"id":"c","type":"function","function":{"name":"f"}}]},
      {"role":"user","content":"x"}]})");
  request["messages"][0]["tool_calls"][0]["function"]["arguments"] =
      std::string(100000, '[') + std::string(100000, ']');
  expect_400(request,
             "invalid tool call arguments: JSON nested deeper than 1000 levels (the server's "
             "limit) at byte 1000");
}

TEST(OpenAi, ChatResponseAndChunks) {
  Exchange e{"chatcmpl-5", "llama3.2", 1733000000, false, false, false, "", false};
  Json final_native = parse(R"({"model":"llama3.2:latest","done":true,"done_reason":"stop",
      "message":{"role":"assistant","content":"Hi"},"prompt_eval_count":26,"eval_count":9})");
  OrderedJson r = chat_response(final_native, e);
  EXPECT_EQ(
      go_json(r),
      R"({"id":"chatcmpl-5","object":"chat.completion","created":1733000000,"model":"llama3.2",)"
      R"("system_fingerprint":"fp_ollama","choices":[{"index":0,"message":{"role":"assistant",)"
      R"("content":"Hi"},"finish_reason":"stop"}],"usage":{"prompt_tokens":26,)"
      R"("completion_tokens":9,"total_tokens":35}})");
  bool tools = false;
  OrderedJson c =
      chat_chunk(parse(R"({"done":false,"message":{"role":"assistant","content":"H"}})"), e, tools);
  EXPECT_EQ(c["object"], "chat.completion.chunk");
  EXPECT_EQ(c["choices"][0]["delta"]["role"], "assistant");
  EXPECT_EQ(c["choices"][0]["delta"]["content"], "H");
  EXPECT_TRUE(c["choices"][0]["finish_reason"].is_null());
  c = chat_chunk(parse(R"({"done":false,"message":{"role":"assistant","content":"",
      "tool_calls":[{"function":{"name":"f","arguments":{"a":1}}}]}})"),
                 e, tools);
  EXPECT_TRUE(tools);
  EXPECT_EQ(c["choices"][0]["delta"]["tool_calls"][0]["function"]["arguments"], "{\"a\":1}");
  c = chat_chunk(final_native, e, tools);
  EXPECT_EQ(c["choices"][0]["finish_reason"], "tool_calls") << "a tool call was streamed";
  OrderedJson u = usage_chunk(final_native, e, "chat.completion.chunk");
  EXPECT_TRUE(u["choices"].empty());
  EXPECT_EQ(u["usage"]["total_tokens"], 35);
}

TEST(OpenAi, CompletionsTranslateBothWays) {
  Exchange e;
  Json native = completion_request(
      parse(R"({"model":"m","prompt":"Once","suffix":"end","top_p":0,"temperature":0.2})"), e);
  EXPECT_EQ(e.id.rfind("cmpl-", 0), 0u);
  EXPECT_EQ(native["prompt"], "Once");
  EXPECT_EQ(native["suffix"], "end");
  EXPECT_EQ(native["options"]["top_p"], 1.0) << "0 means the default";
  EXPECT_EQ(native["options"]["temperature"], 0.2);
  OrderedJson r = completion_response(
      parse(R"({"response":" upon","done":true,"done_reason":"length","eval_count":2})"), e);
  EXPECT_EQ(r["object"], "text_completion");
  EXPECT_EQ(r["choices"][0]["text"], " upon");
  EXPECT_EQ(r["choices"][0]["finish_reason"], "length");
  EXPECT_EQ(r["usage"]["completion_tokens"], 2);
}

TEST(OpenAi, ErrorBodiesFollowTheStatus) {
  EXPECT_EQ(
      go_json(error_body(400, "bad")),
      R"({"error":{"message":"bad","type":"invalid_request_error","param":null,"code":null}})");
  EXPECT_EQ(error_body(404, "x")["error"]["type"], "not_found_error");
  EXPECT_EQ(error_body(500, "x")["error"]["type"], "api_error");
  EXPECT_EQ(error_body(404, "x", "api_error")["error"]["type"], "api_error");
}

}  // namespace
}  // namespace slimllm::api::openai
