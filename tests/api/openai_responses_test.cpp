// The /v1/responses translation (api/openai_responses.h) for what the server tests cannot reach
// with the fake runner: thinking, tool calls, tools and function-call history.
#include "api/openai_responses.h"

#include <gtest/gtest.h>

#include "api/api_error.h"

namespace slimllm::api::openai {
namespace {

using Json = nlohmann::json;

TEST(OpenAiResponses, ToolsAndFunctionCallHistoryBecomeNative) {
  ResponsesExchange x;
  Json native = responses_request(Json::parse(R"({
    "model": "m", "reasoning": {"effort": "none"},
    "tools": [{"type": "function", "name": "weather", "description": "Weather now",
               "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}],
    "text": {"format": {"type": "json_schema", "name": "w", "schema": {"type": "object"}}},
    "input": [
      {"role": "user", "content": "Oslo?"},
      {"type": "reasoning", "encrypted_content": "look it up"},
      {"type": "function_call", "call_id": "call_1", "name": "weather",
       "arguments": "{\"city\":\"Oslo\"}"},
      {"type": "function_call_output", "call_id": "call_1", "output": "cold"}]})"),
                                  x);
  EXPECT_EQ(native["think"], false);
  EXPECT_EQ(native["format"], Json::parse(R"({"type":"object"})"));
  EXPECT_EQ(native["tools"][0], Json::parse(R"({"type":"function","function":{"name":"weather",
      "description":"Weather now",
      "parameters":{"type":"object","properties":{"city":{"type":"string"}}}}})"));
  const Json& m = native["messages"];
  ASSERT_EQ(m.size(), 3u);
  EXPECT_EQ(m[1]["role"], "assistant");
  EXPECT_EQ(m[1]["thinking"], "look it up");
  EXPECT_EQ(
      m[1]["tool_calls"][0],
      Json::parse(R"({"id":"call_1","function":{"name":"weather","arguments":{"city":"Oslo"}}})"));
  EXPECT_EQ(m[2], Json::parse(R"({"role":"tool","content":"cold","tool_call_id":"call_1"})"));
  EXPECT_FALSE(native["stream"].get<bool>());
}

TEST(OpenAiResponses, RefusesWhatOllamaRefuses) {
  auto refused = [](const char* request) {
    ResponsesExchange x;
    try {
      responses_request(Json::parse(request), x);
    } catch (const ApiError& e) {
      EXPECT_EQ(e.status(), 400);
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_EQ(refused(R"({"model":"m","input":[{"content":"x"}]})"),
            "input[0]: input item missing required 'type' field");
  EXPECT_EQ(refused(R"({"model":"m","input":[{"role":"user","content":[{"type":"input_file"}]}]})"),
            "file inputs are not currently supported");
  EXPECT_EQ(refused(R"({"model":"m","input":[{"role":"user","content":[{"type":"video"}]}]})"),
            "input[0]: content[0]: unknown content type: video");
  EXPECT_EQ(refused(R"({"model":"m","input":[{"role":"user","content":[
                        {"type":"input_image","image_url":"https://x/cat.png"}]}]})"),
            "invalid image input");
  EXPECT_EQ(refused(R"({"model":"m","input":"x","max_output_tokens":"ten"})"),
            "invalid type for 'max_output_tokens'");
}

TEST(OpenAiResponses, WholeResponseWithThinkingAndToolCalls) {
  ResponsesExchange x;
  responses_request(Json::parse(R"({"model":"m","input":"x"})"), x);
  OrderedJson r = response_object(Json::parse(R"({"done":true,"prompt_eval_count":3,
      "eval_count":2,"message":{"role":"assistant","content":"","thinking":"hmm",
      "tool_calls":[{"id":"call_9","function":{"name":"f","arguments":{"a":1}}}]}})"),
                                  x);
  ASSERT_EQ(r["output"].size(), 2u);
  EXPECT_EQ(r["output"][0]["type"], "reasoning");
  EXPECT_EQ(r["output"][0]["summary"][0]["text"], "hmm");
  EXPECT_EQ(r["output"][1]["type"], "function_call");
  EXPECT_EQ(r["output"][1]["call_id"], "call_9");
  EXPECT_EQ(r["output"][1]["name"], "f");
  EXPECT_EQ(r["output"][1]["arguments"], "{\"a\":1}");
  EXPECT_EQ(r["usage"]["total_tokens"], 5);
  EXPECT_EQ(r["instructions"], nullptr);
  EXPECT_EQ(r["text"]["format"]["type"], "text");
}

TEST(OpenAiResponses, StreamedThinkingIsAReasoningItemBeforeTheMessage) {
  ResponsesExchange x;
  responses_request(Json::parse(R"({"model":"m","input":"x","stream":true})"), x);
  ResponsesStream stream(x);
  std::vector<std::string> names;
  auto feed = [&](const char* chunk) {
    for (const ResponseEvent& e : stream.chunk(Json::parse(chunk))) {
      names.push_back(e.type);
      EXPECT_EQ(e.sse().rfind("event: " + e.type + "\ndata: {", 0), 0u);
      EXPECT_EQ(e.sse().substr(e.sse().size() - 2), "\n\n");
    }
  };
  feed(R"({"message":{"role":"assistant","content":"","thinking":"Let me"}})");
  feed(R"({"message":{"role":"assistant","content":"Hi"}})");
  feed(R"({"message":{"role":"assistant","content":""},"done":true,"eval_count":2})");
  const std::vector<std::string> expected = {"response.created",
                                             "response.in_progress",
                                             "response.output_item.added",
                                             "response.reasoning_summary_text.delta",
                                             "response.reasoning_summary_text.done",
                                             "response.output_item.done",
                                             "response.output_item.added",
                                             "response.content_part.added",
                                             "response.output_text.delta",
                                             "response.output_text.done",
                                             "response.content_part.done",
                                             "response.output_item.done",
                                             "response.completed"};
  EXPECT_EQ(names, expected);
  std::vector<ResponseEvent> failed = ResponsesStream(x).failed("boom");
  ASSERT_EQ(failed.size(), 3u);
  EXPECT_EQ(failed.back().type, "response.failed");
  EXPECT_EQ(failed.back().data["response"]["error"]["message"], "boom");
  EXPECT_EQ(failed.back().data["sequence_number"], 2);
}

}  // namespace
}  // namespace slimllm::api::openai
