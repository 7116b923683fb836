// Push from one server's store into another's registry mode (SLIMLLM_REGISTRY_UPLOADS on), then
// pull it back: the same manifest digest at every step, and nothing sent twice.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "test_server.h"

namespace slimllm {
namespace {

using nlohmann::json;
using testing::TestServer;

json post(const TestServer& s, const std::string& path, const json& body, int want = 200) {
  auto res = s.client().Post(path, body.dump(), "application/json");
  EXPECT_TRUE(res);
  if (!res) return nullptr;
  EXPECT_EQ(res->status, want) << path << ": " << res->body;
  return json::parse(res->body, nullptr, false);
}

TEST(RegistryPush, PushIntoRegistryModeThenPullBack) {
  TestServer source;
  TestServer target(TestServer::default_config(),
                    [](ServerConfig& c) { c.registry_uploads = true; });
  // The target starts empty, so every blob travels.
  ASSERT_EQ(target.client()
                .Delete("/api/delete", json{{"model", "stories"}}.dump(), "application/json")
                ->status,
            200);
  ASSERT_FALSE(target.store->find(*ModelName::parse("stories")));
  ASSERT_EQ(target.store->count_blobs(), 0u);

  const std::string original = source.store->get(*ModelName::parse("stories")).digest;
  const std::string remote = "127.0.0.1:" + std::to_string(target.port) + "/library/stories:latest";
  post(source, "/api/copy", {{"source", "stories"}, {"destination", remote}});
  json pushed =
      post(source, "/api/push", {{"model", remote}, {"insecure", true}, {"stream", false}});
  EXPECT_EQ(pushed["status"], "success");

  const std::optional<StoredModel> arrived = target.store->find(*ModelName::parse("stories"));
  ASSERT_TRUE(arrived) << "the manifest is stored under the registry's own name";
  EXPECT_EQ(arrived->digest, original);
  for (const Layer& layer : arrived->manifest.layers)
    EXPECT_TRUE(target.store->has_blob(layer.digest));
  // No upload is left behind.
  for (const auto& entry : std::filesystem::directory_iterator(target.root / "models" / "blobs")) {
    EXPECT_EQ(entry.path().filename().string().rfind(".upload-", 0), std::string::npos)
        << entry.path();
  }

  // Pulled back into the source (after removing its copy) it is the same model.
  auto del =
      source.client().Delete("/api/delete", json{{"model", remote}}.dump(), "application/json");
  ASSERT_EQ(del->status, 200);
  json pulled =
      post(source, "/api/pull", {{"model", remote}, {"insecure", true}, {"stream", false}});
  EXPECT_EQ(pulled["status"], "success");
  EXPECT_EQ(source.store->get(*ModelName::parse(remote)).digest, original);
}

TEST(RegistryPush, UploadsAreVerifiedAndOffByDefault) {
  TestServer closed;
  httplib::Client c("127.0.0.1", closed.port);
  auto res = c.Post("/v2/library/x/blobs/uploads/", "", "application/octet-stream");
  EXPECT_EQ(res->status, 404) << "no uploads unless SLIMLLM_REGISTRY_UPLOADS is on";

  TestServer open(TestServer::default_config(),
                  [](ServerConfig& cfg) { cfg.registry_uploads = true; });
  httplib::Client o("127.0.0.1", open.port);
  res = o.Post("/v2/library/x/blobs/uploads/", "", "application/octet-stream");
  ASSERT_EQ(res->status, 202);
  const std::string location = res->get_header_value("Location");
  ASSERT_EQ(location.rfind("/v2/library/x/blobs/uploads/", 0), 0u) << location;
  EXPECT_EQ(o.Patch(location.c_str(), "hello", "application/octet-stream")->status, 202);
  // The digest of "hellO", not of "hello": refused, and nothing enters the store.
  const std::string wrong = "sha256:" + std::string(64, '0');
  res = o.Put((location + "?digest=" + wrong).c_str(), "", "application/octet-stream");
  EXPECT_EQ(res->status, 400);
  EXPECT_FALSE(open.store->has_blob(wrong));
  EXPECT_EQ(o.Put((location + "?digest=" + wrong).c_str(), "", "application/octet-stream")->status,
            404)
      << "a failed upload is gone";
  // A manifest naming blobs the registry does not have is refused.
  res = o.Put(
      "/v2/library/x/manifests/latest",
      R"({"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json",)"
      R"("config":{"mediaType":"application/vnd.docker.container.image.v1+json",)"
      R"("digest":"sha256:)" +
          std::string(64, '1') + R"(","size":2},"layers":[]})",
      "application/vnd.docker.distribution.manifest.v2+json");
  EXPECT_EQ(res->status, 400);
  EXPECT_NE(res->body.find("MANIFEST_BLOB_UNKNOWN"), std::string::npos) << res->body;
}

}  // namespace
}  // namespace slimllm
