// Images on /api/generate, /api/chat and /v1/chat/completions: refused with Ollama's texts when
// they are not standard base64 or the model cannot see them, passed on when it can.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "gguf/writer.h"
#include "http_helpers.h"
#include "test_server.h"

namespace slimllm {
namespace {

using nlohmann::json;
using testing::expect_error;
using testing::post;
using testing::TestServer;

constexpr const char* kNoVision = "this model is missing data required for image input";

json chat_with_image(const std::string& model, const std::string& image) {
  return {{"model", model},
          {"stream", false},
          {"messages", {{{"role", "user"}, {"content", "What is this?"}, {"images", {image}}}}}};
}

// A model whose GGUF declares a vision encoder (the fake runner never reads its weights).
void add_vision_model(TestServer& s) {
  GgufWriter w;
  w.set_string("general.architecture", "llama");
  w.set_uint32("llama.vision.block_count", 2);
  const std::string path = (s.root / "vision.gguf").string();
  w.write(path);
  Layer blob = s.store->add_blob_file(path, kMediaModel);
  CreateSpec spec;
  spec.name = *ModelName::parse("seer");
  spec.files["vision.gguf"] = blob.digest;
  spec.template_text = "{{ .Prompt }}";
  create_model(*s.store, spec, {});
}

TEST(Images, AModelWithoutVisionRefusesThem) {
  TestServer s;
  expect_error(post(s, "/api/generate",
                    {{"model", "stories"}, {"prompt", "Look"}, {"images", {"aGVsbG8="}}}),
               400, kNoVision);
  // Without a prompt too: images alone are not a load request.
  expect_error(post(s, "/api/generate", {{"model", "stories"}, {"images", {"aGVsbG8="}}}), 400,
               kNoVision);
  expect_error(post(s, "/api/chat", chat_with_image("stories", "aGVsbG8=")), 400, kNoVision);
  // An image in an earlier turn counts as well.
  json history = {{"model", "stories"},
                  {"messages",
                   {{{"role", "user"}, {"content", "a"}, {"images", {"aGk="}}},
                    {{"role", "assistant"}, {"content", "b"}},
                    {{"role", "user"}, {"content", "c"}}}}};
  expect_error(post(s, "/api/chat", history), 400, kNoVision);
  EXPECT_EQ(s.state.started, 0) << "nothing was generated";
  // Without images the same model answers.
  auto plain =
      post(s, "/api/generate", {{"model", "stories"}, {"prompt", "Look"}, {"stream", false}});
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->status, 200) << plain->body;
}

TEST(Images, OpenAiImagePartsReachTheSameCheck) {
  TestServer s;
  json request = {{"model", "stories"},
                  {"messages",
                   {{{"role", "user"},
                     {"content",
                      {{{"type", "text"}, {"text", "What is this?"}},
                       {{"type", "image_url"},
                        {"image_url", {{"url", "data:image/png;base64,aGVsbG8="}}}}}}}}}};
  auto res = post(s, "/v1/chat/completions", request);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400) << res->body;
  EXPECT_EQ(json::parse(res->body)["error"]["message"], kNoVision);
  // A data URI whose payload is not base64 is refused before any model is asked (Ollama:
  // "invalid message format").
  request["messages"][0]["content"][1]["image_url"]["url"] = "data:image/png;base64,aGVsbG8";
  res = post(s, "/v1/chat/completions", request);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400) << res->body;
  EXPECT_EQ(json::parse(res->body)["error"]["message"], "invalid message format");
  EXPECT_EQ(json::parse(res->body)["error"]["type"], "invalid_request_error");
}

TEST(Images, AVisionModelTakesThem) {
  TestServer s;
  add_vision_model(s);
  auto show = post(s, "/api/show", {{"model", "seer"}});
  ASSERT_TRUE(show);
  ASSERT_EQ(json::parse(show->body)["capabilities"], json::array({"completion", "vision"}));
  auto res = post(s, "/api/chat", chat_with_image("seer", "aGVsbG8="));
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(json::parse(res->body)["message"]["content"], "Once upon a time");
  std::lock_guard lock(s.renderer->mutex);
  ASSERT_FALSE(s.renderer->requests.empty());
  EXPECT_EQ(s.renderer->requests.back().messages.back().images,
            std::vector<std::string>{"aGVsbG8="});
}

// Go's encoding/json decodes images as []byte: anything but standard padded base64 is a 400
// with the decoder's own text, before the model is even looked up.
TEST(Images, BadBase64IsRefusedWithGosText) {
  TestServer s;
  struct Case {
    std::string image;
    std::string error;
  };
  const std::vector<Case> cases = {
      {"aGVsbG8", "illegal base64 data at input byte 4"},                     // padding missing
      {"aGV!bG8=", "illegal base64 data at input byte 3"},                    // not in the alphabet
      {"data:image/png;base64,aGk=", "illegal base64 data at input byte 4"},  // a data URI
      {"aGk=aGk=", "illegal base64 data at input byte 4"},  // data after the padding
      {"a===", "illegal base64 data at input byte 1"},      // padding too early
      {"aGVsbG8-", "illegal base64 data at input byte 7"},  // URL alphabet
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.image);
    expect_error(
        post(s, "/api/generate", {{"model", "stories"}, {"prompt", "x"}, {"images", {c.image}}}),
        400, c.error);
    expect_error(post(s, "/api/chat", chat_with_image("nosuchmodel", c.image)), 400, c.error);
  }
  // Valid forms: padded, with line breaks (Go skips them), empty.
  add_vision_model(s);
  for (const char* image : {"aGk=", "aGVs\nbG8=", ""}) {
    SCOPED_TRACE(image);
    auto res = post(s, "/api/chat", chat_with_image("seer", image));
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200) << res->body;
  }
}

}  // namespace
}  // namespace slimllm
