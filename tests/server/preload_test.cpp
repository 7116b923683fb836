// SLIMLLM_PRELOAD: a server with an empty store pulls the listed model from another server's
// registry mode by itself, loads it, and only then reports ready.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <thread>

#include "test_server.h"

namespace slimllm {
namespace {

using testing::FakeFactory;
using testing::FakeState;
using testing::TestServer;

TEST(Preload, PullsLoadsThenTurnsReady) {
  TestServer source;  // holds stories:latest and serves /v2 from its store
  char tmpl[] = "/tmp/slimllm-preload-XXXXXX";
  ASSERT_TRUE(mkdtemp(tmpl));
  const std::filesystem::path root = tmpl;
  {
    ModelStore store(root / "models");
    FakeState state;
    Scheduler scheduler(TestServer::default_config(), std::make_shared<FakeFactory>(state));
    ServerConfig config;
    config.address = parse_ollama_host("127.0.0.1:0");
    config.access_log = false;
    const std::string name = "127.0.0.1:" + std::to_string(source.port) + "/library/stories:latest";
    config.preload = {name};
    setenv("SLIMLLM_PRELOAD_INSECURE", "1", 1);
    Server server(config, store, scheduler, std::make_shared<testing::RecordingRenderer>());
    server.start();
    httplib::Client client("127.0.0.1", server.port());
    // Wait for the event (bounded so that a bug fails instead of hanging).
    int status = 0;
    for (int i = 0; i < 600 && status != 200; ++i) {
      auto res = client.Get("/ready");
      status = res ? res->status : 0;
      if (status != 200) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    unsetenv("SLIMLLM_PRELOAD_INSECURE");
    ASSERT_EQ(status, 200);
    const std::optional<StoredModel> pulled = store.find(*ModelName::parse(name));
    ASSERT_TRUE(pulled);
    EXPECT_EQ(pulled->digest, source.store->get(*ModelName::parse("stories")).digest)
        << "the manifest arrived byte for byte";
    {
      std::unique_lock lock(state.mutex);
      ASSERT_TRUE(state.changed.wait_for(lock, std::chrono::seconds(30), [&] {
        return state.loads == 1;
      })) << "the preloaded model is loaded once";
    }
    server.stop();
  }
  std::filesystem::remove_all(root);
}

}  // namespace
}  // namespace slimllm
