// The CLI's HTTP client for the native API (cpp-httplib). Server errors come back as ApiError
// carrying the server's status and its `error` text, so the CLI prints what Ollama's would.
#pragma once

#include <httplib.h>

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "api/host.h"

namespace slimllm::api {

// The API key the CLI sends as `Authorization: Bearer <key>`: SLIMLLM_API_KEY, else
// OLLAMA_API_KEY; nullopt when neither is set.
std::optional<std::string> api_key_from_env();
// User-Agent, plus the Authorization header when api_key_from_env() has a key.
httplib::Headers client_headers(const std::string& user_agent);

class Client {
 public:
  explicit Client(HostAddress address);
  static Client from_env() { return Client(host_from_env()); }
  ~Client();
  Client(Client&&) noexcept;

  const HostAddress& address() const { return address_; }

  nlohmann::json get(const std::string& path);
  nlohmann::json post(const std::string& path, const nlohmann::json& body);
  void del(const std::string& path, const nlohmann::json& body);
  // POSTs and calls `on_line` with each NDJSON object; an {"error":...} line throws ApiError.
  // `keep_going`, when given, is asked as data arrives: false closes the connection (the server
  // stops generating) and post_stream returns false. Returns true when the stream ended.
  bool post_stream(const std::string& path, const nlohmann::json& body,
                   const std::function<void(const nlohmann::json&)>& on_line,
                   const std::function<bool()>& keep_going = {});
  // HEAD; returns the status.
  int head(const std::string& path);
  // POSTs a file's bytes; returns the status.
  int post_file(const std::string& path, const std::string& file);

 private:
  struct Impl;
  HostAddress address_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace slimllm::api
