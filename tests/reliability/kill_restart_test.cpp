// The kill -9 drill (docs/reliability.md §3): the real `slimllm serve` is killed with SIGKILL in
// the middle of a pull, a blob upload, a registry upload and a create, then started again on the
// same store. After each restart: no temporary file is left, every blob's bytes hash to its name,
// every manifest reads and names blobs that are there, the models from before still answer, and
// a pull resumes from what the killed process had checkpointed (by time: seconds, not 16 MiB).
// SLIMLLM_DRILL_ROUNDS=N repeats the create kill at N points (scripts/reliability-drill.sh).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "base/sha256.h"
#include "server/operations_process.h"
#include "store/fake_registry.h"

namespace fs = std::filesystem;

namespace slimllm::testing {
namespace {

class KillDrill : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/slimllm-drill-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    store_ = dir_ / "models";
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::unique_ptr<ServeProcess> start(std::map<std::string, std::string> env = {}) {
    env["OLLAMA_MODELS"] = store_.string();
    auto p = std::make_unique<ServeProcess>(env);
    EXPECT_GT(p->port, 0) << p->log_text();
    return p;
  }
  static void kill9(ServeProcess& p) {
    kill(p.pid, SIGKILL);
    p.wait_exit();
  }
  // Files in blobs/ that are neither blobs nor (when `partials_ok`) a resumable download.
  std::vector<std::string> strays(bool partials_ok = false) {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& e : fs::recursive_directory_iterator(store_, ec)) {
      if (!e.is_regular_file()) continue;
      std::string n = e.path().filename().string();
      if (n.find(".tmp-") != std::string::npos || n.rfind(".upload-", 0) == 0) out.push_back(n);
      if (!partials_ok && (n.find("-partial") != std::string::npos || n.find(".lock") != std::string::npos))
        out.push_back(n);
    }
    return out;
  }
  // Nothing corrupted: every blob hashes to its name, every manifest parses and its blobs exist.
  void expect_store_intact() {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(store_ / "blobs", ec)) {
      std::string n = e.path().filename().string();
      if (n.size() != 71 || n.rfind("sha256-", 0) != 0) continue;
      EXPECT_EQ("sha256-" + Sha256::hex_file(e.path().string()), n) << "corrupted blob";
    }
    for (const auto& e : fs::recursive_directory_iterator(store_ / "manifests", ec)) {
      if (!e.is_regular_file()) continue;
      std::ifstream in(e.path());
      nlohmann::json m = nlohmann::json::parse(in, nullptr, false);
      ASSERT_FALSE(m.is_discarded()) << e.path();
      std::vector<std::string> digests = {m["config"]["digest"]};
      for (const auto& l : m["layers"]) digests.push_back(l["digest"]);
      for (std::string d : digests) {
        d[6] = '-';
        EXPECT_TRUE(fs::exists(store_ / "blobs" / d)) << e.path() << " names a missing " << d;
      }
    }
  }
  static int show(ServeProcess& p, const std::string& model) {
    auto r = p.client().Post("/api/show", nlohmann::json{{"model", model}}.dump(),
                             "application/json");
    return r ? r->status : -1;
  }
  // Sends a request head and `sent` of `total` body bytes on a raw connection, left open.
  static int partial_request(int port, const std::string& head, size_t sent) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return -1;
    std::string body(sent, 'u');
    std::string all = head + body;
    for (size_t at = 0; at < all.size();) {
      ssize_t n = ::send(fd, all.data() + at, all.size() - at, MSG_NOSIGNAL);
      if (n <= 0) break;
      at += static_cast<size_t>(n);
    }
    return fd;
  }
  template <typename F>
  static bool wait_until(F done, int seconds = 60) {
    for (int i = 0; i < seconds * 100; ++i) {
      if (done()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

  fs::path dir_, store_;
};

TEST_F(KillDrill, APullKilledMidwayResumesFromItsTimeCheckpointAfterARestart) {
  FakeRegistry registry;
  std::ifstream in(kStoriesModelFile, std::ios::binary);
  std::string gguf((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  Layer model = registry.add_blob(gguf, std::string(kMediaModel));
  Layer tmpl = registry.add_blob("{{ .Prompt }}", std::string(kMediaTemplate));
  std::string manifest = registry.add_model("library", "stories", "260k", {model, tmpl});
  const std::string name = registry.host() + "/library/stories:260k";
  const int64_t stall = 400000;
  registry.stall_after = stall;

  auto server = start();
  std::thread pull([&] {
    server->client().Post("/api/pull", nlohmann::json{{"model", name}, {"insecure", true}}.dump(),
                           "application/json");
  });
  fs::path sidecar = store_ / "blobs" / ("sha256-" + model.digest.substr(7) + "-partial.json");
  uint64_t recorded = 0;
  // The default checkpoint is 16 MiB or 2 s: with 400 KB received, only the clock records them.
  bool checkpointed = wait_until([&] {
    std::ifstream s(sidecar);
    nlohmann::json j = nlohmann::json::parse(s, nullptr, false);
    if (!j.is_discarded() && j.contains("parts")) recorded = j["parts"][0]["completed"];
    return recorded == static_cast<uint64_t>(stall);
  });
  kill9(*server);
  registry.release_stall();
  pull.join();
  ASSERT_TRUE(checkpointed) << "sidecar records " << recorded << " of " << stall << " bytes";

  registry.stall_after = -1;
  registry.blob_bytes = 0;
  server = start();
  EXPECT_EQ(strays(/*partials_ok=*/true), std::vector<std::string>{}) << server->log_text();
  auto again = server->client().Post(
      "/api/pull", nlohmann::json{{"model", name}, {"insecure", true}, {"stream", false}}.dump(),
      "application/json");
  ASSERT_TRUE(again);
  ASSERT_EQ(again->status, 200) << again->body;
  // Only what the killed process had not checkpointed crossed the network again.
  int64_t small = static_cast<int64_t>(tmpl.size) +
                  static_cast<int64_t>(nlohmann::json::parse(manifest)["config"]["size"]);
  EXPECT_EQ(registry.blob_bytes, static_cast<int64_t>(gguf.size()) - stall + small);
  EXPECT_EQ(show(*server, name), 200);
  EXPECT_EQ(strays(), std::vector<std::string>{});
  expect_store_intact();
}

TEST_F(KillDrill, UploadsKilledMidwayLeaveNothingAfterARestart) {
  auto server = start({{"SLIMLLM_REGISTRY_UPLOADS", "1"}});
  ASSERT_EQ(server->create_model("stories", kStoriesModelFile), 200);
  // An /api/blobs upload, 600 KB of 2 MiB sent.
  std::string head = "POST /api/blobs/sha256:" + std::string(64, 'a') +
                     " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/octet-stream\r\n"
                     "Content-Length: 2097152\r\n\r\n";
  int blob_fd = partial_request(server->port, head, 600000);
  ASSERT_GE(blob_fd, 0);
  // A registry upload started (its file is created at once) and given part of a PATCH.
  auto started = server->client().Post("/v2/library/pushed/blobs/uploads/", "", "text/plain");
  ASSERT_TRUE(started);
  ASSERT_EQ(started->status, 202);
  std::string patch = "PATCH " + started->get_header_value("Location") +
                      " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1048576\r\n\r\n";
  int patch_fd = partial_request(server->port, patch, 300000);
  ASSERT_GE(patch_fd, 0);
  bool both = wait_until([&] {
    bool tmp = false, upload = false;
    for (const std::string& n : strays()) {
      tmp |= n.rfind("sha256-", 0) == 0;
      upload |= n.rfind(".upload-", 0) == 0;
    }
    return tmp && upload;
  });
  kill9(*server);
  close(blob_fd);
  close(patch_fd);
  ASSERT_TRUE(both) << ::testing::PrintToString(strays());

  server = start({{"SLIMLLM_REGISTRY_UPLOADS", "1"}});
  EXPECT_EQ(strays(), std::vector<std::string>{});
  EXPECT_NE(server->log_text().find("removed temporary files of interrupted writes"),
            std::string::npos);
  EXPECT_EQ(show(*server, "stories"), 200);
  expect_store_intact();
}

TEST_F(KillDrill, ACreateKilledAtAnyPointLeavesTheStoreIntact) {
  int rounds = 3;
  if (const char* r = std::getenv("SLIMLLM_DRILL_ROUNDS")) rounds = std::max(1, std::atoi(r));
  auto server = start();
  ASSERT_EQ(server->create_model("stories", kStoriesModelFile), 200);
  for (int round = 0; round < rounds; ++round) {
    const std::string model = "quantized" + std::to_string(round);
    std::thread create([&] {
      server->client().Post("/api/create",
                            nlohmann::json{{"model", model}, {"from", "stories"},
                                           {"quantize", "q8_0"}, {"stream", false}}
                                .dump(),
                            "application/json");
    });
    // Killed as soon as the quantized copy is being written (or a little later each round);
    // a create that finished first is fine too: the invariants hold at any point.
    wait_until([&] {
      for (const std::string& n : strays()) {
        if (n.rfind("quantize-", 0) == 0) return true;
      }
      return false;
    }, 10);
    std::this_thread::sleep_for(std::chrono::milliseconds(5 * round));
    kill9(*server);
    create.join();
    server = start();
    EXPECT_EQ(strays(), std::vector<std::string>{}) << "round " << round;
    EXPECT_EQ(show(*server, "stories"), 200) << "round " << round;
    int status = show(*server, model);
    EXPECT_TRUE(status == 200 || status == 404) << "round " << round << ": " << status;
    expect_store_intact();
  }
}

}  // namespace
}  // namespace slimllm::testing
