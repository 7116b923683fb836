// /api/embed, /api/embeddings and /v1/embeddings on the test server (the fake runner embeds item
// i of L tokens as {3, 4, 0, L}), and the embedding capability on /api/show, /api/generate and
// /api/chat.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>

#include "api/openai_embed.h"
#include "gguf/writer.h"
#include "http_helpers.h"
#include "test_server.h"

namespace slimllm {
namespace {

using nlohmann::json;
using testing::expect_error;
using testing::post;
using testing::TestServer;

void expect_openai_error(const httplib::Result& res, int status, const std::string& message,
                         const std::string& type) {
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, status) << res->body;
  json body = json::parse(res->body);
  EXPECT_EQ(body["error"]["message"], message);
  EXPECT_EQ(body["error"]["type"], type);
}

json ok_body(const httplib::Result& res) {
  EXPECT_TRUE(res);
  if (!res) return json();
  EXPECT_EQ(res->status, 200) << res->body;
  return json::parse(res->body);
}

// {3, 4, 0, len} L2-normalized, as /api/embed answers the fake runner's vector.
std::vector<double> normalized(double len) {
  const double norm = std::sqrt(9.0 + 16.0 + len * len);
  return {3 / norm, 4 / norm, 0.0, len / norm};
}

void expect_near(const json& actual, const std::vector<double>& expected) {
  ASSERT_TRUE(actual.is_array()) << actual.dump();
  ASSERT_EQ(actual.size(), expected.size()) << actual.dump();
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_NEAR(actual[i].get<double>(), expected[i], 1e-6) << "dimension " << i;
  }
}

// A model whose GGUF declares a pooling (an embedding model); the fake runner never reads it.
void add_embedding_model(TestServer& s, const std::string& name, const char* arch,
                         bool pooling_key) {
  GgufWriter w;
  w.set_string("general.architecture", arch);
  if (pooling_key) w.set_uint32(std::string(arch) + ".pooling_type", 1);
  const std::string path = (s.root / (name + ".gguf")).string();
  w.write(path);
  Layer blob = s.store->add_blob_file(path, kMediaModel);
  CreateSpec spec;
  spec.name = *ModelName::parse(name);
  spec.files[name + ".gguf"] = blob.digest;
  create_model(*s.store, spec, {});
}

// The top-level keys of a JSON object text, in the order written.
std::string key_order(const std::string& text) {
  std::string out;
  const nlohmann::ordered_json object = nlohmann::ordered_json::parse(text);
  for (const auto& [key, value] : object.items()) {
    out += (out.empty() ? "" : ",") + key;
  }
  return out;
}

TEST(Embed, OneStringIsNormalizedWithCounts) {
  TestServer s;
  auto res = post(s, "/api/embed", {{"model", "stories"}, {"input", "hello"}});
  json body = ok_body(res);
  EXPECT_EQ(body["model"], "stories");
  ASSERT_EQ(body["embeddings"].size(), 1u);
  expect_near(body["embeddings"][0], normalized(5));
  EXPECT_EQ(body["prompt_eval_count"], 5);
  EXPECT_GT(body["total_duration"].get<int64_t>(), 0);
  EXPECT_TRUE(body["load_duration"].is_number_integer());
  EXPECT_EQ(key_order(res->body),
            "model,embeddings,total_duration,load_duration,prompt_eval_count");
  ASSERT_EQ(s.state.embed_inputs.size(), 1u);
  EXPECT_TRUE(s.state.embed_inputs[0].truncate) << "truncate defaults to true";
}

TEST(Embed, AListGoesToTheRunnerInOneCallAndComesBackInOrder) {
  TestServer s;
  json body =
      ok_body(post(s, "/api/embed", {{"model", "stories"}, {"input", {"abc", "a", "abcdefgh"}}}));
  ASSERT_EQ(body["embeddings"].size(), 3u);
  expect_near(body["embeddings"][0], normalized(3));
  expect_near(body["embeddings"][1], normalized(1));
  expect_near(body["embeddings"][2], normalized(8));
  EXPECT_EQ(body["prompt_eval_count"], 12);
  ASSERT_EQ(s.state.embed_inputs.size(), 1u) << "one runner call for the whole list";
  const EmbedInput& in = s.state.embed_inputs[0];
  ASSERT_EQ(in.items.size(), 3u);
  EXPECT_EQ(in.items[0].text, "abc");
  EXPECT_EQ(in.items[1].text, "a");
  EXPECT_EQ(in.items[2].text, "abcdefgh");
  EXPECT_FALSE(in.items[0].is_tokens);
}

