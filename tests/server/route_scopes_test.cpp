// Every route declares the scope an API key needs for it; this table is the reference. A route
// added without a row here fails the first test, and the second drives every row through the
// real server with no key, a key of each scope, and a key that is not valid.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "test_server.h"

namespace slimllm::testing {
namespace {

using json = nlohmann::json;

struct Row {
  const char* method;
  const char* pattern;
  const char* example;  // a path the pattern matches
  Scope scope;
};

const Row kRoutes[] = {
    {"GET", "/", "/", Scope::kOpen},
    {"GET", "/health", "/health", Scope::kOpen},
    {"GET", "/ready", "/ready", Scope::kOpen},
    {"GET", "/metrics", "/metrics", Scope::kRead},
    {"GET", "/api/version", "/api/version", Scope::kRead},
    {"GET", "/api/tags", "/api/tags", Scope::kRead},
    {"GET", "/api/ps", "/api/ps", Scope::kRead},
    {"POST", "/api/show", "/api/show", Scope::kRead},
    {"POST", "/api/generate", "/api/generate", Scope::kGenerate},
    {"POST", "/api/chat", "/api/chat", Scope::kGenerate},
    {"POST", "/api/embed", "/api/embed", Scope::kGenerate},
    {"POST", "/api/embeddings", "/api/embeddings", Scope::kGenerate},
    {"POST", "/api/rerank", "/api/rerank", Scope::kGenerate},
    {"POST", "/api/pull", "/api/pull", Scope::kAdmin},
    {"POST", "/api/push", "/api/push", Scope::kAdmin},
    {"POST", "/api/create", "/api/create", Scope::kAdmin},
    {"POST", "/api/copy", "/api/copy", Scope::kAdmin},
    {"DELETE", "/api/delete", "/api/delete", Scope::kAdmin},
    {"HEAD", R"(/api/blobs/([^/]+))", "/api/blobs/sha256:00", Scope::kAdmin},
    {"POST", R"(/api/blobs/([^/]+))", "/api/blobs/sha256:00", Scope::kAdmin},
    {"POST", "/v1/chat/completions", "/v1/chat/completions", Scope::kGenerate},
    {"POST", "/v1/completions", "/v1/completions", Scope::kGenerate},
    {"POST", "/v1/embeddings", "/v1/embeddings", Scope::kGenerate},
    {"POST", "/v1/rerank", "/v1/rerank", Scope::kGenerate},
    {"POST", "/v1/responses", "/v1/responses", Scope::kGenerate},
    {"GET", "/v1/models", "/v1/models", Scope::kRead},
    {"GET", R"(/v1/models/(.+))", "/v1/models/stories", Scope::kRead},
    {"GET", "/v2/", "/v2/", Scope::kRead},
    {"GET", R"(/v2/([^/]+)/([^/]+)/manifests/([^/]+))", "/v2/library/stories/manifests/latest",
     Scope::kRead},
    {"GET", R"(/v2/([^/]+)/([^/]+)/blobs/([^/]+))", "/v2/library/stories/blobs/sha256:00",
     Scope::kRead},
    {"POST", R"(/v2/([^/]+)/([^/]+)/blobs/uploads/)", "/v2/library/up/blobs/uploads/",
     Scope::kAdmin},
    {"PATCH", R"(/v2/([^/]+)/([^/]+)/blobs/uploads/([0-9a-f]+))",
     "/v2/library/up/blobs/uploads/0123", Scope::kAdmin},
    {"PUT", R"(/v2/([^/]+)/([^/]+)/blobs/uploads/([0-9a-f]+))", "/v2/library/up/blobs/uploads/0123",
     Scope::kAdmin},
    {"PUT", R"(/v2/([^/]+)/([^/]+)/manifests/([^/]+))", "/v2/library/up/manifests/latest",
     Scope::kAdmin},
};

const std::string kReadKey = "read-key-0123456789abcdef";
const std::string kGenerateKey = "generate-key-0123456789abcdef";
const std::string kAdminKey = "admin-key-0123456789abcdef";

struct KeyedServer {
  KeyedServer() {
    char dir[] = "/tmp/slimllm-keys-XXXXXX";
    if (!mkdtemp(dir)) throw std::runtime_error("mkdtemp failed");
    keys_dir = dir;
    std::ofstream(keys_dir / "keys") << "# test keys\n"
                                     << kReadKey << " read reader\n"
                                     << kGenerateKey << " generate writer\n"
                                     << kAdminKey << " admin operator\n";
    server = std::make_unique<TestServer>(TestServer::default_config(), [&](ServerConfig& c) {
      c.registry_uploads = true;
      c.api_keys = std::make_shared<ApiKeys>((keys_dir / "keys").string(), "");
    });
  }
  ~KeyedServer() {
    server.reset();
    std::filesystem::remove_all(keys_dir);
  }
  httplib::Result send(const Row& row, const std::string& key) const {
    httplib::Client c = server->client();
    httplib::Headers headers;
    if (!key.empty()) headers.emplace("Authorization", "Bearer " + key);
    const std::string method = row.method;
    if (method == "GET") return c.Get(row.example, headers);
    if (method == "HEAD") return c.Head(row.example, headers);
    if (method == "DELETE") return c.Delete(row.example, headers, "", "application/json");
    if (method == "PUT") return c.Put(row.example, headers, "", "application/octet-stream");
    if (method == "PATCH") return c.Patch(row.example, headers, "", "application/octet-stream");
    return c.Post(row.example, headers, "", "application/json");
  }
  std::filesystem::path keys_dir;
  std::unique_ptr<TestServer> server;
};

TEST(RouteScopes, EveryRouteDeclaresTheScopeOfTheTable) {
  TestServer s(TestServer::default_config(), [](ServerConfig& c) { c.registry_uploads = true; });
  std::map<std::string, Scope> expected;
  for (const Row& row : kRoutes) expected[std::string(row.method) + " " + row.pattern] = row.scope;
  const std::map<std::string, Scope>& declared = s.server->route_scopes();
  for (const auto& [route, scope] : declared) {
    auto it = expected.find(route);
    if (it == expected.end()) {
      ADD_FAILURE() << route << " (scope " << scope_name(scope)
                    << ") has no row in kRoutes: add one with the scope it should need";
    } else {
      EXPECT_EQ(scope_name(scope), scope_name(it->second)) << route;
    }
  }
  for (const auto& [route, scope] : expected) {
    EXPECT_TRUE(declared.count(route)) << route << " is in kRoutes but not served";
  }
}

TEST(RouteScopes, KeysAreCheckedOnEveryRoute) {
  KeyedServer k;
  const std::map<Scope, std::string> key_of = {
      {Scope::kRead, kReadKey}, {Scope::kGenerate, kGenerateKey}, {Scope::kAdmin, kAdminKey}};
  for (const Row& row : kRoutes) {
    const std::string what = std::string(row.method) + " " + row.example;
    auto none = k.send(row, "");
    ASSERT_TRUE(none) << what;
    auto wrong = k.send(row, "not-a-key-0123456789abcdef");
    ASSERT_TRUE(wrong) << what;
    if (row.scope == Scope::kOpen) {
      EXPECT_NE(none->status, 401) << what;
      EXPECT_NE(wrong->status, 401) << what;
      continue;
    }
    EXPECT_EQ(none->status, 401) << what;
    EXPECT_EQ(wrong->status, 401) << what;
    EXPECT_EQ(none->get_header_value("WWW-Authenticate"), "Bearer") << what;
    for (const auto& [scope, key] : key_of) {
      auto res = k.send(row, key);
      ASSERT_TRUE(res) << what;
      if (scope == row.scope) {
        EXPECT_NE(res->status, 401) << what;
        EXPECT_NE(res->status, 403) << what << " with the " << scope_name(scope) << " key";
      } else {
        EXPECT_EQ(res->status, 403) << what << " with the " << scope_name(scope) << " key";
      }
    }
  }
}

TEST(RouteScopes, RefusalsTakeTheShapeOfTheirApi) {
  KeyedServer k;
  httplib::Client c = k.server->client();
  auto native = c.Get("/api/tags");
  ASSERT_TRUE(native);
  EXPECT_EQ(native->status, 401);
  EXPECT_EQ(json::parse(native->body)["error"].get<std::string>().rfind("unauthorized: ", 0), 0u)
      << native->body;

  auto openai = c.Post("/v1/chat/completions", {{"Authorization", "Bearer " + kReadKey}}, "{}",
                       "application/json");
  ASSERT_TRUE(openai);
  EXPECT_EQ(openai->status, 403);
  const json error = json::parse(openai->body)["error"];
  EXPECT_EQ(error["type"], "invalid_request_error") << openai->body;
  EXPECT_EQ(error["message"],
            "forbidden: the API key \"reader\" does not have the \"generate\" scope this route "
            "needs");

  auto registry = c.Get("/v2/");
  ASSERT_TRUE(registry);
  EXPECT_EQ(registry->status, 401);
  EXPECT_EQ(json::parse(registry->body)["errors"][0]["code"], "UNAUTHORIZED") << registry->body;

  // The probes stay open, and an OPTIONS preflight needs no key.
  auto health = c.Get("/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
}

}  // namespace
}  // namespace slimllm::testing
