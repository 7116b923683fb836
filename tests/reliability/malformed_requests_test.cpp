// The malformed-request drill (docs/reliability.md): a corpus of broken, hostile and oversized
// requests sent to the real `slimllm serve` over HTTP. Every one must be answered, with a 4xx
// (a client's mistake is never a 500), and the server must still be there after each; names that
// try to leave the store must leave nothing outside it.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "server/operations_process.h"

namespace slimllm::testing {
namespace {

struct Case {
  std::string name;
  std::string method;  // POST, DELETE, GET, HEAD
  std::string path;
  std::string body;
  // false: odd but valid as Ollama reads it (a float where an int goes is truncated, an unknown
  // option or role is taken as it is), so any answer below 500 will do.
  bool must_refuse = true;
};

std::string deep(int levels, char open, char close, const std::string& inner = "") {
  return std::string(static_cast<size_t>(levels), open) + inner +
         std::string(static_cast<size_t>(levels), close);
}

std::string deep_object(int levels) {
  std::string out;
  out.reserve(static_cast<size_t>(levels) * 6 + 2);
  for (int i = 0; i < levels; ++i) out += "{\"a\":";
  out += "1";
  out.append(static_cast<size_t>(levels), '}');
  return out;
}

std::vector<Case> corpus(const std::string& escape) {
  std::vector<Case> cases;
  auto add = [&](std::string name, std::string method, std::string path, std::string body) {
    cases.push_back({std::move(name), std::move(method), std::move(path), std::move(body), true});
  };
  auto odd = [&](std::string name, std::string method, std::string path, std::string body) {
    cases.push_back({std::move(name), std::move(method), std::move(path), std::move(body), false});
  };
  const std::vector<std::string> json_routes = {"/api/generate",   "/api/chat",
                                                "/api/embed",      "/api/embeddings",
                                                "/api/show",       "/api/create",
                                                "/api/copy",       "/api/pull",
                                                "/api/push",       "/v1/chat/completions",
                                                "/v1/completions", "/v1/embeddings",
                                                "/v1/responses"};

  // Invalid JSON, on every route that reads a body.
  const std::vector<std::string> invalid = {"",
                                            "{",
                                            "{\"model\":",
                                            "nul",
                                            "[1,2",
                                            "{\"model\":\"stories\",}",
                                            "'x'",
                                            "\x01\x02\x03",
                                            "{\"model\":\"stories\"}}}",
                                            "{\"model\" \"stories\"}"};
  for (const std::string& route : json_routes) {
    for (size_t i = 0; i < invalid.size(); ++i) {
      add("invalid JSON #" + std::to_string(i), "POST", route, invalid[i]);
    }
  }
  add("invalid JSON", "DELETE", "/api/delete", "{\"model\":");

  // Nesting 100,000 levels: arrays and objects, at the top and inside every kind of field.
  const std::string arrays = deep(100000, '[', ']');
  const std::string objects = deep_object(100000);
  for (const std::string& route : json_routes) {
    add("nested arrays at the top", "POST", route, arrays);
    add("nested objects in an unknown field", "POST", route,
        R"({"model":"stories","x":)" + objects + "}");
  }
  for (const std::string& field : {"format", "options", "context", "images", "keep_alive", "think",
                                   "tools", "messages", "prompt", "system"}) {
    add(std::string("nested arrays in ") + field, "POST", "/api/generate",
        R"({"model":"stories","prompt":"x",")" + std::string(field) + "\":" + arrays + "}");
  }
  add("nested schema", "POST", "/api/generate",
      R"({"model":"stories","prompt":"x","format":)" + deep(30000, '[', ']', "") + "}");
  add("nested tool arguments", "POST", "/api/chat",
      R"({"model":"stories","messages":[{"role":"assistant","content":"","tool_calls":[{"function":{"name":"f","arguments":)" +
          objects + R"(}}]}]})");
  add("nested tool argument text", "POST", "/v1/chat/completions",
      R"({"model":"stories","messages":[{"role":"assistant","content":"","tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":")" +
          deep(100000, '[', ']') + R"("}}]},{"role":"user","content":"x"}]})");
  add("nested pattern groups", "POST", "/api/generate",
      R"({"model":"stories","prompt":"x","format":{"type":"string","pattern":")" +
          deep(100000, '(', ')', "a") + R"("}})");
  add(
      "nested template", "POST",
      "/api/generate", R"({"model":"stories","prompt":"x","template":")" + [] {
        std::string t;
        for (int i = 0; i < 20000; ++i) t += "{{if 1}}";
        for (int i = 0; i < 20000; ++i) t += "{{end}}";
        return t;
      }() + "\"}");

  // Huge strings (16 MiB) where a short one belongs.
  const std::string huge(16u << 20, 'a');
  add("huge model name", "POST", "/api/generate", R"({"model":")" + huge + R"(","prompt":"x"})");
  odd("huge option name", "POST", "/api/generate",
      R"({"model":"stories","prompt":"x","options":{"num_predict":1,")" + huge + R"(":1}})");
  add("huge format string", "POST", "/api/generate",
      R"({"model":"stories","prompt":"x","format":")" + huge + R"("})");
  add("huge keep_alive", "POST", "/api/generate",
      R"({"model":"stories","prompt":"x","keep_alive":")" + huge + R"("})");
  add("huge image", "POST", "/api/generate",
      R"({"model":"stories","prompt":"x","images":[")" + huge + R"(!"]})");
  odd("huge role", "POST", "/api/chat",
      R"({"model":"stories","options":{"num_predict":1},"messages":[{"role":")" + huge +
          R"(","content":"x"}]})");

  // Invalid UTF-8 and NUL bytes.
  add("invalid UTF-8 in a string", "POST", "/api/generate",
      "{\"model\":\"stories\",\"prompt\":\"\xff\xfe\xc3\"}");
  add("invalid UTF-8 in a name", "POST", "/api/show", "{\"model\":\"st\xc0\xafories\"}");
  add("lone surrogate", "POST", "/api/generate", R"({"model":"stories","prompt":"\ud800"})");
  add("raw NUL in a string", "POST", "/api/generate",
      std::string("{\"model\":\"stories\",\"prompt\":\"a\0b\"}", 35));
  add("raw NUL outside strings", "POST", "/api/chat", std::string("{\0}", 3));
  add("escaped NUL in a name", "POST", "/api/show", R"({"model":"stories\u0000../x"})");
  add("escaped NUL in a digest", "POST", "/api/create",
      R"({"model":"n","files":{"a.gguf":"sha256:\u0000"}})");

  // Numbers out of range, of the wrong kind, or not numbers at all.
  for (const std::string& option :
       {R"("num_ctx":1e999)", R"("num_batch":"many")", R"("temperature":NaN)", R"("num_ctx":[1])",
        R"("stop":7)", R"("num_keep":{"a":1})", R"("top_p":-)"}) {
    add(std::string("bad number ") + option, "POST", "/api/generate",
        R"({"model":"stories","prompt":"x","options":{"num_predict":1,)" + option + "}}");
  }
  // Valid as Ollama reads options (floats truncated, then capped): answered, never a 500.
  for (const std::string& option :
       {R"("num_ctx":-1e308)", R"("num_thread":1e10)", R"("num_thread":100000)", R"("top_k":1.5)",
        R"("seed":123456789012345678901234567890)", R"("repeat_last_n":-1e40)",
        R"("num_batch":2147483647)"}) {
    odd(std::string("odd number ") + option, "POST", "/api/generate",
        R"({"model":"stories","prompt":"x","options":{"num_predict":1,)" + option + "}}");
  }
  odd("odd num_predict", "POST", "/api/generate",
      R"({"model":"stories","prompt":"x","options":{"num_predict":-99999999999,"num_ctx":4}})");
  add("bad context ids", "POST", "/api/generate",
      R"({"model":"stories","prompt":"x","context":[1e20]})");
  add("negative context id", "POST", "/api/generate",
      R"({"model":"stories","prompt":"x","context":[-1],"stream":false})");
  add("context id past the vocabulary", "POST", "/api/generate",
      R"({"model":"stories","prompt":"x","context":[2147483647]})");
  odd("huge keep_alive number", "POST", "/api/generate",
      R"({"model":"stories","prompt":"x","keep_alive":1e308,"options":{"num_predict":1}})");
  add("bad top_logprobs", "POST", "/api/chat",
      R"({"model":"stories","messages":[],"top_logprobs":-5})");
  odd("negative dimensions", "POST", "/api/embed",
      R"({"model":"stories","input":"x","dimensions":-1})");
  add("bad max_tokens", "POST", "/v1/chat/completions",
      R"({"model":"stories","messages":[{"role":"user","content":"x"}],"max_tokens":"lots"})");
  add("bad logprobs", "POST", "/v1/completions",
      R"({"model":"stories","prompt":"x","logprobs":1e9})");

  // Path traversal in every field that names a model or a file.
  const std::vector<std::string> names = {"../../../../etc/passwd",
                                          "..",
                                          "/etc/passwd",
                                          "stories/../../../../etc/passwd",
                                          "registry.ollama.ai/../../x",
                                          "a/b/c/d/e/f",
                                          escape,
                                          "..\\\\..\\\\x",
                                          "%2e%2e/%2e%2e/x",
                                          "stories:../../x"};
  for (const std::string& n : names) {
    const std::string q = nlohmann::json(n).dump();
    add("name " + n + " in generate", "POST", "/api/generate",
        R"({"model":)" + q + R"(,"prompt":"x"})");
    add("name " + n + " in chat", "POST", "/api/chat", R"({"model":)" + q + R"(,"messages":[]})");
    add("name " + n + " in embed", "POST", "/api/embed", R"({"model":)" + q + R"(,"input":"x"})");
    add("name " + n + " in embeddings", "POST", "/api/embeddings",
        R"({"model":)" + q + R"(,"prompt":"x"})");
    add("name " + n + " in show", "POST", "/api/show", R"({"model":)" + q + "}");
    add("name " + n + " in delete", "DELETE", "/api/delete", R"({"model":)" + q + "}");
    add("name " + n + " as copy source", "POST", "/api/copy",
        R"({"source":)" + q + R"(,"destination":"copied"})");
    add("name " + n + " as copy destination", "POST", "/api/copy",
        R"({"source":"stories","destination":)" + q + "}");
    add("name " + n + " in create", "POST", "/api/create",
        R"({"model":)" + q + R"(,"from":"stories","stream":false})");
    add("name " + n + " as create from", "POST", "/api/create",
        R"({"model":"made","from":)" + q + R"(,"stream":false})");
    add("name " + n + " as a create file", "POST", "/api/create",
        R"({"model":"made","files":{)" + q + R"(:"sha256:)" + std::string(64, '0') +
            R"("},"stream":false})");
    add("name " + n + " as a create adapter", "POST", "/api/create",
        R"({"model":"made","from":"stories","adapters":{)" + q + R"(:"sha256:)" +
            std::string(64, '0') + R"("},"stream":false})");
    add("name " + n + " in push", "POST", "/api/push", R"({"model":)" + q + R"(,"stream":false})");
    add("name " + n + " in /v1 chat", "POST", "/v1/chat/completions",
        R"({"model":)" + q + R"(,"messages":[{"role":"user","content":"x"}]})");
    add("name " + n + " in /v1 embeddings", "POST", "/v1/embeddings",
        R"({"model":)" + q + R"(,"input":"x"})");
  }
  for (const std::string& digest :
       std::vector<std::string>{"sha256:..%2f..%2f..%2fetc%2fpasswd", "..",
                                "sha256:" + std::string(64, 'g'), "sha256-../../x", "%00"}) {
    add("digest " + digest + " in HEAD blobs", "HEAD", "/api/blobs/" + digest, "");
    add("digest " + digest + " in POST blobs", "POST", "/api/blobs/" + digest, "data");
  }
  add("traversal in /v1/models", "GET", "/v1/models/..%2F..%2F..%2Fetc%2Fpasswd", "");
  add("traversal in /v2 manifests", "GET", "/v2/..%2F../..%2F../manifests/latest", "");
  add("traversal in /v2 blobs", "GET", "/v2/library/stories/blobs/..%2F..%2Fetc%2Fpasswd", "");
  return cases;
}