TEST(Embed, EmptyInputLoadsTheModelAndAnswersNoEmbeddings) {
  for (const json& input : {json(""), json::array(), json()}) {
    TestServer s;
    json request = {{"model", "stories"}};
    if (!input.is_null()) request["input"] = input;
    auto res = post(s, "/api/embed", request);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200) << res->body;
    EXPECT_EQ(res->body, R"({"model":"stories","embeddings":[]})") << input.dump();
    EXPECT_EQ(s.state.loads, 1) << "the model was loaded for " << input.dump();
    EXPECT_TRUE(s.state.embed_inputs.empty());
  }
}

TEST(Embed, OtherInputTypesAreRefused) {
  TestServer s;
  for (const json& input : {json(3), json({{"a", 1}}), json::array({"a", 1}), json(true),
                            json::array({json::array({1, 2})})}) {
    expect_error(post(s, "/api/embed", {{"model", "stories"}, {"input", input}}), 400,
                 "invalid input type");
  }
  EXPECT_EQ(s.state.loads, 0) << "refused before loading";
}

TEST(Embed, DimensionsTruncateThenRenormalize) {
  TestServer s;
  json body =
      ok_body(post(s, "/api/embed", {{"model", "stories"}, {"input", "hey"}, {"dimensions", 2}}));
  expect_near(body["embeddings"][0], {0.6, 0.8});
  // Zero, negative, or not smaller than the vector: the whole vector (Ollama does not refuse).
  for (int d : {0, -1, 4, 9}) {
    body =
        ok_body(post(s, "/api/embed", {{"model", "stories"}, {"input", "hey"}, {"dimensions", d}}));
    expect_near(body["embeddings"][0], normalized(3));
  }
  expect_error(
      post(s, "/api/embed", {{"model", "stories"}, {"input", "hey"}, {"dimensions", "2"}}), 400,
      "json: cannot unmarshal string into Go struct field EmbedRequest.dimensions of type int");
}

TEST(Embed, TruncateFalseRefusesAnInputLongerThanTheContext) {
  TestServer s;
  const std::string long_text(40, 'x');
  const json options = {{"num_ctx", 16}};
  expect_error(
      post(s, "/api/embed",
           {{"model", "stories"}, {"input", long_text}, {"truncate", false}, {"options", options}}),
      400, "the input length exceeds the context length");
  // Truncating (the default), it is cut to the context.
  json body = ok_body(
      post(s, "/api/embed", {{"model", "stories"}, {"input", long_text}, {"options", options}}));
  expect_near(body["embeddings"][0], normalized(16));
  EXPECT_EQ(body["prompt_eval_count"], 16);
  EXPECT_FALSE(s.state.embed_inputs.front().truncate);
  EXPECT_TRUE(s.state.embed_inputs.back().truncate);
}

TEST(Embed, OptionsAndKeepAliveReachTheScheduler) {
  TestServer s;
  ok_body(post(s, "/api/embed",
               {{"model", "stories"},
                {"input", "a"},
                {"options", {{"num_ctx", 64}, {"num_batch", 32}}},
                {"keep_alive", 0}}));
  ASSERT_EQ(s.state.load_options.size(), 1u);
  EXPECT_EQ(s.state.load_options[0].num_ctx, 64);
  EXPECT_EQ(s.state.load_options[0].num_batch, 32);
  // keep_alive 0: unloaded once the request ended.
  EXPECT_TRUE(s.scheduler->loaded().empty());
  expect_error(
      post(s, "/api/embed", {{"model", "stories"}, {"input", "a"}, {"keep_alive", "soon"}}), 400,
      "time: invalid duration \"soon\"");
}

TEST(Embed, UnknownModelsAndBadBodies) {
  TestServer s;
  expect_error(post(s, "/api/embed", {{"model", "nope"}, {"input", "a"}}), 404,
               "model \"nope\" not found, try pulling it first");
  expect_error(post(s, "/api/embed", {{"input", "a"}}), 400, "model is required");
  auto res = s.client().Post("/api/embed", "", "application/json");
  expect_error(res, 400, "missing request body");
}

TEST(Embed, AGenerativeModelEmbedsAndAnEmbeddingModelToo) {
  TestServer s;
  add_embedding_model(s, "minilm", "bert", true);
  json body = ok_body(post(s, "/api/embed", {{"model", "minilm"}, {"input", "ab"}}));
  expect_near(body["embeddings"][0], normalized(2));
}

