// Test helper: a store in a fresh temporary folder, the pull options the fast tests use, and the
// small file and socket chores the store and server tests share.
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>

#include "store/model_store.h"
#include "store/pull.h"

namespace slimllm::testing {

// The shared fixture model, llama2.c's stories260K, as the project keeps it (tests/data/models/).
inline const std::string kStoriesGguf = std::string(SLIMLLM_DATA) + "/models/stories260K.gguf";

// The whole file (empty when it cannot be read).
inline std::string read_all(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// A new empty folder /tmp/slimllm-<tag>-XXXXXX; the caller removes it.
inline std::filesystem::path make_temp_dir(const std::string& tag) {
  std::string pattern = "/tmp/slimllm-" + tag + "-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed for " + tag);
  return pattern;
}

// A loopback port that was free a moment ago and has no listener.
inline int closed_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

// Pull options for tests against the fake registry: plain HTTP, no sleeps between retries, a
// short poll for another writer's lock.
inline PullOptions fast_pull_options() {
  PullOptions o;
  o.registry = RegistryOptions();
  o.registry.insecure = true;
  o.download.retry_delay = std::chrono::milliseconds(0);
  o.download.lock_poll = std::chrono::milliseconds(10);
  return o;
}

// A test over an empty store (root_/models) in a fresh temporary folder, removed after the test.
// A fixture that sets up more calls TempStoreTest::SetUp() first.
class TempStoreTest : public ::testing::Test {
 protected:
  explicit TempStoreTest(std::string tag) : tag_(std::move(tag)) {}
  void SetUp() override {
    root_ = make_temp_dir(tag_);
    store_ = std::make_unique<ModelStore>(root_ / "models");
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(root_);
  }

  std::string tag_;
  std::filesystem::path root_;
  std::unique_ptr<ModelStore> store_;
};

}  // namespace slimllm::testing
