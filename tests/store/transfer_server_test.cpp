// Registry mode and /api/pull end to end: one in-process server's store feeds another's over
// HTTP on 127.0.0.1, through the API and through the `slimllm pull` binary.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdio.h>

#include <nlohmann/json.hpp>

#include "base/sha256.h"
#include "server/test_server.h"
#include "store/model_name.h"

namespace slimllm {
namespace {

using ::testing::HasSubstr;
using testing::TestServer;

std::vector<nlohmann::json> ndjson(const std::string& body) {
  std::vector<nlohmann::json> out;
  for (const std::string& line : str_split(body, '\n')) {
    if (!line.empty()) out.push_back(nlohmann::json::parse(line));
  }
  return out;
}

std::string blob_bytes(const ModelStore& store, const std::string& digest) {
  return store.read_blob(digest);
}

TEST(RegistryModeTest, ServesManifestsAndRangedBlobs) {
  TestServer source;
  StoredModel model = source.store->get(*ModelName::parse("stories"));
  httplib::Client client = source.client();

  auto root = client.Get("/v2/");
  ASSERT_TRUE(root);
  EXPECT_EQ(root->status, 200);

  auto manifest = client.Get("/v2/library/stories/manifests/latest");
  ASSERT_TRUE(manifest);
  EXPECT_EQ(manifest->status, 200);
  EXPECT_EQ(Sha256::hex(manifest->body), model.digest);  // the stored bytes, unchanged
  EXPECT_EQ(manifest->get_header_value("Content-Type"),
            "application/vnd.docker.distribution.manifest.v2+json");

  const Layer* layer = model.manifest.find_layer(kMediaModel);
  ASSERT_NE(layer, nullptr);
  std::string whole = blob_bytes(*source.store, layer->digest);
  std::string path = "/v2/library/stories/blobs/" + layer->digest;
  auto ranged = client.Get(path, {{"Range", "bytes=10-19"}});
  ASSERT_TRUE(ranged);
  EXPECT_EQ(ranged->status, 206);
  EXPECT_EQ(ranged->body, whole.substr(10, 10));
  auto full = client.Get(path);
  ASSERT_TRUE(full);
  EXPECT_EQ(full->status, 200);
  EXPECT_EQ(full->body, whole);
  auto head = client.Head(path);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->get_header_value("Content-Length"), std::to_string(whole.size()));

  auto missing = client.Get("/v2/library/nothing/manifests/latest");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  auto missing_blob = client.Get("/v2/library/stories/blobs/sha256:" + std::string(64, '0'));
  ASSERT_TRUE(missing_blob);
  EXPECT_EQ(missing_blob->status, 404);
}

class PullRouteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The target starts empty: its own copy of stories goes, blobs and all.
    target_.store->remove(*ModelName::parse("stories"));
    ASSERT_EQ(target_.store->count_blobs(), 0u);
    remote_ = "127.0.0.1:" + std::to_string(source_.port) + "/library/stories:latest";
  }
  TestServer source_, target_;
  std::string remote_;
};

