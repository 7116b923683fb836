#include "http/server.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include "http/response_writer.h"
#include "http/raw_socket.h"

namespace slimllm::http {
namespace {

using test::RawSocket;
using namespace std::chrono_literals;

// A layer with a few routes on a free loopback port, served on a background thread.
struct Fixture {
  explicit Fixture(Options options = {}) : server(options) {}
  void start() {
    port = server.bind("127.0.0.1", 0);
    thread = std::thread([this] { server.listen(); });
  }
  ~Fixture() {
    server.stop(1000);
    if (thread.joinable()) thread.join();
  }
  httplib::Client client() {
    httplib::Client c("127.0.0.1", port);
    c.set_read_timeout(20);
    return c;
  }
  Server server;
  int port = 0;
  std::thread thread;
};

TEST(HttpServer, RoutesByMethodAndPatternWithGroupsQueryAndHeaders) {
  Fixture f;
  f.server.route("GET", "/items/([a-z]+)", [](const Request& req, Response& res) {
    res.set_content(req.matches[1].str() + "|" + req.get_param_value("q") + "|" +
                        req.get_header_value("x-custom"),
                    "text/plain");
  });
  f.server.route("POST", "/echo", [](const Request& req, Response& res) {
    res.status = 201;
    res.set_content(req.body, "application/json");
  });
  f.start();
  auto c = f.client();
  auto got = c.Get("/items/abc?q=a%20b%2Bc", {{"X-Custom", "v"}});
  ASSERT_TRUE(got);
  EXPECT_EQ(got->status, 200);
  EXPECT_EQ(got->body, "abc|a b+c|v");
  auto posted = c.Post("/echo", R"({"a":1})", "application/json");
  ASSERT_TRUE(posted);
  EXPECT_EQ(posted->status, 201);
  EXPECT_EQ(posted->body, R"({"a":1})");
  EXPECT_EQ(posted->get_header_value("Content-Type"), "application/json");
  auto missing = c.Get("/nothing");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  auto head = c.Head("/items/abc");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_TRUE(head->body.empty());
  EXPECT_EQ(head->get_header_value("Content-Length"), "5");
}

TEST(HttpServer, RefusesAnAnnouncedOversizeBodyBeforeItIsSent) {
  Options o;
  o.max_body = 1000;
  Fixture f(o);
  std::atomic<int> calls{0};
  f.server.route("POST", "/api/chat", [&](const Request&, Response& res) {
    ++calls;
    res.set_content("{}", "application/json");
  });
  f.start();
  RawSocket s(f.port);
  ASSERT_TRUE(s.connected());
  // Only the head: the answer must come without a single body byte sent.
  ASSERT_TRUE(s.send("POST /api/chat HTTP/1.1\r\nHost: x\r\nContent-Length: 200000000\r\n\r\n"));
  std::string answer = s.read_all();
  EXPECT_EQ(answer.rfind("HTTP/1.1 413 ", 0), 0u) << answer;
  EXPECT_NE(answer.find("{\"error\":\"request body too large: 200000000 bytes; the limit is 1000 "
                        "bytes (SLIMLLM_MAX_REQUEST_BODY)\"}"),
            std::string::npos)
      << answer;
  EXPECT_TRUE(s.closed_by_peer());
  EXPECT_EQ(calls, 0);
}

TEST(HttpServer, RefusesAChunkedBodyOnceItExceedsTheLimit) {
  Options o;
  o.max_body = 1000;
  Fixture f(o);
  f.server.route("POST", "/api/chat", [](const Request&, Response& res) {
    res.set_content("{}", "application/json");
  });
  f.start();
  RawSocket s(f.port);
  std::string chunk(600, 'a');
  ASSERT_TRUE(s.send("POST /api/chat HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                     "258\r\n" + chunk + "\r\n258\r\n" + chunk + "\r\n"));
  std::string answer = s.read_all();
  EXPECT_EQ(answer.rfind("HTTP/1.1 413 ", 0), 0u) << answer;
  EXPECT_NE(answer.find("request body too large"), std::string::npos);
}

TEST(HttpServer, ClosesAConnectionWhoseHeadMissesTheDeadline) {
  Options o;
  o.head_timeout_ms = 200;  // short, so the test does not wait 10 s; it only waits for the close
  Fixture f(o);
  f.server.route("GET", "/health", [](const Request&, Response& res) {
    res.set_content("ok", "text/plain");
  });
  f.start();
  RawSocket slow(f.port);
  // A head that never ends: a header line, then nothing more.
  ASSERT_TRUE(slow.send("GET /health HTTP/1.1\r\nHost: x\r\n"));
  EXPECT_EQ(slow.read_all(), "");
  EXPECT_TRUE(slow.closed_by_peer());  // closed by the server, not by our 20 s receive timeout
}

TEST(HttpServer, AnswersOversizeHeadersWith431) {
  Options o;
  o.max_header = 4096;
  Fixture f(o);
  f.server.route("GET", "/", [](const Request&, Response& res) { res.set_content("x", "a/b"); });
  f.start();
  RawSocket s(f.port);
  ASSERT_TRUE(s.send("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(8000, 'a') +
                     "\r\n\r\n"));
  EXPECT_EQ(s.read_all().rfind("HTTP/1.1 431 ", 0), 0u);
}

TEST(HttpServer, MalformedRequestLineGets400) {
  Fixture f;
  f.start();
  RawSocket s(f.port);
  ASSERT_TRUE(s.send("NOT A REQUEST\r\n\r\n"));
  EXPECT_EQ(s.read_all().rfind("HTTP/1.1 400 ", 0), 0u);
}

TEST(HttpServer, StreamsUploadsToTheHandlerInPieces) {
  Options o;
  o.stream_buffer = 64 << 10;
  Fixture f(o);
  std::atomic<size_t> largest_piece{0};
  f.server.route_stream("POST", "/upload",
                        [&](const Request&, Response& res, const ContentReader& reader) {
                          size_t total = 0;
                          bool whole = reader([&](const char*, size_t n) {
                            total += n;
                            if (n > largest_piece) largest_piece = n;
                            return true;
                          });
                          res.set_content(std::to_string(total) + (whole ? " whole" : " cut"),
                                          "text/plain");
                        });
  f.start();
  auto c = f.client();
  std::string body(20u << 20, 'x');  // 20 MiB
  auto got = c.Post("/upload", body, "application/octet-stream");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->body, std::to_string(body.size()) + " whole");
  // Never the whole body at once: at most the stream buffer plus one read.
  EXPECT_LE(largest_piece.load(), (64u << 10) + (64u << 10));
}

TEST(HttpServer, RefusesUploadsOverTheUploadLimit) {
  Options o;
  o.max_upload = 1 << 20;
  Fixture f(o);
  f.server.route_stream("POST", "/upload",
                        [&](const Request&, Response& res, const ContentReader& reader) {
                          reader([](const char*, size_t) { return true; });
                          res.set_content("stored", "text/plain");
                        });
  f.start();
  auto c = f.client();
  auto announced = c.Post("/upload", std::string(2u << 20, 'x'), "application/octet-stream");
  ASSERT_TRUE(announced);
  EXPECT_EQ(announced->status, 413);
  EXPECT_NE(announced->body.find("SLIMLLM_MAX_UPLOAD"), std::string::npos);
  // Chunked, so the size is only known as it streams.
  RawSocket s(f.port);
  std::string chunk(512 << 10, 'y');
  std::string request = "POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 3; ++i) request += "80000\r\n" + chunk + "\r\n";
  request += "0\r\n\r\n";
  s.send(request);
  EXPECT_EQ(s.read_all().rfind("HTTP/1.1 413 ", 0), 0u);
}

TEST(HttpServer, StreamedResponsesApplyBackPressureAndReportTheClientGone) {
  Options o;
  o.stream_buffer = 64 << 10;
  Fixture f(o);
  std::atomic<size_t> written{0};
  std::promise<bool> last_write;
  f.server.route("GET", "/stream", [&](const Request&, Response& res) {
    res.set_chunked_content_provider("text/plain", [&](size_t, DataSink& sink) {
      std::string piece(16 << 10, 'z');
      for (int i = 0; i < 64 * 1024; ++i) {  // 1 GiB if nothing held it back
        if (!sink.write(piece.data(), piece.size())) {
          last_write.set_value(false);
          return false;
        }
        written += piece.size();
      }
      last_write.set_value(true);
      sink.done();
      return true;
    });
  });
  f.start();
  RawSocket s(f.port);
  s.set_receive_buffer(16 << 10);
  ASSERT_TRUE(s.send("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n"));
  s.read_until("\r\n\r\n");
  // The client reads nothing more; the handler must be held back by the bounded buffer (plus
  // what the kernel's socket buffers take), far below the 1 GiB it wants to write.
  std::this_thread::sleep_for(500ms);
  const size_t held = written.load();
  EXPECT_LT(held, 64u << 20);
  s.close();
  auto result = last_write.get_future();
  ASSERT_EQ(result.wait_for(20s), std::future_status::ready);
  EXPECT_FALSE(result.get());  // the write after the client left returned false
}

TEST(HttpServer, InlineRoutesAnswerWhileEveryWorkerIsBusy) {
  Options o;
  o.max_workers = 2;
  Fixture f(o);
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<int> busy{0};
  f.server.route("POST", "/slow", [&](const Request&, Response& res) {
    ++busy;
    released.wait();
    res.set_content("done", "text/plain");
  });
  f.server.route("GET", "/health", [](const Request&, Response& res) {
    res.set_content("ok", "text/plain");
  });
  f.server.answer_inline("/health");
  f.start();
  std::vector<std::future<httplib::Result>> slow;
  for (int i = 0; i < 6; ++i) {  // two hold the workers, four wait in the queue
    slow.push_back(std::async(std::launch::async, [&] {
      auto c = f.client();
      return c.Post("/slow", "{}", "application/json");
    }));
  }
  while (busy < 2) std::this_thread::sleep_for(1ms);
  auto c = f.client();
  auto health = c.Get("/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->body, "ok");
  EXPECT_EQ(f.server.stats().workers_busy, 2u);
  release.set_value();
  for (auto& r : slow) {
    auto res = r.get();
    ASSERT_TRUE(res);
    EXPECT_EQ(res->body, "done");
  }
}

TEST(HttpServer, StopClosesIdleKeepAliveConnectionsAtOnce) {
  Fixture f;
  f.server.route("GET", "/", [](const Request&, Response& res) { res.set_content("x", "a/b"); });
  f.start();
  std::vector<std::unique_ptr<RawSocket>> idle;
  for (int i = 0; i < 50; ++i) {
    idle.push_back(std::make_unique<RawSocket>(f.port));
    ASSERT_TRUE(idle.back()->send("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    idle.back()->read_until("\r\n\r\nx");
  }
  while (f.server.stats().connections < 50) std::this_thread::sleep_for(1ms);
  const auto begin = std::chrono::steady_clock::now();
  f.server.stop(60 * 1000);  // a long grace: idle connections must not use it
  EXPECT_LT(std::chrono::steady_clock::now() - begin, 30s);
  for (auto& s : idle) {
    s->read_all();
    EXPECT_TRUE(s->closed_by_peer());
  }
}

TEST(HttpServer, SizedProvidersHonourASingleRange) {
  Fixture f;
  const std::string data = "0123456789";
  f.server.route("GET", "/blob", [&](const Request&, Response& res) {
    res.set_content_provider(data.size(), "application/octet-stream",
                             [&](size_t offset, size_t length, DataSink& sink) {
                               return sink.write(data.data() + offset, length);
                             });
  });
  f.start();
  auto c = f.client();
  auto whole = c.Get("/blob");
  ASSERT_TRUE(whole);
  EXPECT_EQ(whole->body, data);
  auto part = c.Get("/blob", {{"Range", "bytes=3-5"}});
  ASSERT_TRUE(part);
  EXPECT_EQ(part->status, 206);
  EXPECT_EQ(part->body, "345");
  EXPECT_EQ(part->get_header_value("Content-Range"), "bytes 3-5/10");
}

TEST(HttpRange, ParsesSingleRangesOnly) {
  size_t offset = 0, length = 0;
  EXPECT_TRUE(parse_single_range("bytes=0-", 10, offset, length));
  EXPECT_EQ(offset, 0u);
  EXPECT_EQ(length, 10u);
  EXPECT_TRUE(parse_single_range("bytes=-4", 10, offset, length));
  EXPECT_EQ(offset, 6u);
  EXPECT_FALSE(parse_single_range("bytes=10-", 10, offset, length));
  EXPECT_FALSE(parse_single_range("bytes=0-1,3-4", 10, offset, length));
  EXPECT_FALSE(parse_single_range("items=0-1", 10, offset, length));
}

TEST(HttpMessage, DecodesQueriesAndComparesHeaderNamesWithoutCase) {
  Params p = parse_query("a=1&b=x%2Fy&c=d+e&flag");
  EXPECT_EQ(p.find("b")->second, "x/y");
  EXPECT_EQ(p.find("c")->second, "d e");
  EXPECT_TRUE(p.count("flag"));
  Request r;
  r.headers.emplace("Content-Type", "a");
  EXPECT_EQ(r.get_header_value("content-type"), "a");
  Response res;
  res.set_header("X", "a\r\nInjected: 1");
  EXPECT_FALSE(res.has_header("X"));
}

}  // namespace
}  // namespace slimllm::http
