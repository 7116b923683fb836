// Continuous batching through the HTTP server with the real GGUF runner (stories260K): clients
// that leave — streaming, not streaming, or still queued — free their sequence and slot; /api/ps
// and /metrics show the sequences and the KV memory; a request with another num_ctx runs on the
// loaded model.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <future>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "engine/gguf_runner.h"
#include "server/server.h"
#include "server/template_prompt_renderer.h"
#include "store/create.h"
#include "store/model_store.h"

namespace slimllm {
namespace {

using nlohmann::json;

class BatchServer {
 public:
  explicit BatchServer(int num_parallel) {
    char tmpl[] = "/tmp/slimllm-batch-XXXXXX";
    if (!mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
    root = tmpl;
    store = std::make_unique<ModelStore>(root / "models");
    Layer blob = store->add_blob_file(std::string(SLIMLLM_TESTDATA) + "/models/stories260K.gguf",
                                      kMediaModel);
    CreateSpec spec;
    spec.name = *ModelName::parse("stories");
    spec.files["stories260K.gguf"] = blob.digest;
    spec.template_text = "{{ .Prompt }}";
    create_model(*store, spec, {});
    SchedulerConfig sched;
    sched.memory_budget = 1ULL << 30;
    sched.num_parallel = num_parallel;
    sched.max_queue = 4;
    scheduler = std::make_unique<Scheduler>(sched, std::make_shared<GgufRunnerFactory>());
    ServerConfig config;
    config.address = parse_ollama_host("127.0.0.1:0");
    config.access_log = false;
    config.context_length = 256;
    server = std::make_unique<Server>(config, *store, *scheduler,
                                      std::make_shared<TemplatePromptRenderer>());
    server->start();
  }
  ~BatchServer() {
    server->stop();
    server.reset();
    scheduler.reset();
    std::filesystem::remove_all(root);
  }

  httplib::Result post(const std::string& path, const json& body) {
    httplib::Client c("127.0.0.1", server->port());
    c.set_read_timeout(120);
    return c.Post(path, body.dump(), "application/json");
  }
  // Opens a connection and sends POST /api/generate with `body`; the caller closes `fd`.
  void send_raw(const json& body, int& fd) {
    fd = socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(fd, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(server->port()));
    inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    const std::string text = body.dump();
    const std::string request =
        "POST /api/generate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        "Content-Length: " +
        std::to_string(text.size()) + "\r\n\r\n" + text;
    ASSERT_EQ(send(fd, request.data(), request.size(), 0), static_cast<ssize_t>(request.size()));
  }
  // The loaded model's batching counters (none while nothing is loaded).
  std::optional<BatchStats> stats() {
    for (const LoadedModelInfo& info : scheduler->loaded()) return info.batch;
    return std::nullopt;
  }
  // Polls `done` for up to a minute: a bound, not a timing assertion.
  template <typename F>
  bool eventually(F done) {
    for (int i = 0; i < 6000; ++i) {
      if (done()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

  std::filesystem::path root;
  std::unique_ptr<ModelStore> store;
  std::unique_ptr<Scheduler> scheduler;
  std::unique_ptr<Server> server;
};

// A generation that would run for thousands of tokens (num_predict is capped at 10 × num_ctx,
// and the context shifts).
json endless(bool stream) {
  return {{"model", "stories"},
          {"prompt", "Once upon a time"},
          {"stream", stream},
          {"options", {{"num_predict", 100000}, {"temperature", 0}}}};
}

TEST(Batching, AStreamingClientThatLeavesFreesItsSequence) {
  BatchServer s(2);
  int fd = -1;
  ASSERT_NO_FATAL_FAILURE(s.send_raw(endless(true), fd));
  std::string received;
  char buffer[4096];
  while (received.find("\"done\":false") == std::string::npos) {
    const ssize_t n = recv(fd, buffer, sizeof buffer, 0);
    ASSERT_GT(n, 0);
    received.append(buffer, static_cast<size_t>(n));
  }
  ASSERT_TRUE(s.eventually([&] { return s.stats() && s.stats()->running == 1; }));
  close(fd);
  EXPECT_TRUE(s.eventually([&] { return s.stats()->running == 0; }))
      << "the abandoned stream kept its sequence";
  EXPECT_TRUE(s.eventually([&] { return s.scheduler->loaded().front().active == 0; }));
}

TEST(Batching, ANonStreamingClientThatLeavesFreesItsSequence) {
  BatchServer s(2);
  int fd = -1;
  ASSERT_NO_FATAL_FAILURE(s.send_raw(endless(false), fd));
  ASSERT_TRUE(s.eventually([&] { return s.stats() && s.stats()->running == 1; }));
  close(fd);
  EXPECT_TRUE(s.eventually([&] { return s.stats()->running == 0; }))
      << "the abandoned generation kept its sequence";
  // The slot is free: a request runs to its end.
  auto res = s.post("/api/generate", {{"model", "stories"},
                                      {"prompt", "Once upon a time"},
                                      {"stream", false},
                                      {"options", {{"num_predict", 4}, {"temperature", 0}}}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200) << res->body;
}

TEST(Batching, AQueuedClientThatLeavesNeverRuns) {
  BatchServer s(1);
  int running = -1, queued = -1;
  ASSERT_NO_FATAL_FAILURE(s.send_raw(endless(false), running));
  ASSERT_TRUE(s.eventually([&] { return s.stats() && s.stats()->running == 1; }));
  ASSERT_NO_FATAL_FAILURE(s.send_raw(endless(false), queued));
  ASSERT_TRUE(s.scheduler->wait_for_queued(1, std::chrono::seconds(60)));
  close(queued);
  EXPECT_TRUE(s.scheduler->wait_for_queued_at_most(0, std::chrono::seconds(60)));
  close(running);
  EXPECT_TRUE(s.eventually([&] { return s.stats()->running == 0; }));
  EXPECT_TRUE(s.eventually([&] { return s.scheduler->loaded().front().active == 0; }));
}

// Two streams at once, /api/ps and /metrics report the sequences and the KV memory; a request
// with a smaller num_ctx runs on the loaded model (no reload) and gives the same text.
TEST(Batching, PsAndMetricsShowTheBatchAndAnotherNumCtxDoesNotReload) {
  BatchServer s(2);
  const json greedy = {{"model", "stories"},
                       {"prompt", "Once upon a time"},
                       {"stream", false},
                       {"options", {{"num_predict", 24}, {"temperature", 0}}}};
  auto a = std::async(std::launch::async, [&] { return s.post("/api/generate", greedy); });
  auto b = std::async(std::launch::async, [&] { return s.post("/api/generate", greedy); });
  auto ra = a.get(), rb = b.get();
  ASSERT_TRUE(ra && rb);
  ASSERT_EQ(ra->status, 200) << ra->body;
  ASSERT_EQ(rb->status, 200) << rb->body;
  EXPECT_EQ(json::parse(ra->body)["response"], json::parse(rb->body)["response"]);

  httplib::Client c("127.0.0.1", s.server->port());
  auto ps = c.Get("/api/ps");
  ASSERT_TRUE(ps);
  const json model = json::parse(ps->body)["models"].at(0);
  EXPECT_EQ(model["running"], 0);
  EXPECT_EQ(model["queued"], 0);
  EXPECT_GT(model["kv_cache_bytes"].get<uint64_t>(), 0u);  // the cached prompts
  EXPECT_LE(model["kv_cache_bytes"].get<uint64_t>(), model["kv_cache_budget_bytes"].get<uint64_t>());
  auto metrics = c.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("slimllm_batch_sequences_count{model=\"stories:latest\"}"),
            std::string::npos);
  EXPECT_NE(metrics->body.find("slimllm_kv_cache_budget_bytes{model=\"stories:latest\"}"),
            std::string::npos);

  json smaller = greedy;
  smaller["options"]["num_ctx"] = 128;
  auto rc = s.post("/api/generate", smaller);
  ASSERT_TRUE(rc);
  ASSERT_EQ(rc->status, 200) << rc->body;
  EXPECT_EQ(json::parse(rc->body)["response"], json::parse(ra->body)["response"]);
  const auto loaded = s.scheduler->loaded();
  ASSERT_EQ(loaded.size(), 1u);
  EXPECT_EQ(loaded.front().options.num_ctx, 256) << "the model was reloaded for num_ctx 128";
}

}  // namespace
}  // namespace slimllm
