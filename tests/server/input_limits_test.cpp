// Requests that once ended the process or answered 500 are client errors: 400 naming the limit.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "base/cgroup.h"
#include "http_helpers.h"
#include "test_server.h"

namespace slimllm::testing {
namespace {

using json = nlohmann::json;

const std::string kTooDeep = std::string(100000, '[') + std::string(100000, ']');

httplib::Result post_text(const TestServer& s, const std::string& path, const std::string& body) {
  return s.client().Post(path, body, "application/json");
}

TEST(InputLimits, BodiesNestedPastTheLimitAre400OnEveryRouteFamily) {
  TestServer s;
  for (const char* path :
       {"/api/generate", "/api/chat", "/api/embed", "/api/show", "/api/create"}) {
    auto res = post_text(s, path, R"({"model":"stories","format":)" + kTooDeep + "}");
    ASSERT_TRUE(res) << path;
    EXPECT_EQ(res->status, 400) << path << ": " << res->body;
    EXPECT_EQ(json::parse(res->body)["error"].get<std::string>(),
              "invalid request body: JSON nested deeper than 1000 levels (the server's limit) at "
              "byte 1027")
        << path;
  }
  // /v1 answers in OpenAI's shape.
  auto res =
      post_text(s, "/v1/chat/completions", R"({"model":"stories","messages":)" + kTooDeep + "}");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400) << res->body;
  EXPECT_EQ(json::parse(res->body)["error"]["type"], "invalid_request_error") << res->body;
  // The server is still there.
  auto version = s.client().Get("/api/version");
  ASSERT_TRUE(version);
  EXPECT_EQ(version->status, 200);
}

TEST(InputLimits, ContextTokensOutsideTheVocabularyAre400BeforeTheStream) {
  TestServer s;  // the fake runner's vocabulary has 512 tokens
  for (bool stream : {false, true}) {
    for (int id : {-1, 512, 100000}) {
      auto res =
          post(s, "/api/generate",
               {{"model", "stories"}, {"prompt", "p"}, {"context", {1, id}}, {"stream", stream}});
      ASSERT_TRUE(res);
      EXPECT_EQ(res->status, 400) << res->body;
      EXPECT_EQ(res->body, json({{"error", "context: token id " + std::to_string(id) +
                                               " is outside the model's vocabulary of 512 tokens"}})
                               .dump());
    }
  }
  auto ok = post(s, "/api/generate",
                 {{"model", "stories"}, {"prompt", "p"}, {"context", {0, 511}}, {"stream", false}});
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200) << ok->body;
}

TEST(InputLimits, NumThreadIsCappedToTheAvailableCpus) {
  TestServer s;
  auto res = post(s, "/api/generate",
                  {{"model", "stories"},
                   {"prompt", "p"},
                   {"options", {{"num_thread", 100000}}},
                   {"stream", false}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200) << res->body;
  std::lock_guard lock(s.state.mutex);
  ASSERT_FALSE(s.state.load_options.empty());
  EXPECT_EQ(s.state.load_options.back().num_thread, available_cpus());
}

TEST(InputLimits, ABrokenTemplateIs400) {
  TestServer s;
  s.add_model("broken", "{{ if .Tools }}{{ .Tools }}{{ else }}{{ if }}{{ end }}");
  auto res = post(s, "/api/chat",
                  {{"model", "broken"},
                   {"messages", {{{"role", "user"}, {"content", "hi"}}}},
                   {"tools", {{{"type", "function"}, {"function", {{"name", "f"}}}}}},
                   {"stream", false}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400) << res->body;
  EXPECT_NE(res->body.find("missing value for if"), std::string::npos) << res->body;
}

}  // namespace
}  // namespace slimllm::testing

namespace slimllm::testing {
namespace {

TEST(ErrorTexts, NameStoreFilesWithoutTheServersAbsolutePaths) {
  TestServer s;
  // The model's blob damaged after it was created: its GGUF reader names the file in its error.
  Layer blob = s.store->add_blob_file(kStoriesGguf, kMediaModel);
  std::filesystem::resize_file(s.store->blob_path(blob.digest), 100);
  std::string hex = blob.digest.substr(blob.digest.find(':') + 1);
  auto res = post(s, "/api/generate", {{"model", "stories"}, {"prompt", "p"}, {"stream", false}});
  ASSERT_TRUE(res);
  EXPECT_GE(res->status, 400);
  EXPECT_EQ(res->body.find(s.root.string()), std::string::npos) << res->body;
  EXPECT_NE(res->body.find("blobs/sha256-" + hex), std::string::npos) << res->body;
}

}  // namespace
}  // namespace slimllm::testing
