// One HTTP request with libcurl, for the registry client: redirects followed, a byte range, a
// low-speed (stall) limit, bodies streamed to a sink, cancellation from another thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace slimllm {

struct HttpFetch {
  std::string method = "GET";  // GET, HEAD, POST, PUT, PATCH
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  std::string body;                  // sent for POST/PUT/PATCH when `upload` is unset
  // Streams the request body instead of `body`: fills `buffer` and returns how many bytes (0 at
  // the end). `upload_size` is announced as Content-Length.
  std::function<size_t(char* buffer, size_t size)> upload;
  uint64_t upload_size = 0;
  bool follow_redirects = true;
  std::optional<std::pair<uint64_t, uint64_t>> range;  // inclusive byte range
  int connect_timeout_seconds = 30;
  int stall_seconds = 0;  // abort when no byte arrives for this long (0: never)
  // Receives the body of a 2xx answer; returning false aborts the transfer. Without a sink the
  // body is collected in HttpAnswer::body. Non-2xx bodies are always collected (first 4 KiB).
  std::function<bool(const char* data, size_t size)> sink;
  const std::atomic<bool>* cancel = nullptr;
};

struct HttpAnswer {
  long status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // names lowercased; the last response's
  std::string effective_url;
  enum class Failure { kNone, kStalled, kCancelled, kAborted, kTransport } failure = Failure::kNone;
  std::string error;  // curl's message when failure != kNone
};

// Performs the request; transport problems are reported in HttpAnswer::failure, never thrown.
HttpAnswer http_fetch(const HttpFetch& request);

// Resolves a Location header against the URL it came from.
std::string resolve_url(const std::string& base, const std::string& location);

}  // namespace slimllm