bool alive(ServeProcess& server) {
  int status = 0;
  return waitpid(server.pid, &status, WNOHANG) == 0;
}

TEST(MalformedRequests, EveryOneIsA4xxAndTheServerStaysUp) {
  ServeProcess server;
  ASSERT_GT(server.port, 0) << server.log_text();
  ASSERT_EQ(server.create_model("stories", kStoriesModelFile), 200);
  const std::string escape = "/tmp/slimllm-escape-" + std::to_string(getpid());
  std::filesystem::remove_all(escape);

  const std::vector<Case> cases = corpus(escape);
  int answered = 0;
  for (const Case& c : cases) {
    httplib::Client client = server.client();
    client.set_read_timeout(60);
    const std::string what = c.method + " " + c.path + ": " + c.name;
    httplib::Result res = c.method == "GET"      ? client.Get(c.path)
                          : c.method == "HEAD"   ? client.Head(c.path)
                          : c.method == "DELETE" ? client.Delete(c.path, c.body, "application/json")
                                                 : client.Post(c.path, c.body, "application/json");
    ASSERT_TRUE(res) << what << ": no answer (" << httplib::to_string(res.error()) << ")\n"
                     << server.log_text().substr(0, 4000);
    if (c.must_refuse) EXPECT_GE(res->status, 400) << what << ": " << res->body.substr(0, 300);
    EXPECT_LT(res->status, 500) << what << ": " << res->body.substr(0, 300);
    ASSERT_TRUE(alive(server)) << what << " ended the server:\n" << server.log_text();
    ++answered;
  }
  EXPECT_EQ(answered, static_cast<int>(cases.size()));
  EXPECT_FALSE(std::filesystem::exists(escape)) << "a name wrote outside the store";
  auto version = server.client().Get("/api/version");
  ASSERT_TRUE(version);
  EXPECT_EQ(version->status, 200);
}

