// /health, /ready and /metrics on the in-process server with the fake runner: probe answers, the
// readiness rules (preload, store, draining) and every counter moving by exactly what a few
// requests add.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <future>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <thread>

#include "http_helpers.h"
#include "server/generation.h"
#include "server/metrics.h"
#include "test_server.h"

namespace slimllm {
namespace {

using nlohmann::json;
using testing::post;
using testing::TestServer;

std::string scrape(const TestServer& s) {
  auto res = s.client().Get("/metrics");
  if (!res || res->status != 200) return "";
  EXPECT_EQ(res->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  return res->body;
}

// The value of the one sample `series` (name plus its exact label set), or -1 when absent.
double sample(const std::string& text, const std::string& series) {
  for (const std::string& line : str_split(text, '\n')) {
    if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 &&
        line[series.size()] == ' ') {
      return std::stod(line.substr(series.size() + 1));
    }
  }
  return -1;
}

// A second server over the test server's store and scheduler, with its own configuration.
struct ConfiguredServer {
  ConfiguredServer(TestServer& base, std::vector<std::string> preload,
                   std::filesystem::path store_root = {}) {
    ServerConfig config;
    config.address = parse_ollama_host("127.0.0.1:0");
    config.access_log = false;
    config.preload = std::move(preload);
    if (!store_root.empty()) other_store = std::make_unique<ModelStore>(store_root);
    server = std::make_unique<Server>(config, other_store ? *other_store : *base.store,
                                      *base.scheduler, base.renderer);
    server->start();
  }
  httplib::Result ready() const {
    httplib::Client c("127.0.0.1", server->port());
    return c.Get("/ready");
  }
  std::unique_ptr<ModelStore> other_store;
  std::unique_ptr<Server> server;
};

TEST(Operations, HealthAnswersAndRootStaysOllamaIsRunning) {
  TestServer s;
  auto health = s.client().Get("/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  EXPECT_EQ(health->body, R"({"status":"ok"})");
  auto root = s.client().Get("/");
  ASSERT_TRUE(root);
  EXPECT_EQ(root->body, "Ollama is running");
  auto wrong = s.client().Post("/health", "", "text/plain");
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 405);
}

TEST(Operations, ReadyWithoutPreloadedModels) {
  TestServer s;
  auto ready = s.client().Get("/ready");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200);
  EXPECT_EQ(ready->body, R"({"status":"ready"})");
}

TEST(Operations, ReadyOnlyWhenEveryPreloadedModelIsInTheStore) {
  TestServer s;
  ConfiguredServer present(s, {"stories", "stories:latest"});
  auto ok = present.ready();
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200) << ok->body;

  ConfiguredServer missing(s, {"stories", "llama3.2:1b", "qwen2:0.5b"});
  auto no = missing.ready();
  ASSERT_TRUE(no);
  EXPECT_EQ(no->status, 503);
  json body = json::parse(no->body);
  EXPECT_EQ(body["status"], "not ready");
  EXPECT_EQ(body["reason"],
            "models from SLIMLLM_PRELOAD not in the store yet: llama3.2:1b, qwen2:0.5b");
}

TEST(Operations, NotReadyWhenTheStoreCannotBeRead) {
  TestServer s;
  std::filesystem::path file = s.root / "not-a-directory";
  std::ofstream(file) << "x";
  ConfiguredServer broken(s, {}, file);
  auto no = broken.ready();
  ASSERT_TRUE(no);
  EXPECT_EQ(no->status, 503);
  std::string reason = json::parse(no->body)["reason"];
  EXPECT_EQ(reason.find("model store " + file.string() + " is not readable: "), 0u) << reason;

  // A store that does not exist yet is empty, not broken.
  ConfiguredServer fresh(s, {}, s.root / "fresh");
  auto ok = fresh.ready();
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
}

