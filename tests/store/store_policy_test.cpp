// The operator's limits on the store (store/store_policy.h): the pull allow-list and errors that
// do not map ports, the grace period for unused blobs and dead writers' temporary files, the
// quota (507), and pull progress checkpointed by time.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <spawn.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "base/error.h"
#include "base/sha256.h"
#include "fake_registry.h"
#include "store/blob_lock.h"
#include "store/create.h"
#include "store/pull.h"
#include "store/store_error.h"
#include "store/store_fixtures.h"
#include "store/writer_tag.h"

namespace fs = std::filesystem;

namespace slimllm {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string host_name() {
  char buf[256] = {};
  gethostname(buf, sizeof buf - 1);
  return buf;
}

// A pid that has just exited (not reused within the test).
pid_t dead_pid() {
  char program[] = "/bin/true";
  char* argv[] = {program, nullptr};
  pid_t pid = -1;
  EXPECT_EQ(posix_spawn(&pid, program, nullptr, nullptr, argv, environ), 0);
  waitpid(pid, nullptr, 0);
  return pid;
}

using testing::closed_port;

void age(const fs::path& p, std::chrono::seconds by) {
  fs::last_write_time(p, fs::file_time_type::clock::now() - by);
}

TEST(StorePolicy, ParsesSizesAndDurations) {
  EXPECT_EQ(parse_byte_size("1048576"), 1048576u);
  EXPECT_EQ(parse_byte_size("50GB"), 50000000000u);
  EXPECT_EQ(parse_byte_size("20GiB"), 20ull << 30);
  EXPECT_EQ(parse_byte_size(" 1.5T "), 1500000000000u);
  EXPECT_EQ(parse_byte_size("512mib"), 512ull << 20);
  EXPECT_FALSE(parse_byte_size("lots").has_value());
  EXPECT_FALSE(parse_byte_size("-5GB").has_value());
  EXPECT_FALSE(parse_byte_size("5 parsecs").has_value());
  EXPECT_EQ(parse_grace("1h"), std::chrono::seconds(3600));
  EXPECT_EQ(parse_grace("1h30m"), std::chrono::seconds(5400));
  EXPECT_EQ(parse_grace("90"), std::chrono::seconds(90));
  EXPECT_EQ(parse_grace("45s"), std::chrono::seconds(45));
  EXPECT_FALSE(parse_grace("soon").has_value());
  EXPECT_FALSE(parse_grace("5d").has_value());
}

TEST(StorePolicy, FromEnvNamesTheVariableOfABadValue) {
  setenv("SLIMLLM_STORE_QUOTA", "plenty", 1);
  try {
    StorePolicy::from_env();
    ADD_FAILURE() << "accepted";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("SLIMLLM_STORE_QUOTA: \"plenty\" is not a size"));
  }
  setenv("SLIMLLM_STORE_QUOTA", "2GiB", 1);
  setenv("SLIMLLM_BLOB_GRACE", "10m", 1);
  setenv("OLLAMA_NOPRUNE", "1", 1);
  StorePolicy p = StorePolicy::from_env();
  EXPECT_EQ(p.quota_bytes, 2ull << 30);
  EXPECT_EQ(p.blob_grace, std::chrono::seconds(600));
  EXPECT_TRUE(p.noprune);
  unsetenv("SLIMLLM_STORE_QUOTA");
  unsetenv("SLIMLLM_BLOB_GRACE");
  unsetenv("OLLAMA_NOPRUNE");
  StorePolicy d = StorePolicy::from_env();
  EXPECT_EQ(d.quota_bytes, 0u);
  EXPECT_EQ(d.blob_grace, std::chrono::seconds(3600));
  EXPECT_FALSE(d.noprune);
}

