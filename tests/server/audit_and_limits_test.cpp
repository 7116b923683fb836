// The audit log of mutating requests (server/audit_log.h), the pull allow-list and the store
// quota as the routes answer them.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "base/sha256.h"
#include "test_server.h"

namespace slimllm {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::TestServer;

const std::string kAdminKey = "admin-key-0123456789abcdef";
const std::string kReadKey = "read-key-0123456789abcdef";

using testing::read_all;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

class AuditTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::make_temp_dir("audit");
    std::ofstream(dir_ / "keys") << kAdminKey << " admin ops-ci\n" << kReadKey << " read dashboards\n";
    server_ = std::make_unique<TestServer>(TestServer::default_config(), [&](ServerConfig& c) {
      c.api_keys = std::make_shared<ApiKeys>((dir_ / "keys").string(), "");
      c.audit = std::make_shared<AuditLog>((dir_ / "audit.log").string());
    });
  }
  void TearDown() override {
    server_.reset();
    std::filesystem::remove_all(dir_);
  }
  httplib::Headers with(const std::string& key) {
    return key.empty() ? httplib::Headers{} : httplib::Headers{{"Authorization", "Bearer " + key}};
  }
  // The audit lines once `count` are there (a streamed request's is written when its stream
  // ends, just after the client has read it).
  std::vector<std::string> audit_lines(size_t count) {
    std::vector<std::string> lines;
    for (int i = 0; i < 1000; ++i) {
      lines = lines_of(read_all(dir_ / "audit.log"));
      if (lines.size() >= count) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return lines;
  }

  std::filesystem::path dir_;
  std::unique_ptr<TestServer> server_;
};

TEST_F(AuditTest, OneLinePerMutatingRequestWithKeyIdModelAndResult) {
  httplib::Client c = server_->client();
  ASSERT_EQ(c.Post("/api/copy", with(kAdminKey), R"({"source":"stories","destination":"copy1"})",
                   "application/json")->status, 200);
  ASSERT_EQ(c.Delete("/api/delete", with(kReadKey), R"({"model":"copy1"})", "application/json")
                ->status, 403);
  ASSERT_EQ(c.Delete("/api/delete", with(""), R"({"model":"copy1"})", "application/json")->status,
            401);
  ASSERT_EQ(c.Delete("/api/delete", with(kAdminKey), R"({"model":"copy1"})", "application/json")
                ->status, 200);
  ASSERT_EQ(c.Delete("/api/delete", with(kAdminKey), R"({"model":"copy1"})", "application/json")
                ->status, 404);
  // Reads are not audited.
  ASSERT_EQ(c.Get("/api/tags", with(kReadKey))->status, 200);
  ASSERT_EQ(c.Post("/api/show", with(kReadKey), R"({"model":"stories"})", "application/json")
                ->status, 200);

  std::vector<std::string> lines = audit_lines(5);
  ASSERT_EQ(lines.size(), 5u) << read_all(dir_ / "audit.log");
  EXPECT_THAT(lines[0], HasSubstr("level=INFO"));
  EXPECT_THAT(lines[0], HasSubstr("msg=audit key_id=ops-ci remote=127.0.0.1 method=POST "
                                  "route=/api/copy model=\"stories -> copy1\" status=200"));
  EXPECT_THAT(lines[1], HasSubstr("key_id=dashboards"));
  EXPECT_THAT(lines[1], HasSubstr("route=/api/delete model=copy1 status=403"));
  EXPECT_THAT(lines[2], HasSubstr("key_id=none"));
  EXPECT_THAT(lines[2], HasSubstr("status=401"));
  EXPECT_THAT(lines[3], HasSubstr("key_id=ops-ci remote=127.0.0.1 method=DELETE route=/api/delete "
                                  "model=copy1 status=200"));
  EXPECT_THAT(lines[4], HasSubstr("status=404"));
  for (const std::string& line : lines) {
    EXPECT_THAT(line, Not(HasSubstr(kAdminKey)));
    EXPECT_THAT(line, Not(HasSubstr(kReadKey)));
  }
}