TEST(Operations, NotReadyWhileDraining) {
  TestServer s;
  s.server->generations().start_draining();
  auto no = s.client().Get("/ready");
  ASSERT_TRUE(no);
  EXPECT_EQ(no->status, 503);
  EXPECT_EQ(json::parse(no->body)["reason"], "draining: the server is shutting down");
  auto health = s.client().Get("/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  EXPECT_EQ(sample(scrape(s), "slimllm_draining"), 1);
}

TEST(Metrics, CountersMoveByExactlyWhatTheRequestsAdd) {
  TestServer s;
  std::string before = scrape(s);
  EXPECT_EQ(sample(before, "slimllm_draining"), 0);
  EXPECT_EQ(sample(before, "slimllm_models_loaded"), 0);
  EXPECT_EQ(
      sample(before, R"(slimllm_http_requests_total{route="/api/tags",method="GET",status="200"})"),
      -1);

  ASSERT_TRUE(s.client().Get("/api/tags"));
  ASSERT_TRUE(s.client().Get("/api/tags"));
  ASSERT_TRUE(s.client().Get("/no/such/path"));
  s.state.cached_prompt_tokens = 3;
  auto streamed = post(s, "/api/generate", {{"model", "stories"}, {"prompt", "Hello"}});
  ASSERT_TRUE(streamed);
  ASSERT_EQ(streamed->status, 200);
  auto whole = post(s, "/api/chat",
                    {{"model", "stories"},
                     {"messages", json::array({{{"role", "user"}, {"content", "Hi there"}}})},
                     {"stream", false}});
  ASSERT_TRUE(whole);
  ASSERT_EQ(whole->status, 200);
  auto unknown = post(s, "/api/generate", {{"model", "nosuch"}, {"prompt", "x"}});
  ASSERT_TRUE(unknown);
  ASSERT_EQ(unknown->status, 404);
  s.server->metrics().add_pull_bytes("llama3.2:1b", 1000);
  s.server->metrics().add_pull_bytes("llama3.2:1b", 24);

  std::string after = scrape(s);
  auto requests = [&](const char* route, const char* method, int status) {
    return sample(after, str_cat("slimllm_http_requests_total{route=\"", route, "\",method=\"",
                                 method, "\",status=\"", status, "\"}"));
  };
  EXPECT_EQ(requests("/api/tags", "GET", 200), 2);
  EXPECT_EQ(requests("unmatched", "GET", 404), 1);
  EXPECT_EQ(requests("/api/generate", "POST", 200), 1);
  EXPECT_EQ(requests("/api/generate", "POST", 404), 1);
  EXPECT_EQ(requests("/api/chat", "POST", 200), 1);
  EXPECT_EQ(requests("/metrics", "GET", 200), 1);  // the first scrape

  int64_t prompt_chars = 0;
  {
    std::lock_guard lock(s.state.mutex);
    ASSERT_EQ(s.state.prompts.size(), 2u);
    for (const std::string& p : s.state.prompts) prompt_chars += static_cast<int64_t>(p.size());
  }
  const std::string model = R"({model="stories:latest"})";
  // The fake runner counts one prompt token per character and generates four pieces.
  EXPECT_EQ(sample(after, "slimllm_prompt_tokens_total" + model), prompt_chars);
  EXPECT_EQ(sample(after, "slimllm_generated_tokens_total" + model), 8);
  EXPECT_EQ(sample(after, "slimllm_prompt_cache_tokens_total" + model), 6);
  EXPECT_EQ(sample(after, "slimllm_prompt_cache_hits_total" + model), 2);
  EXPECT_EQ(sample(after, "slimllm_time_to_first_token_seconds_count" + model), 2);
  EXPECT_EQ(sample(after, "slimllm_generation_tokens_per_second_count" + model), 2);
  // 4 tokens in 2000 ns: two million per second, above the last finite bucket.
  EXPECT_EQ(
      sample(after,
             R"(slimllm_generation_tokens_per_second_bucket{model="stories:latest",le="5000"})"),
      0);
  EXPECT_EQ(
      sample(after,
             R"(slimllm_generation_tokens_per_second_bucket{model="stories:latest",le="+Inf"})"),
      2);
  EXPECT_EQ(sample(after, "slimllm_generation_tokens_per_second_sum" + model), 4e6);
  EXPECT_EQ(sample(after, "slimllm_model_load_seconds_count" + model), 1);
  EXPECT_EQ(sample(after, "slimllm_models_loaded"), 1);
  EXPECT_EQ(sample(after, "slimllm_model_memory_bytes" + model), 1000);
  EXPECT_EQ(sample(after, "slimllm_requests_in_flight" + model), 0);
  EXPECT_EQ(sample(after, "slimllm_requests_queued" + model), 0);
  EXPECT_EQ(sample(after, R"(slimllm_pull_bytes_total{model="llama3.2:1b"})"), 1024);
  EXPECT_EQ(sample(after, R"(slimllm_build_info{version="0.1.0",ollama_version="0.13.5"})"), 1);
  EXPECT_GT(sample(after, "slimllm_process_start_time_seconds"), 1.7e9);

  // A second scrape sees the first one counted, and nothing else moved.
  std::string again = scrape(s);
  EXPECT_EQ(
      sample(again, R"(slimllm_http_requests_total{route="/metrics",method="GET",status="200"})"),
      2);
  EXPECT_EQ(sample(again, "slimllm_generated_tokens_total" + model), 8);
}

TEST(Metrics, InFlightAndQueuedGaugesFollowTheScheduler) {
  TestServer s;  // one slot per model
  s.state.gated = true;
  auto first = std::async(std::launch::async, [&] {
    return post(s, "/api/generate", {{"model", "stories"}, {"prompt", "a"}});
  });
  ASSERT_TRUE(s.state.wait_started(1));
  auto second = std::async(std::launch::async, [&] {
    return post(s, "/api/generate", {{"model", "stories"}, {"prompt", "b"}, {"stream", false}});
  });
  ASSERT_TRUE(s.scheduler->wait_for_queued(1, std::chrono::seconds(30)));
  std::string during = scrape(s);
  EXPECT_EQ(sample(during, R"(slimllm_requests_in_flight{model="stories:latest"})"), 1);
  EXPECT_EQ(sample(during, R"(slimllm_requests_queued{model="stories:latest"})"), 1);
  EXPECT_EQ(s.server->generations().in_flight(), 2);
  s.state.open_gate();
  ASSERT_EQ(first.get()->status, 200);
  ASSERT_EQ(second.get()->status, 200);
  std::string after = scrape(s);
  EXPECT_EQ(sample(after, R"(slimllm_requests_in_flight{model="stories:latest"})"), 0);
  EXPECT_EQ(sample(after, R"(slimllm_requests_queued{model="stories:latest"})"), 0);
  // Tickets end once the answers are written, which may be just after the client has them.
  EXPECT_TRUE(s.server->generations().wait_idle(std::chrono::steady_clock::now() +
                                                std::chrono::seconds(30)));
}

TEST(Metrics, EveryFamilyHasHelpAndTypeAndEverySampleParses) {
  TestServer s;
  ASSERT_TRUE(post(s, "/api/generate", {{"model", "stories"}, {"prompt", "Hello"}}));
  s.server->metrics().add_pull_bytes("we\"ird\\name\n", 1);
  std::string text = scrape(s);
  static const std::regex kSample(
      R"(^(slimllm_[a-z_]+)(\{([a-z_]+="([^"\\]|\\.)*")(,[a-z_]+="([^"\\]|\\.)*")*\})? [-+0-9.eInf]+$)");
  std::set<std::string> typed;
  for (const std::string& line : str_split(text, '\n')) {
    if (line.empty()) continue;
    if (line.rfind("# TYPE ", 0) == 0) {
      typed.insert(str_split(line, ' ')[2]);
      continue;
    }
    if (line.rfind("# HELP ", 0) == 0) continue;
    std::smatch m;
    ASSERT_TRUE(std::regex_match(line, m, kSample)) << line;
    std::string family = m[1];
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      if (!typed.count(family) && str_ends_with(family, suffix))
        family = family.substr(0, family.size() - std::strlen(suffix));
    }
    EXPECT_TRUE(typed.count(family)) << "no # TYPE before " << line;
  }
  EXPECT_NE(text.find(R"(slimllm_pull_bytes_total{model="we\"ird\\name\n"} 1)"), std::string::npos);
}

