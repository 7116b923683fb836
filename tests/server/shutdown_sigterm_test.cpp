// SIGTERM to the real `slimllm serve` during a streaming generation of stories260K: /ready turns
// 503, a new generation is refused, the running stream completes with done:true, and the process
// exits 0. The client reads the stream through a fixed receive buffer and stops reading after the
// first line, so the generation (far more output than the socket buffers hold) cannot finish
// before the test lets it: every step waits on an event, none on a clock.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "operations_process.h"

namespace slimllm {
namespace {

using nlohmann::json;
using testing::ServeProcess;

class RawStream {
 public:
  RawStream(int port, const std::string& path, const std::string& body) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    // A fixed receive buffer (no autotuning, which could grow it to tcp_rmem's 32 MiB ceiling)
    // that still holds a loopback segment (64 KiB): smaller ones stall the connection.
    int fixed = 128 * 1024;  // the kernel doubles it
    setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &fixed, sizeof fixed);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    std::string request =
        "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" +
        "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
        "\r\n\r\n" + body;
    if (connected_) connected_ = send(fd_, request.data(), request.size(), MSG_NOSIGNAL) > 0;
  }
  ~RawStream() { close(fd_); }
  bool connected() const { return connected_; }
  // Reads until `needle` has arrived (or the connection ends); returns whether it did.
  bool read_until(const std::string& needle) {
    while (received_.find(needle) == std::string::npos) {
      if (!read_some()) return false;
    }
    return true;
  }
  void read_to_end() {
    while (read_some()) {
    }
  }
  const std::string& received() const { return received_; }

 private:
  bool read_some() {
    char buf[65536];
    ssize_t n = recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) return false;
    received_.append(buf, static_cast<size_t>(n));
    return true;
  }
  int fd_ = -1;
  bool connected_ = false;
  std::string received_;
};

TEST(Sigterm, StreamCompletesNewWorkIsRefusedAndTheProcessExitsZero) {
  ServeProcess serve({{"SLIMLLM_SHUTDOWN_GRACE", "10m"}, {"OLLAMA_NUM_PARALLEL", "1"}});
  ASSERT_GT(serve.port, 0) << serve.log_text();
  // Every streamed line repeats the model name as the request spelled it: a name near the limits
  // (host 208, namespace, model and tag 80 characters each) makes lines of ~600 bytes, so 12,000
  // tokens are 7 MB, past the most the kernel buffers for an unread socket (tcp_wmem's 4 MiB
  // ceiling for the sender, 256 KiB for the client's fixed receive buffer).
  const std::string name = std::string(200, 'h') + ".example/" + std::string(80, 'n') + "/stories" +
                           std::string(73, 's') + ":" + std::string(80, 't');
  ASSERT_EQ(serve.create_model(name, testing::kStoriesModelFile), 200) << serve.log_text();
  json request = {{"model", name},
                  {"prompt", "Once upon a time"},
                  {"options", {{"num_predict", 12000}, {"num_ctx", 256}, {"temperature", 0}}}};
  RawStream stream(serve.port, "/api/generate", request.dump());
  ASSERT_TRUE(stream.connected());
  ASSERT_TRUE(stream.read_until("\"response\"")) << stream.received() << serve.log_text();

  ASSERT_EQ(kill(serve.pid, SIGTERM), 0);
  // /ready turns 503 (each poll is a request: this waits on the server, not on a clock).
  bool not_ready = false;
  for (int i = 0; i < 100000 && !not_ready; ++i) {
    auto ready = serve.client().Get("/ready");
    ASSERT_TRUE(ready) << "the server stopped before the stream finished\n" << serve.log_text();
    not_ready = ready->status == 503;
  }
  ASSERT_TRUE(not_ready);
  auto refused = serve.client().Post(
      "/api/generate", json({{"model", name}, {"prompt", "x"}}).dump(), "application/json");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 503);
  EXPECT_NE(refused->body.find("server shutting down"), std::string::npos) << refused->body;
  auto health = serve.client().Get("/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);

  stream.read_to_end();
  const std::string& body = stream.received();
  EXPECT_EQ(body.rfind("HTTP/1.1 200", 0), 0u) << body.substr(0, 200);
  EXPECT_NE(body.find("\"done\":true"), std::string::npos)
      << body.substr(body.size() - std::min<size_t>(body.size(), 500));
  EXPECT_NE(body.find("\"done_reason\":\"length\""), std::string::npos);
  EXPECT_EQ(body.find("\"error\""), std::string::npos);

  int status = serve.wait_exit();
  ASSERT_TRUE(WIFEXITED(status)) << serve.log_text();
  EXPECT_EQ(WEXITSTATUS(status), 0) << serve.log_text();
  std::string log = serve.log_text();
  EXPECT_NE(log.find("received signal, shutting down"), std::string::npos) << log;
  EXPECT_NE(log.find("draining"), std::string::npos) << log;
}

TEST(Sigterm, IdleServerExitsZeroAtOnce) {
  ServeProcess serve;
  ASSERT_GT(serve.port, 0) << serve.log_text();
  ASSERT_EQ(kill(serve.pid, SIGTERM), 0);
  int status = serve.wait_exit();
  ASSERT_TRUE(WIFEXITED(status)) << serve.log_text();
  EXPECT_EQ(WEXITSTATUS(status), 0) << serve.log_text();
}

TEST(Sigterm, BadShutdownGraceIsRefusedAtStart) {
  testing::CommandResult r = testing::run_slimllm(
      {"serve"}, {{"SLIMLLM_SHUTDOWN_GRACE", "soon"}, {"OLLAMA_HOST", "127.0.0.1:0"}});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("Error: SLIMLLM_SHUTDOWN_GRACE: "), std::string::npos) << r.output;
}

}  // namespace
}  // namespace slimllm