TEST_F(AuditTest, AStreamedPullThatFailsIsRecordedWithItsError) {
  // A port that was free a moment ago: nothing listens there.
  const int port = testing::closed_port();
  const std::string model = "127.0.0.1:" + std::to_string(port) + "/library/m:latest";
  httplib::Client c = server_->client();
  auto res = c.Post("/api/pull", with(kAdminKey), R"({"model":")" + model + R"(","insecure":true})",
                    "application/json");
  ASSERT_EQ(res->status, 200);  // streamed: the error is the last line
  EXPECT_THAT(res->body, HasSubstr("cannot reach registry 127.0.0.1:" + std::to_string(port)));
  EXPECT_THAT(res->body, Not(HasSubstr("onnect")));  // curl's "Couldn't connect" stays in the log
  std::vector<std::string> lines = audit_lines(1);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_THAT(lines[0], HasSubstr("route=/api/pull model=" + model + " status=502"));
  EXPECT_THAT(lines[0], HasSubstr("error=\"pull model manifest: cannot reach registry"));
}

TEST(AuditLog, OffByDefaultOnWithOneOrAPath) {
  unsetenv("SLIMLLM_AUDIT_LOG");
  EXPECT_EQ(AuditLog::from_env(), nullptr);
  setenv("SLIMLLM_AUDIT_LOG", "0", 1);
  EXPECT_EQ(AuditLog::from_env(), nullptr);
  setenv("SLIMLLM_AUDIT_LOG", "1", 1);
  ASSERT_NE(AuditLog::from_env(), nullptr);
  EXPECT_EQ(AuditLog::from_env()->path(), "");
  setenv("SLIMLLM_AUDIT_LOG", "/var/log/slimllm-audit.log", 1);
  EXPECT_EQ(AuditLog::from_env()->path(), "/var/log/slimllm-audit.log");
  unsetenv("SLIMLLM_AUDIT_LOG");
}

TEST(PullAllowRoute, APullOffTheListIs403BeforeAnyStream) {
  setenv("SLIMLLM_PULL_ALLOW", "registry.internal", 1);
  TestServer server;
  httplib::Client c = server.client();
  auto res = c.Post("/api/pull", R"({"model":"127.0.0.1:22/library/m:latest","insecure":true})",
                    "application/json");
  // A create whose base is missing pulls it: the same list applies.
  auto create = c.Post("/api/create", R"({"model":"x","from":"10.1.2.3:5000/library/m"})",
                       "application/json");
  auto push = c.Post("/api/push", R"({"model":"10.1.2.3:5000/library/m"})", "application/json");
  unsetenv("SLIMLLM_PULL_ALLOW");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 403);
  EXPECT_THAT(res->body, HasSubstr("registry host \\\"127.0.0.1:22\\\" is not allowed"));
  EXPECT_THAT(res->body, HasSubstr("SLIMLLM_PULL_ALLOW"));
  ASSERT_TRUE(create);
  EXPECT_EQ(create->status, 403);
  ASSERT_TRUE(push);
  EXPECT_EQ(push->status, 403);
}

TEST(StoreQuotaRoute, ABlobOverTheQuotaIs507AndASmallOneFits) {
  TestServer server;
  StorePolicy policy;
  policy.quota_bytes = server.store->usage().bytes + 64 * 1024;
  server.store->set_policy(policy);
  httplib::Client c = server.client();
  std::string big(100 * 1024, 'b');
  auto res = c.Post("/api/blobs/sha256:" + Sha256::hex(big), big, "application/octet-stream");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 507);
  EXPECT_THAT(res->body, HasSubstr("the model store is over its quota"));
  EXPECT_THAT(res->body, HasSubstr("SLIMLLM_STORE_QUOTA"));
  EXPECT_FALSE(server.store->has_blob("sha256:" + Sha256::hex(big)));
  std::string small(1000, 's');
  res = c.Post("/api/blobs/sha256:" + Sha256::hex(small), small, "application/octet-stream");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 201);
}

}  // namespace
}  // namespace slimllm
