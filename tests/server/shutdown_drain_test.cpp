// Draining in-process with the fake runner held at its gate, so every step waits on an event
// (a generation started, /ready turned 503), never on time: new work is refused with 503 while
// reads keep answering, a running stream completes, and one still running when the grace period
// ends is stopped with an error line.
#include <gtest/gtest.h>

#include <future>
#include <nlohmann/json.hpp>

#include "http_helpers.h"
#include "server/generation.h"
#include "server/middleware.h"
#include "test_server.h"

namespace slimllm {
namespace {

using nlohmann::json;
using testing::ndjson;
using testing::post;
using testing::TestServer;

// Polls /ready until it answers 503 (each poll is a full request, so this waits on the server's
// state, not on a clock); false if it never does.
bool wait_not_ready(const TestServer& s) {
  for (int i = 0; i < 100000; ++i) {
    auto res = s.client().Get("/ready");
    if (res && res->status == 503) return true;
    std::this_thread::yield();
  }
  return false;
}

// A SIGTERM right after start-up: the drain's stop comes before listen() enters httplib's accept
// loop, whose own stop() does nothing until then. The server must not serve on.
TEST(Drain, AStopBeforeTheAcceptLoopRunsIsKept) {
  TestServer s(TestServer::default_config(), {}, /*start=*/false);
  ASSERT_GT(s.server->bind(), 0);
  EXPECT_TRUE(s.server->drain(0));
  auto served = std::async(std::launch::async, [&] { s.server->listen(); });
  // A guard against hanging, not a measurement: listen() returns at once when it works.
  const bool returned = served.wait_for(std::chrono::minutes(1)) == std::future_status::ready;
  if (!returned) s.server->stop();  // the loop runs by now, so this stop takes
  EXPECT_TRUE(returned) << "listen() served on after an earlier stop";
}

TEST(Drain, RefusesNewWorkAndLetsTheRunningStreamFinish) {
  TestServer s;
  s.state.gated = true;
  auto stream = std::async(std::launch::async, [&] {
    return post(s, "/api/generate", {{"model", "stories"}, {"prompt", "Hello"}});
  });
  ASSERT_TRUE(s.state.wait_started(1));
  auto drained =
      std::async(std::launch::async, [&] { return s.server->drain(3600LL * 1'000'000'000); });
  ASSERT_TRUE(wait_not_ready(s));

  auto refused = post(s, "/api/generate", {{"model", "stories"}, {"prompt", "more"}});
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 503);
  EXPECT_EQ(refused->body, json({{"error", kDrainingMessage}}).dump());
  EXPECT_EQ(refused->get_header_value("Retry-After"), "1");
  auto chat = post(s, "/api/chat", {{"model", "stories"}, {"messages", json::array()}});
  ASSERT_TRUE(chat);
  EXPECT_EQ(chat->status, 503);
  auto create = post(s, "/api/create", {{"model", "x"}, {"from", "stories"}});
  ASSERT_TRUE(create);
  EXPECT_EQ(create->status, 503);
  // Reads and probes keep answering.
  auto health = s.client().Get("/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  auto show = post(s, "/api/show", {{"model", "stories"}});
  ASSERT_TRUE(show);
  EXPECT_EQ(show->status, 200);
  auto tags = s.client().Get("/api/tags");
  ASSERT_TRUE(tags);
  EXPECT_EQ(tags->status, 200);
  EXPECT_EQ(s.server->generations().in_flight(), 1);

  s.state.open_gate();
  auto res = stream.get();
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200);
  std::vector<json> lines = ndjson(res->body);
  ASSERT_EQ(lines.size(), 5u) << res->body;
  EXPECT_EQ(lines.back()["done"], true);
  EXPECT_EQ(lines.back()["done_reason"], "stop");
  EXPECT_TRUE(drained.get());  // finished within the grace period
  EXPECT_EQ(s.state.started, 1);
  // The server has stopped serving.
  EXPECT_FALSE(s.client().Get("/health"));
}

TEST(Drain, StopsStreamsStillRunningAtTheDeadlineWithAnErrorLine) {
  TestServer s;
  s.state.endless_runs = 1;
  httplib::Client c = s.client();
  std::promise<void> first_line;
  bool signalled = false;
  std::string body;
  auto stream = std::async(std::launch::async, [&] {
    httplib::Request req;
    req.method = "POST";
    req.path = "/api/generate";
    req.body = json({{"model", "stories"}, {"prompt", "Hello"}}).dump();
    req.set_header("Content-Type", "application/json");
    req.content_receiver = [&](const char* data, size_t n, uint64_t, uint64_t) {
      body.append(data, n);
      if (!signalled && body.find('\n') != std::string::npos) {
        signalled = true;
        first_line.set_value();
      }
      return true;
    };
    return c.send(req);
  });
  first_line.get_future().wait();
  EXPECT_FALSE(s.server->drain(0));  // no grace: the endless generation is stopped
  auto res = stream.get();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  std::vector<json> lines = ndjson(body);
  ASSERT_GE(lines.size(), 2u);
  EXPECT_EQ(lines.back(), json({{"error", kShutdownMessage}}));
  for (size_t i = 0; i + 1 < lines.size(); ++i) EXPECT_EQ(lines[i]["done"], false);
  EXPECT_TRUE(s.state.wait_finished(1));
  EXPECT_EQ(s.state.cancelled, 1);
}

TEST(Drain, NonStreamingGenerationStoppedAtTheDeadlineAnswers503) {
  TestServer s;
  s.state.endless_runs = 1;
  auto whole = std::async(std::launch::async, [&] {
    return post(s, "/api/generate", {{"model", "stories"}, {"prompt", "Hello"}, {"stream", false}});
  });
  ASSERT_TRUE(s.state.wait_started(1));
  EXPECT_FALSE(s.server->drain(0));
  auto res = whole.get();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 503);
  EXPECT_EQ(res->body, json({{"error", kShutdownMessage}}).dump());
}

TEST(Drain, WhatIsRefused) {
  EXPECT_TRUE(refused_while_draining("POST", "/api/generate"));
  EXPECT_TRUE(refused_while_draining("POST", "/api/pull"));
  EXPECT_TRUE(refused_while_draining("DELETE", "/api/delete"));
  EXPECT_TRUE(refused_while_draining("POST", "/api/blobs/sha256:00"));
  EXPECT_FALSE(refused_while_draining("POST", "/api/show"));
  EXPECT_FALSE(refused_while_draining("GET", "/api/tags"));
  EXPECT_FALSE(refused_while_draining("HEAD", "/"));
}

}  // namespace
}  // namespace slimllm