TEST(PullAllowList, AllowsTheDefaultRegistryTheMirrorAndListedHosts) {
  PullAllowList open;
  EXPECT_FALSE(open.restricted());
  EXPECT_TRUE(open.allows("10.0.0.1:5000", ""));
  PullAllowList any("*");
  EXPECT_TRUE(any.allows("anything.example", ""));

  PullAllowList list(" registry.internal , Models.Example:5000 ");
  EXPECT_TRUE(list.restricted());
  EXPECT_TRUE(list.allows("registry.ollama.ai", ""));
  EXPECT_TRUE(list.allows("registry.internal", ""));
  EXPECT_TRUE(list.allows("registry.internal:8443", ""));  // no port: any port of the host
  EXPECT_TRUE(list.allows("models.example:5000", ""));
  EXPECT_FALSE(list.allows("models.example:5001", ""));
  EXPECT_FALSE(list.allows("models.example", ""));
  EXPECT_FALSE(list.allows("127.0.0.1:22", ""));
  EXPECT_TRUE(list.allows("mirror.local:5000", "http://mirror.local:5000"));
  EXPECT_FALSE(list.allows("mirror.local:6000", "http://mirror.local:5000"));
  EXPECT_THAT(list.refusal("127.0.0.1:22"),
              HasSubstr("registry host \"127.0.0.1:22\" is not allowed on this server"));
}

class StorePolicyTest : public testing::TempStoreTest {
 protected:
  StorePolicyTest() : TempStoreTest("policy") {}
  void SetUp() override {
    TempStoreTest::SetUp();
    fs::create_directories(root_ / "models/blobs");
  }

  PullOptions options() { return testing::fast_pull_options(); }
  // Publishes a model of `size` bytes on the fake registry; returns its name there.
  ModelName publish(size_t size) {
    model_ = registry_.add_blob(std::string(size, 'w'), std::string(kMediaModel));
    registry_.add_model("library", "m", "latest", {model_});
    return *ModelName::parse(registry_.host() + "/library/m:latest");
  }
  fs::path blobs() { return root_ / "models/blobs"; }

  testing::FakeRegistry registry_;
  Layer model_;
};

TEST_F(StorePolicyTest, APullToAHostOffTheAllowListIsRefusedWithoutConnecting) {
  ModelName name = publish(1000);
  PullOptions o = options();
  o.registry.allow = PullAllowList("registry.internal");
  try {
    pull_model(*store_, name, o);
    FAIL() << "pulled";
  } catch (const StoreError& e) {
    EXPECT_EQ(e.kind(), StoreError::Kind::kForbidden);
    EXPECT_EQ(e.status(), 403);
    EXPECT_THAT(e.what(), HasSubstr("SLIMLLM_PULL_ALLOW"));
  }
  EXPECT_EQ(registry_.manifest_requests, 0);
  o.registry.allow = PullAllowList("127.0.0.1");  // listed without a port: any port
  pull_model(*store_, name, o);
  EXPECT_TRUE(store_->find(name).has_value());
}

TEST_F(StorePolicyTest, AnUnreachableRegistryDoesNotSayWhy) {
  // A port nothing listens on: curl says "Couldn't connect to server" (refused); the client only
  // learns that the registry cannot be reached.
  int port = closed_port();
  ModelName name = *ModelName::parse("127.0.0.1:" + std::to_string(port) + "/library/m:latest");
  try {
    pull_model(*store_, name, options());
    FAIL() << "pulled";
  } catch (const StoreError& e) {
    EXPECT_EQ(e.kind(), StoreError::Kind::kUnreachable);
    EXPECT_EQ(std::string(e.what()),
              "pull model manifest: cannot reach registry 127.0.0.1:" + std::to_string(port));
  }
}

TEST_F(StorePolicyTest, AnotherServicesErrorBodyIsNotShown) {
  httplib::Server other;
  other.Get(".*", [](const httplib::Request&, httplib::Response& res) {
    res.status = 403;
    res.set_content("<html>internal admin console, build 1.2.3</html>", "text/html");
  });
  int port = other.bind_to_any_port("127.0.0.1");
  std::thread t([&] { other.listen_after_bind(); });
  ModelName name = *ModelName::parse("127.0.0.1:" + std::to_string(port) + "/library/m:latest");
  try {
    pull_model(*store_, name, options());
    ADD_FAILURE() << "pulled";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "pull model manifest: 403");
  }
  other.stop();
  t.join();
  // A registry's own error keeps its message.
  EXPECT_EQ(registry_error_message(R"({"errors":[{"code":"DENIED","message":"no access"}]})"),
            "no access");
  EXPECT_EQ(registry_error_message("<html>"), "");
}