TEST(Embeddings, LegacyPromptIsNotNormalized) {
  TestServer s;
  auto res = post(s, "/api/embeddings", {{"model", "stories"}, {"prompt", "hello"}});
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(res->body, R"({"embedding":[3.0,4.0,0.0,5.0]})");
  ASSERT_EQ(s.state.embed_inputs.size(), 1u);
  EXPECT_FALSE(s.state.embed_inputs[0].truncate) << "Ollama's legacy handler does not truncate";
}

TEST(Embeddings, EmptyPromptLoadsAndAnswersAnEmptyEmbedding) {
  TestServer s;
  auto res = post(s, "/api/embeddings", {{"model", "stories"}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(res->body, R"({"embedding":[]})");
  EXPECT_EQ(s.state.loads, 1);
}

TEST(Embeddings, ErrorsInOllamasWords) {
  TestServer s;
  expect_error(post(s, "/api/embeddings", {{"prompt", "a"}}), 400, "model is required");
  expect_error(post(s, "/api/embeddings", {{"model", "nope"}, {"prompt", "a"}}), 404,
               "model \"nope\" not found, try pulling it first");
  expect_error(
      post(s, "/api/embeddings", {{"model", "stories"}, {"prompt", 3}}), 400,
      "json: cannot unmarshal number into Go struct field EmbeddingRequest.prompt of type string");
  // Too long for the context: a runner error (500), the legacy handler does not truncate.
  expect_error(
      post(
          s, "/api/embeddings",
          {{"model", "stories"}, {"prompt", std::string(40, 'x')}, {"options", {{"num_ctx", 16}}}}),
      500, "the input length exceeds the context length");
}

// The little-endian float32 values of a base64 text.
std::vector<float> decode_floats(const std::string& b64) {
  static const std::string kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string bytes;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : b64) {
    if (c == '=') break;
    acc = (acc << 6) | static_cast<uint32_t>(kAlphabet.find(c));
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  std::vector<float> out(bytes.size() / 4);
  std::memcpy(out.data(), bytes.data(), out.size() * 4);
  return out;
}

TEST(OpenAiEmbeddings, FloatListWithUsage) {
  TestServer s;
  auto res = post(s, "/v1/embeddings", {{"model", "stories"}, {"input", {"ab", "abcd"}}});
  json body = ok_body(res);
  EXPECT_EQ(key_order(res->body), "object,data,model,usage");
  EXPECT_EQ(body["object"], "list");
  EXPECT_EQ(body["model"], "stories");
  ASSERT_EQ(body["data"].size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(body["data"][i]["object"], "embedding");
    EXPECT_EQ(body["data"][i]["index"], i);
  }
  expect_near(body["data"][0]["embedding"], normalized(2));
  expect_near(body["data"][1]["embedding"], normalized(4));
  EXPECT_EQ(body["usage"], json({{"prompt_tokens", 6}, {"total_tokens", 6}}));
}

TEST(OpenAiEmbeddings, Base64IsLittleEndianFloat32) {
  TestServer s;
  json body =
      ok_body(post(s, "/v1/embeddings",
                   {{"model", "stories"}, {"input", "abc"}, {"encoding_format", "base64"}}));
  ASSERT_TRUE(body["data"][0]["embedding"].is_string());
  const std::vector<float> v = decode_floats(body["data"][0]["embedding"]);
  ASSERT_EQ(v.size(), 4u);
  const std::vector<double> want = normalized(3);
  for (size_t i = 0; i < 4; ++i) EXPECT_NEAR(v[i], want[i], 1e-6);
  // Case does not matter, as in Ollama.
  body = ok_body(post(s, "/v1/embeddings",
                      {{"model", "stories"}, {"input", "abc"}, {"encoding_format", "BASE64"}}));
  EXPECT_TRUE(body["data"][0]["embedding"].is_string());
  body = ok_body(post(s, "/v1/embeddings",
                      {{"model", "stories"}, {"input", "abc"}, {"encoding_format", "float"}}));
  EXPECT_TRUE(body["data"][0]["embedding"].is_array());
}

TEST(OpenAiEmbeddings, Base64EncoderMatchesAKnownText) {
  // 1.0f is 00 00 80 3f; 1.0f, 2.0f (00 00 00 40) in base64.
  EXPECT_EQ(api::openai::base64_floats({1.0f}), "AACAPw==");
  EXPECT_EQ(api::openai::base64_floats({1.0f, 2.0f}), "AACAPwAAAEA=");
  EXPECT_EQ(api::openai::base64_floats({}), "");
}

TEST(OpenAiEmbeddings, DimensionsAndTokenInputs) {
  TestServer s;
  json body = ok_body(
      post(s, "/v1/embeddings", {{"model", "stories"}, {"input", "abc"}, {"dimensions", 2}}));
  expect_near(body["data"][0]["embedding"], {0.6, 0.8});
  // A list of token ids is one input; a list of such lists, several.
  body = ok_body(post(s, "/v1/embeddings", {{"model", "stories"}, {"input", {5, 6, 7}}}));
  ASSERT_EQ(body["data"].size(), 1u);
  expect_near(body["data"][0]["embedding"], normalized(3));
  ASSERT_TRUE(s.state.embed_inputs.back().items[0].is_tokens);
  EXPECT_EQ(s.state.embed_inputs.back().items[0].tokens, (std::vector<int32_t>{5, 6, 7}));
  body =
      ok_body(post(s, "/v1/embeddings", {{"model", "stories"}, {"input", {{1}, {1, 2, 3, 4, 5}}}}));
  ASSERT_EQ(body["data"].size(), 2u);
  expect_near(body["data"][0]["embedding"], normalized(1));
  expect_near(body["data"][1]["embedding"], normalized(5));
  EXPECT_EQ(body["usage"]["prompt_tokens"], 6);
}

TEST(OpenAiEmbeddings, ErrorsInOpenAisShape) {
  TestServer s;
  expect_openai_error(
      post(s, "/v1/embeddings",
           {{"model", "stories"}, {"input", "a"}, {"encoding_format", "int8"}}),
      400, "Invalid value for 'encoding_format' = int8. Supported values: ['float', 'base64'].",
      "invalid_request_error");
  expect_openai_error(post(s, "/v1/embeddings", {{"model", "stories"}, {"input", json::array()}}),
                      400, "invalid input", "invalid_request_error");
  expect_openai_error(post(s, "/v1/embeddings", {{"model", "stories"}}), 400, "invalid input",
                      "invalid_request_error");
  // The native handler's errors keep their status, typed api_error.
  expect_openai_error(post(s, "/v1/embeddings", {{"model", "stories"}, {"input", {"a", 1}}}), 400,
                      "invalid input type", "api_error");
  expect_openai_error(post(s, "/v1/embeddings", {{"model", "nope"}, {"input", "a"}}), 404,
                      "model \"nope\" not found, try pulling it first", "api_error");
  EXPECT_TRUE(s.state.embed_inputs.empty());
}

TEST(OpenAiEmbeddings, AnEmptyStringIsOneInput) {
  TestServer s;
  json body = ok_body(post(s, "/v1/embeddings", {{"model", "stories"}, {"input", ""}}));
  ASSERT_EQ(body["data"].size(), 1u);
  expect_near(body["data"][0]["embedding"], normalized(0));
}

TEST(Capabilities, EmbeddingModelsShowEmbeddingAndRefuseGeneration) {
  TestServer s;
  add_embedding_model(s, "pooled", "llama", true);
  add_embedding_model(s, "encoder", "nomic-bert", false);
  for (const char* name : {"pooled", "encoder"}) {
    json show = ok_body(post(s, "/api/show", {{"model", name}}));
    EXPECT_EQ(show["capabilities"], json({"embedding"})) << name;
    expect_error(post(s, "/api/generate", {{"model", name}, {"prompt", "hi"}}), 400,
                 str_cat("\"", name, "\" does not support generate"));
    expect_error(post(s, "/api/chat",
                      {{"model", name}, {"messages", {{{"role", "user"}, {"content", "hi"}}}}}),
                 400, str_cat("\"", name, "\" does not support chat"));
  }
  json show = ok_body(post(s, "/api/show", {{"model", "stories"}}));
  EXPECT_EQ(show["capabilities"][0], "completion");
  EXPECT_EQ(s.state.started, 0) << "nothing was generated";
  // /v1 answers the same refusal in OpenAI's shape.
  expect_openai_error(
      post(s, "/v1/chat/completions",
           {{"model", "pooled"}, {"messages", {{{"role", "user"}, {"content", "hi"}}}}}),
      400, "\"pooled\" does not support chat", "api_error");
}

}  // namespace
}  // namespace slimllm