TEST_F(PullRouteTest, PullsFromAnotherServersRegistryMode) {
  httplib::Client client = target_.client();
  nlohmann::json request = {{"model", remote_}, {"insecure", true}};
  auto res = client.Post("/api/pull", request.dump(), "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  std::vector<nlohmann::json> lines = ndjson(res->body);
  ASSERT_GE(lines.size(), 6u);
  EXPECT_EQ(lines.front(), nlohmann::json({{"status", "pulling manifest"}}));
  EXPECT_EQ(lines.back(), nlohmann::json({{"status", "success"}}));
  EXPECT_EQ(lines[lines.size() - 3], nlohmann::json({{"status", "verifying sha256 digest"}}));
  EXPECT_EQ(lines[lines.size() - 2], nlohmann::json({{"status", "writing manifest"}}));
  StoredModel source_model = source_.store->get(*ModelName::parse("stories"));
  for (size_t i = 1; i + 3 < lines.size(); ++i) {
    std::string digest = lines[i].at("digest");
    EXPECT_EQ(lines[i].at("status"), "pulling " + digest.substr(7, 12));
    EXPECT_GT(lines[i].at("total").get<uint64_t>(), 0u);
    EXPECT_FALSE(lines[i].contains("completed") && lines[i]["completed"] == 0);  // omitted at 0
  }
  StoredModel pulled = target_.store->get(*ModelName::parse(remote_));
  EXPECT_EQ(pulled.digest, source_model.digest);
  EXPECT_EQ(target_.store->count_blobs(), source_.store->count_blobs());

  // The pulled model is listed under its full name.
  auto tags = client.Get("/api/tags");
  ASSERT_TRUE(tags);
  EXPECT_THAT(tags->body, HasSubstr(remote_));
}

// `create` from a model the store lacks pulls it first, as Ollama does. It comes from the source
// server through the registry mirror, as registry.ollama.ai names do in a cluster with a
// pull-through cache.
TEST_F(PullRouteTest, CreateFromAModelNotInTheStorePullsItFirst) {
  const std::string mirror = "http://127.0.0.1:" + std::to_string(source_.port);
  ASSERT_EQ(setenv("SLIMLLM_REGISTRY_MIRROR", mirror.c_str(), 1), 0);
  httplib::Client client = target_.client();
  auto res = client.Post(
      "/api/create",
      nlohmann::json({{"model", "brief"}, {"from", "stories"}, {"system", "Be brief."}}).dump(),
      "application/json");
  auto quiet = client.Post(
      "/api/create",
      nlohmann::json({{"model", "brief2"}, {"from", "stories"}, {"stream", false}}).dump(),
      "application/json");
  unsetenv("SLIMLLM_REGISTRY_MIRROR");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  std::vector<nlohmann::json> lines = ndjson(res->body);
  ASSERT_GE(lines.size(), 4u) << res->body;
  EXPECT_EQ(lines.front(), nlohmann::json({{"status", "pulling manifest"}}));
  EXPECT_EQ(lines.back(), nlohmann::json({{"status", "success"}}));
  EXPECT_THAT(res->body, HasSubstr(R"({"status":"writing manifest"})"));
  StoredModel source_model = source_.store->get(*ModelName::parse("stories"));
  EXPECT_EQ(target_.store->get(*ModelName::parse("stories")).digest, source_model.digest);
  StoredModel created = target_.store->get(*ModelName::parse("brief"));
  const Layer* weights = created.manifest.find_layer(kMediaModel);
  ASSERT_NE(weights, nullptr);
  EXPECT_EQ(weights->digest, source_model.manifest.find_layer(kMediaModel)->digest);
  const Layer* system = created.manifest.find_layer(kMediaSystem);
  ASSERT_NE(system, nullptr);
  EXPECT_EQ(target_.store->read_blob(system->digest), "Be brief.");

  // Once the base is in the store, a second create does not pull again: one line, success.
  ASSERT_TRUE(quiet);
  EXPECT_EQ(quiet->status, 200);
  EXPECT_EQ(quiet->body, R"({"status":"success"})");
  EXPECT_TRUE(target_.store->find(*ModelName::parse("brief2")));
}

TEST_F(PullRouteTest, AnswersOnceWithoutStreamingAndReportsErrors) {
  httplib::Client client = target_.client();
  auto res = client.Post(
      "/api/pull",
      nlohmann::json({{"model", remote_}, {"insecure", true}, {"stream", false}}).dump(),
      "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, R"({"status":"success"})");

  auto bad = client.Post("/api/pull", R"({"model":"a/b/c/d/e"})", "application/json");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  EXPECT_EQ(bad->body, R"({"error":"invalid model name"})");

  std::string nothing = "127.0.0.1:" + std::to_string(source_.port) + "/library/nothing:latest";
  auto missing = client.Post(
      "/api/pull",
      nlohmann::json({{"model", nothing}, {"insecure", true}, {"stream", false}}).dump(),
      "application/json");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 500);
  EXPECT_EQ(missing->body, R"({"error":"pull model manifest: file does not exist"})");

  auto streamed =
      client.Post("/api/pull", nlohmann::json({{"model", nothing}, {"insecure", true}}).dump(),
                  "application/json");
  ASSERT_TRUE(streamed);
  std::vector<nlohmann::json> lines = ndjson(streamed->body);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[1], nlohmann::json({{"error", "pull model manifest: file does not exist"}}));
}

TEST_F(PullRouteTest, CliPullPrintsPlainProgressWhenNotATerminal) {
  std::string command = "OLLAMA_HOST=127.0.0.1:" + std::to_string(target_.port) + " " +
                        SLIMLLM_BINARY + " pull --insecure " + remote_ + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buffer[4096];
  while (size_t n = fread(buffer, 1, sizeof(buffer), pipe)) output.append(buffer, n);
  int status = pclose(pipe);
  EXPECT_EQ(status, 0) << output;
  std::vector<std::string> lines = str_split(output, '\n');
  ASSERT_GE(lines.size(), 5u) << output;
  EXPECT_EQ(lines[0], "pulling manifest");
  EXPECT_THAT(output, HasSubstr("100% ▕"));
  EXPECT_THAT(output, HasSubstr("verifying sha256 digest\nwriting manifest\nsuccess\n"));
  EXPECT_EQ(output.find("\x1b["), std::string::npos);  // no terminal escapes in a pipe
  EXPECT_TRUE(target_.store->find(*ModelName::parse(remote_)).has_value());
}

}  // namespace
}  // namespace slimllm