TEST_F(StorePolicyTest, StartUpRemovesTemporaryFilesOfDeadWritersOnly) {
  std::string host = host_name();
  fs::path dead = blobs() / ("sha256-abc" + str_cat(".tmp-", host, "_", dead_pid(), "_0badf00d-3"));
  fs::path mine = blobs() / ("sha256-def" + temp_suffix());
  fs::path other_host_young = blobs() / "sha256-x.tmp-replica-b_1_12345678-0";
  fs::path other_host_old = blobs() / "sha256-y.tmp-replica-b_1_12345678-1";
  fs::path legacy_upload_old = blobs() / ".upload-0123abcd";
  fs::path manifest_temp = root_ / "models/manifests/registry.ollama.ai/library/m" /
                           str_cat("latest.tmp-", host, "_", dead_pid(), "_0badf00d-0");
  fs::create_directories(manifest_temp.parent_path());
  for (const fs::path& p :
       {dead, mine, other_host_young, other_host_old, legacy_upload_old, manifest_temp}) {
    std::ofstream(p) << "x";
  }
  age(other_host_old, std::chrono::hours(2));
  age(legacy_upload_old, std::chrono::hours(2));
  age(mine, std::chrono::hours(2));  // ours: in flight, however old

  EXPECT_EQ(temp_owner(mine.filename().string()), TempOwner::kThisProcess);
  EXPECT_EQ(temp_owner(dead.filename().string()), TempOwner::kDead);
  EXPECT_EQ(temp_owner(other_host_young.filename().string()), TempOwner::kUnknown);
  EXPECT_EQ(store_->remove_dead_temporaries(), 4u);
  EXPECT_FALSE(fs::exists(dead));
  EXPECT_FALSE(fs::exists(other_host_old));
  EXPECT_FALSE(fs::exists(legacy_upload_old));
  EXPECT_FALSE(fs::exists(manifest_temp));
  EXPECT_TRUE(fs::exists(mine));
  EXPECT_TRUE(fs::exists(other_host_young));  // another replica may still be writing it
}

TEST_F(StorePolicyTest, UnusedBlobsGoAfterTheGracePeriodOnly) {
  Layer used = store_->add_blob_file(testing::kStoriesGguf, kMediaModel);
  CreateSpec spec;
  spec.name = *ModelName::parse("kept");
  spec.files["m.gguf"] = used.digest;
  create_model(*store_, spec, {});
  Layer young = store_->add_blob("uploaded a moment ago", "x");
  Layer old = store_->add_blob("uploaded yesterday", "x");
  Layer locked = store_->add_blob("being pulled by another replica", "x");
  Layer partial = store_->add_blob("has a partial download", "x");
  for (const Layer& l : {old, locked, partial}) age(store_->blob_path(l.digest), std::chrono::hours(2));
  age(store_->blob_path(used.digest), std::chrono::hours(2));
  std::optional<BlobLock> lock = BlobLock::try_acquire(store_->lock_path(locked.digest));
  std::ofstream(store_->partial_path(partial.digest)) << "x";

  StorePolicy keep;
  keep.noprune = true;
  store_->set_policy(keep);
  EXPECT_EQ(store_->prune_unused_blobs(), 0u);  // OLLAMA_NOPRUNE

  store_->set_policy(StorePolicy{});
  EXPECT_EQ(store_->prune_unused_blobs(), 1u);
  EXPECT_FALSE(store_->has_blob(old.digest));
  for (const Layer& l : {used, young, locked, partial}) EXPECT_TRUE(store_->has_blob(l.digest));
  // No leftovers of the move aside.
  for (const auto& e : fs::directory_iterator(blobs())) {
    EXPECT_EQ(e.path().filename().string().find(".prune"), std::string::npos);
  }
}

TEST_F(StorePolicyTest, AReuploadOrAHeadRefreshesAnOldUnusedBlob) {
  std::string bytes = "sent long ago, sent again now";
  Layer blob = store_->add_blob(bytes, "x");
  age(store_->blob_path(blob.digest), std::chrono::hours(2));
  bool created = store_->receive_blob(blob.digest, [&](const ModelStore::ByteSink& sink) {
    sink(bytes.data(), bytes.size());
  });
  EXPECT_FALSE(created);
  EXPECT_EQ(store_->prune_unused_blobs(), 0u);
  age(store_->blob_path(blob.digest), std::chrono::hours(2));
  EXPECT_TRUE(store_->refresh_blobs({blob.digest}).empty());
  EXPECT_EQ(store_->prune_unused_blobs(), 0u);
  EXPECT_EQ(store_->refresh_blobs({"sha256:" + std::string(64, '0')}).size(), 1u);
}