TEST(Metrics, RouteLabelsArePatternsNotRawPaths) {
  TestServer s;
  std::string digest = "sha256:" + std::string(64, 'a');
  auto res = s.client().Head(("/api/blobs/" + digest).c_str());
  ASSERT_TRUE(res);
  std::string text = scrape(s);
  EXPECT_EQ(
      sample(
          text,
          str_cat(R"(slimllm_http_requests_total{route="/api/blobs/:param",method="HEAD",status=")",
                  res->status, "\"}")),
      1);
  EXPECT_EQ(text.find(digest), std::string::npos);
}

TEST(Histogram, BucketsAreCumulativeWithInclusiveUpperBounds) {
  Histogram h({1, 2.5});
  h.observe(1);
  h.observe(2);
  h.observe(3);
  std::string out;
  h.render(out, "x", "");
  EXPECT_EQ(out,
            "x_bucket{le=\"1\"} 1\nx_bucket{le=\"2.5\"} 2\nx_bucket{le=\"+Inf\"} 3\nx_sum 6\n"
            "x_count 3\n");
  out.clear();
  Histogram(std::vector<double>{0.1}).render(out, "y", "model=\"m\"");
  EXPECT_EQ(out,
            "y_bucket{model=\"m\",le=\"0.1\"} 0\ny_bucket{model=\"m\",le=\"+Inf\"} 0\n"
            "y_sum{model=\"m\"} 0\ny_count{model=\"m\"} 0\n");
}

TEST(ShutdownGrace, GoDurationsAndPlainSeconds) {
  EXPECT_EQ(parse_shutdown_grace("25s"), 25'000'000'000);
  EXPECT_EQ(parse_shutdown_grace("1m"), 60'000'000'000);
  EXPECT_EQ(parse_shutdown_grace("1m30s"), 90'000'000'000);
  EXPECT_EQ(parse_shutdown_grace(" 25 "), 25'000'000'000);
  EXPECT_EQ(parse_shutdown_grace("2.5"), 2'500'000'000);
  EXPECT_EQ(parse_shutdown_grace("0"), 0);
  EXPECT_THROW(parse_shutdown_grace("soon"), Error);
  EXPECT_THROW(parse_shutdown_grace("-5s"), Error);
  EXPECT_THROW(parse_shutdown_grace("-5"), Error);
  EXPECT_THROW(parse_shutdown_grace(""), Error);
  EXPECT_THROW(parse_shutdown_grace("1e9"), Error);
  try {
    parse_shutdown_grace("soon");
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind("SLIMLLM_SHUTDOWN_GRACE: ", 0), 0u) << e.what();
  }
}

}  // namespace
}  // namespace slimllm
