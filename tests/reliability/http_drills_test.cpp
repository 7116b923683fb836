// The HTTP layer's drills (docs/reliability.md) against the real `slimllm serve`: thousands of
// idle and slow connections, a long model queue, oversize bodies and TLS with a certificate
// reload. Each latency figure is printed ("[drill] ...") and checked against a generous bound: the
// bounds catch a server that stalls (the thread-per-connection one took 14.9 s), not noise.
#include <gtest/gtest.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "http/raw_socket.h"
#include "server/operations_process.h"

namespace slimllm::testing {
namespace {

using http::test::RawSocket;
using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

// The slowest of `n` /health answers, each on a new connection, in milliseconds.
double slowest_probe(int port, const std::string& path, int n) {
  double worst = 0;
  for (int i = 0; i < n; ++i) {
    httplib::Client c("127.0.0.1", port);
    c.set_connection_timeout(30);
    c.set_read_timeout(30);
    const auto begin = Clock::now();
    auto res = c.Get(path);
    const double took = ms_since(begin);
    EXPECT_TRUE(res) << path;
    if (res) EXPECT_LT(res->status, 500) << path;
    worst = std::max(worst, took);
  }
  return worst;
}

TEST(HttpDrills, ProbesAnswerWithThousandIdleAndTwoHundredSlowHeaderConnections) {
  ServeProcess server;
  ASSERT_GT(server.port, 0) << server.log_text();
  const double quiet = slowest_probe(server.port, "/health", 10);
  std::vector<std::unique_ptr<RawSocket>> idle, slow;
  for (int i = 0; i < 1000; ++i) {
    auto s = std::make_unique<RawSocket>(server.port);
    ASSERT_TRUE(s->connected()) << "connection " << i;
    ASSERT_TRUE(s->send("GET /api/version HTTP/1.1\r\nHost: localhost\r\n\r\n"));
    const std::string answer = s->read_until("}");
    ASSERT_EQ(answer.rfind("HTTP/1.1 200", 0), 0u) << answer;
    idle.push_back(std::move(s));  // kept alive, idle
  }
  for (int i = 0; i < 200; ++i) {
    auto s = std::make_unique<RawSocket>(server.port);
    ASSERT_TRUE(s->connected());
    // A head that has begun and does not go on (the server's head deadline is 10 s).
    ASSERT_TRUE(s->send("GET /health HTTP/1.1\r\nHost: localhost\r\nX-Slow: "));
    slow.push_back(std::move(s));
  }
  const double loaded = slowest_probe(server.port, "/health", 20);
  const double ready = slowest_probe(server.port, "/ready", 5);
  std::printf("[drill] /health slowest of 20 with 1000 idle + 200 slow-header connections: %.1f ms "
              "(%.1f ms without them); /ready %.1f ms\n",
              loaded, quiet, ready);
  EXPECT_LT(loaded, 1000.0);
  EXPECT_LT(ready, 1000.0);
  // The idle connections are still usable.
  ASSERT_TRUE(idle.front()->send("GET /api/version HTTP/1.1\r\nHost: localhost\r\n\r\n"));
  EXPECT_EQ(idle.front()->read_until("}").rfind("HTTP/1.1 200", 0), 0u);
}

TEST(HttpDrills, ProbesStayFastWhileSixtyFourRequestsQueueOnAModel) {
  ServeProcess server(std::map<std::string, std::string>{{"OLLAMA_NUM_PARALLEL", "1"}});
  ASSERT_GT(server.port, 0) << server.log_text();
  ASSERT_EQ(server.create_model("stories", kStoriesModelFile), 200);
  const std::string body =
      R"({"model":"stories","prompt":"Once upon a time","stream":false,)"
      R"("options":{"num_predict":200,"temperature":0}})";
  std::vector<std::future<int>> queued;
  for (int i = 0; i < 64; ++i) {
    queued.push_back(std::async(std::launch::async, [&] {
      httplib::Client c("127.0.0.1", server.port);
      c.set_read_timeout(600);
      auto res = c.Post("/api/generate", body, "application/json");
      return res ? res->status : -1;
    }));
  }
  double worst = 0;
  int probes = 0, while_busy = 0;
  for (;;) {
    const size_t pending = static_cast<size_t>(std::count_if(queued.begin(), queued.end(), [](auto& f) {
      return f.wait_for(std::chrono::seconds(0)) != std::future_status::ready;
    }));
    if (pending == 0) break;
    worst = std::max(worst, slowest_probe(server.port, probes % 2 ? "/ready" : "/health", 1));
    ++probes;
    if (pending >= 32) ++while_busy;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  for (auto& f : queued) EXPECT_EQ(f.get(), 200);
  std::printf("[drill] slowest of %d probes while 64 generations queued on one model: %.1f ms "
              "(%d probes with 32 or more still waiting)\n",
              probes, worst, while_busy);
  EXPECT_GT(while_busy, 0);
  EXPECT_LT(worst, 1000.0);
}

TEST(HttpDrills, OversizeBodiesAreRefusedBeforeTheyAreSent) {
  ServeProcess server(std::map<std::string, std::string>{{"SLIMLLM_MAX_REQUEST_BODY", "1MiB"}});
  ASSERT_GT(server.port, 0) << server.log_text();
  for (const std::string path : {"/api/chat", "/api/generate", "/v1/chat/completions"}) {
    RawSocket s(server.port);
    // 200 MB announced, none sent: the 413 must come anyway, so nothing was buffered.
    ASSERT_TRUE(s.send("POST " + path + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: "
                       "application/json\r\nContent-Length: 200000000\r\n\r\n"));
    const std::string answer = s.read_all();
    EXPECT_EQ(answer.rfind("HTTP/1.1 413", 0), 0u) << path << ": " << answer;
    const std::string expected =
        "{\"error\":\"request body too large: 200000000 bytes; the limit is 1048576 bytes "
        "(SLIMLLM_MAX_REQUEST_BODY)\"}";
    EXPECT_NE(answer.find(expected), std::string::npos) << answer;
  }
  // A body under the limit still goes through.
  auto small = server.client().Post("/api/show", R"({"model":"absent"})", "application/json");
  ASSERT_TRUE(small);
  EXPECT_EQ(small->status, 404);
}

// --- TLS ---

bool make_certificate(const std::string& dir, const std::string& name, const std::string& cn,
                      const std::string& names = "IP:127.0.0.1,DNS:localhost") {
  const std::string cmd = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
                          "-days 2 -subj /CN=" + cn +
                          " -addext subjectAltName=" + names + " -keyout " + dir +
                          "/" + name + ".key -out " + dir + "/" + name + ".crt 2>/dev/null";
  return std::system(cmd.c_str()) == 0;
}

// The subject CN of the certificate the server presents on a new connection ("" if none).
std::string presented_cn(int port) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL* ssl = SSL_new(ctx);
  RawSocket socket(port);
  std::string cn;
  if (socket.connected()) {
    SSL_set_fd(ssl, socket.fd());
    if (SSL_connect(ssl) == 1) {
      if (X509* cert = SSL_get1_peer_certificate(ssl)) {
        char buf[256] = {};
        X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, buf, sizeof buf);
        cn = buf;
        X509_free(cert);
      }
      SSL_shutdown(ssl);
    }
  }
  SSL_free(ssl);
  SSL_CTX_free(ctx);
  return cn;
}

TEST(HttpDrills, TlsServesHttpsAndReloadsAChangedCertificate) {
  char tmpl[] = "/tmp/slimllm-tls-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  ASSERT_TRUE(make_certificate(dir, "first", "first"));
  ASSERT_TRUE(make_certificate(dir, "second", "second"));
  std::filesystem::copy_file(dir + "/first.crt", dir + "/tls.crt");
  std::filesystem::copy_file(dir + "/first.key", dir + "/tls.key");
  ServeProcess server(std::map<std::string, std::string>{{"SLIMLLM_TLS_CERT", dir + "/tls.crt"},
                                                         {"SLIMLLM_TLS_KEY", dir + "/tls.key"}});
  ASSERT_GT(server.port, 0) << server.log_text();
  EXPECT_EQ(presented_cn(server.port), "first");

  // HTTPS with the certificate checked, through the CLI's client.
  const std::string url = "https://127.0.0.1:" + std::to_string(server.port);
  CommandResult listed = run_slimllm({"list"}, {{"OLLAMA_HOST", url},
                                                {"SLIMLLM_TLS_CA", dir + "/first.crt"}});
  EXPECT_EQ(listed.exit_code, 0) << listed.output;
  EXPECT_NE(listed.output.find("NAME"), std::string::npos) << listed.output;
  // Without the CA the certificate is refused.
  CommandResult untrusted = run_slimllm({"list"}, {{"OLLAMA_HOST", url}});
  EXPECT_NE(untrusted.exit_code, 0) << untrusted.output;
  // Plain HTTP gets no answer on the HTTPS port.
  httplib::Client plain("127.0.0.1", server.port);
  plain.set_read_timeout(20);
  auto refused = plain.Get("/api/version");
  EXPECT_FALSE(refused && refused->status == 200);

  // A renewal, as cert-manager writes it: new files moved into place. New connections get it.
  std::filesystem::copy_file(dir + "/second.key", dir + "/next.key");
  std::filesystem::copy_file(dir + "/second.crt", dir + "/next.crt");
  std::filesystem::rename(dir + "/next.key", dir + "/tls.key");
  std::filesystem::rename(dir + "/next.crt", dir + "/tls.crt");
  EXPECT_EQ(presented_cn(server.port), "second");
  CommandResult renewed = run_slimllm({"list"}, {{"OLLAMA_HOST", url},
                                                 {"SLIMLLM_TLS_CA", dir + "/second.crt"}});
  EXPECT_EQ(renewed.exit_code, 0) << renewed.output;

  // A broken file is logged and the last good certificate kept.
  {
    std::ofstream broken(dir + "/tls.crt", std::ios::trunc);
    broken << "not a certificate\n";
  }
  EXPECT_EQ(presented_cn(server.port), "second");
  EXPECT_TRUE(server.wait_for_log(std::regex("keeping the previous certificate")));
  std::filesystem::remove_all(dir);
}

// A certificate that names only the public host (an ingress's), reached by another name (a
// Service's): SLIMLLM_CONNECT_TO connects there and still checks the certificate for the URL's
// host, as `helm test` does against a TLS-only pod.
TEST(HttpDrills, TheCliConnectsElsewhereAndChecksTheUrlsHost) {
  char tmpl[] = "/tmp/slimllm-tls-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  ASSERT_TRUE(make_certificate(dir, "tls", "public", "DNS:slimllm.internal"));
  ServeProcess server(std::map<std::string, std::string>{{"SLIMLLM_TLS_CERT", dir + "/tls.crt"},
                                                         {"SLIMLLM_TLS_KEY", dir + "/tls.key"}});
  ASSERT_GT(server.port, 0) << server.log_text();
  const std::string port = std::to_string(server.port);
  const std::string ca = dir + "/tls.crt";

  CommandResult listed = run_slimllm({"list"}, {{"OLLAMA_HOST", "https://slimllm.internal:" + port},
                                                {"SLIMLLM_CONNECT_TO", "localhost"},
                                                {"SLIMLLM_TLS_CA", ca}});
  EXPECT_EQ(listed.exit_code, 0) << listed.output;
  EXPECT_NE(listed.output.find("NAME"), std::string::npos) << listed.output;
  // By the address alone the name does not match the certificate.
  CommandResult mismatch = run_slimllm({"list"}, {{"OLLAMA_HOST", "https://127.0.0.1:" + port},
                                                  {"SLIMLLM_TLS_CA", ca}});
  EXPECT_NE(mismatch.exit_code, 0) << mismatch.output;
  // Without SLIMLLM_CONNECT_TO the public name does not resolve here.
  CommandResult unresolved = run_slimllm(
      {"list"}, {{"OLLAMA_HOST", "https://slimllm.internal:" + port}, {"SLIMLLM_TLS_CA", ca}});
  EXPECT_NE(unresolved.exit_code, 0) << unresolved.output;
  // A target that does not resolve is named.
  CommandResult bad = run_slimllm({"list"}, {{"OLLAMA_HOST", "https://slimllm.internal:" + port},
                                             {"SLIMLLM_CONNECT_TO", "no-such-host.invalid"},
                                             {"SLIMLLM_TLS_CA", ca}});
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.output.find("SLIMLLM_CONNECT_TO: cannot resolve \"no-such-host.invalid\""),
            std::string::npos)
      << bad.output;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace slimllm::testing