TEST_F(StorePolicyTest, AnUnreadableManifestStopsPruning) {
  Layer old = store_->add_blob("unused", "x");
  age(store_->blob_path(old.digest), std::chrono::hours(2));
  fs::path bad = root_ / "models/manifests/registry.ollama.ai/library/broken/latest";
  fs::create_directories(bad.parent_path());
  std::ofstream(bad) << "{not json";
  EXPECT_EQ(store_->prune_unused_blobs(), 0u);
  EXPECT_TRUE(store_->has_blob(old.digest));
  fs::remove(bad);
  EXPECT_EQ(store_->prune_unused_blobs(), 1u);
}

TEST_F(StorePolicyTest, TheQuotaRefusesABlobWith507BeforeReadingIt) {
  StorePolicy p;
  p.quota_bytes = 64 * 1024;
  store_->set_policy(p);
  std::string big(100 * 1024, 'b');
  std::string digest = "sha256:" + Sha256::hex(big);
  bool read = false;
  try {
    store_->receive_blob(
        digest, [&](const ModelStore::ByteSink&) { read = true; }, big.size());
    FAIL() << "accepted";
  } catch (const StoreError& e) {
    EXPECT_EQ(e.status(), 507);
    EXPECT_THAT(e.what(), HasSubstr("the model store is over its quota"));
    EXPECT_THAT(e.what(), HasSubstr("needs 102 KB more, and 0 B of SLIMLLM_STORE_QUOTA=66 KB is in use"));
    EXPECT_THAT(e.what(), HasSubstr("ollama rm"));
  }
  EXPECT_FALSE(read);
  // Without a Content-Length: refused once it outgrows the room, nothing left behind.
  EXPECT_THROW(store_->receive_blob(digest,
                                    [&](const ModelStore::ByteSink& sink) {
                                      for (size_t at = 0; at < big.size(); at += 4096)
                                        sink(big.data() + at, 4096);
                                    }),
               StoreError);
  EXPECT_FALSE(store_->has_blob(digest));
  EXPECT_TRUE(fs::is_empty(blobs()));
  // A small one fits.
  std::string small(1000, 's');
  EXPECT_TRUE(store_->receive_blob(
      "sha256:" + Sha256::hex(small),
      [&](const ModelStore::ByteSink& sink) { sink(small.data(), small.size()); }, small.size()));
}

TEST_F(StorePolicyTest, APullOverTheQuotaIsRefusedBeforeAnyBlobByteComes) {
  ModelName name = publish(200 * 1024);
  StorePolicy p;
  p.quota_bytes = 100 * 1024;
  store_->set_policy(p);
  try {
    pull_model(*store_, name, options());
    FAIL() << "pulled";
  } catch (const StoreError& e) {
    EXPECT_EQ(e.status(), 507);
    EXPECT_THAT(e.what(), HasSubstr("pulling " + name.display() + " needs 205 KB more"));
  }
  EXPECT_EQ(registry_.blob_bytes, 0);
  p.quota_bytes = 10ull << 20;
  store_->set_policy(p);
  pull_model(*store_, name, options());
  EXPECT_TRUE(store_->find(name).has_value());
}

TEST_F(StorePolicyTest, PullProgressIsCheckpointedByTimeNotOnlyByBytes) {
  ModelName name = publish(1 << 20);
  const int64_t stall = 300000;
  registry_.stall_after = stall;
  PullOptions o = options();
  o.download.checkpoint_bytes = 1ull << 40;  // never by bytes
  o.download.checkpoint_interval = std::chrono::milliseconds(50);
  std::atomic<bool> cancel{false};
  o.cancel = &cancel;
  std::thread pull([&] { EXPECT_THROW(pull_model(*store_, name, o), Error); });
  fs::path sidecar = store_->partial_path(model_.digest);
  sidecar += ".json";
  uint64_t recorded = 0;
  // Waits for the registry to park the request after `stall` bytes, then for the sidecar to
  // record them (generous bound; it takes ~50 ms).
  for (int i = 0; i < 3000 && recorded < static_cast<uint64_t>(stall); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    std::ifstream in(sidecar);
    nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
    if (!j.is_discarded() && j.contains("parts")) recorded = j["parts"][0]["completed"];
  }
  EXPECT_EQ(recorded, static_cast<uint64_t>(stall));
  cancel = true;
  registry_.release_stall();
  pull.join();
}

}  // namespace
}  // namespace slimllm
