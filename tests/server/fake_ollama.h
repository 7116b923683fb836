// A stand-in Ollama server for CLI tests of what the real server does not send yet (thinking):
// /api/show answers, /api/generate and /api/chat stream canned NDJSON chunks, and every request
// body is recorded.
#pragma once

#include <httplib.h>

#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

namespace slimllm::testing {

class FakeOllama {
 public:
  using Chunks = std::vector<std::pair<std::string, std::string>>;  // (thinking, content)
  // `chunks`: what both /api/generate and /api/chat stream.
  explicit FakeOllama(Chunks chunks) : chunks_(std::move(chunks)) {
    server_.Post("/api/show", [this](const httplib::Request& req, httplib::Response& res) {
      record("/api/show", req.body);
      res.set_content(R"({"template":"{{ .Prompt }}","capabilities":["completion","thinking"]})",
                      "application/json");
    });
    server_.Post("/api/generate", [this](const httplib::Request& req, httplib::Response& res) {
      record("/api/generate", req.body);
      const nlohmann::json body = nlohmann::json::parse(req.body);
      if (!body.contains("prompt")) {  // the chat's load request
        res.set_content(R"({"model":"m","response":"","done":true,"done_reason":"load"})",
                        "application/json");
        return;
      }
      std::string out;
      for (const auto& [thinking, content] : chunks_) {
        nlohmann::json c = {{"model", "m"}, {"response", content}, {"done", false}};
        if (!thinking.empty()) c["thinking"] = thinking;
        out += c.dump() + "\n";
      }
      out += R"({"model":"m","response":"","done":true,"done_reason":"stop"})"
             "\n";
      res.set_content(out, "application/x-ndjson");
    });
    server_.Post("/api/chat", [this](const httplib::Request& req, httplib::Response& res) {
      record("/api/chat", req.body);
      std::string out;
      for (const auto& [thinking, content] : chunks_) {
        nlohmann::json m = {{"role", "assistant"}, {"content", content}};
        if (!thinking.empty()) m["thinking"] = thinking;
        out += nlohmann::json{{"model", "m"}, {"message", m}, {"done", false}}.dump() + "\n";
      }
      out += R"({"model":"m","message":{"role":"assistant","content":""},"done":true,)"
             R"("done_reason":"stop"})"
             "\n";
      res.set_content(out, "application/x-ndjson");
    });
    port = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // stop() before the accept loop runs would be lost; wait until it does.
    while (!server_.is_running()) std::this_thread::yield();
  }
  ~FakeOllama() {
    server_.stop();
    thread_.join();
  }

  // The bodies posted to `path`, parsed, in order.
  std::vector<nlohmann::json> requests(const std::string& path) {
    std::lock_guard lock(mutex_);
    std::vector<nlohmann::json> out;
    for (const auto& [p, body] : requests_)
      if (p == path) out.push_back(nlohmann::json::parse(body));
    return out;
  }

  int port = 0;

 private:
  void record(const std::string& path, const std::string& body) {
    std::lock_guard lock(mutex_);
    requests_.emplace_back(path, body);
  }

  httplib::Server server_;
  std::thread thread_;
  std::mutex mutex_;
  std::vector<std::pair<std::string, std::string>> requests_;
  Chunks chunks_;
};

}  // namespace slimllm::testing