// Sends `bytes` on a new connection and returns the status of the answer's first line (0: the
// connection closed without one).
int raw_status(int port, const std::string& bytes) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  EXPECT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  timeval timeout{30, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server may answer and close before reading everything
    sent += static_cast<size_t>(n);
  }
  shutdown(fd, SHUT_WR);
  std::string answer;
  char buf[4096];
  while (answer.find("\r\n") == std::string::npos) {
    const ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    answer.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  // "HTTP/1.1 400 Bad Request"
  if (answer.size() < 12 || answer.compare(0, 5, "HTTP/") != 0) return 0;
  return std::atoi(answer.c_str() + 9);
}

// Header abuse, below JSON: broken request lines and header lines, oversized and endless heads,
// contradictory or impossible body lengths (request smuggling's shapes), broken chunked bodies.
// Each is answered with a 4xx on the spot, and the server stays up for the next.
TEST(MalformedRequests, HeaderAbuseIsA4xxAndTheServerStaysUp) {
  ServeProcess server;
  ASSERT_GT(server.port, 0) << server.log_text();
  const std::string chat = "POST /api/chat HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  std::string many_headers = "GET /api/tags HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  for (int i = 0; i < 20000; ++i) many_headers += "X-" + std::to_string(i) + ": a\r\n";
  many_headers += "\r\n";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"a request line of garbage", "GARBAGE\r\n\r\n"},
      {"a header line without a colon", "GET /api/tags HTTP/1.1\r\nHost 127.0.0.1\r\n\r\n"},
      {"a NUL in a header value", std::string("GET /api/tags HTTP/1.1\r\nX-A: a") + '\0' + "b\r\n\r\n"},
      {"a space before the colon", "GET /api/tags HTTP/1.1\r\nHost : 127.0.0.1\r\n\r\n"},
      {"an obsolete folded header line", "GET /api/tags HTTP/1.1\r\nX-A: a\r\n b\r\n\r\n"},
      {"a 1 MiB header value",
       "GET /api/tags HTTP/1.1\r\nX-A: " + std::string(1 << 20, 'a') + "\r\n\r\n"},
      {"20,000 headers", many_headers},
      {"a 1 MiB path", "GET /" + std::string(1 << 20, 'a') + " HTTP/1.1\r\n\r\n"},
      {"a negative Content-Length", chat + "Content-Length: -1\r\n\r\n{}"},
      {"a Content-Length of letters", chat + "Content-Length: ten\r\n\r\n{}"},
      {"a Content-Length past 64 bits",
       chat + "Content-Length: 99999999999999999999999\r\n\r\n{}"},
      {"two different Content-Lengths", chat + "Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}"},
      {"chunked and a Content-Length",
       chat + "Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"},
      {"a chunk size of letters", chat + "Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n"},
      {"a chunk longer than it says",
       chat + "Transfer-Encoding: chunked\r\n\r\n1\r\n{}\r\n0\r\n\r\n"},
      {"a body shorter than its Content-Length", chat + "Content-Length: 100\r\n\r\n{}"},
      {"a body over the JSON limit", chat + "Content-Length: 999999999999\r\n\r\n{}"},
  };
  for (const auto& [name, bytes] : cases) {
    const int status = raw_status(server.port, bytes);
    // An answer may be missing only where the client never finished its request: the server
    // waits for the rest of a body that never comes, and the client's shutdown ends it.
    // An obsolete folded header line is joined with a space, as RFC 9112 allows a server to.
    if (name != "a body shorter than its Content-Length" &&
        name != "an obsolete folded header line") {
      EXPECT_GE(status, 400) << name;
    }
    if (status != 0) EXPECT_LT(status, 500) << name;
    ASSERT_TRUE(alive(server)) << name << " ended the server:\n" << server.log_text();
  }
  auto health = server.client().Get("/api/version");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
}

}  // namespace
}  // namespace slimllm::testing
