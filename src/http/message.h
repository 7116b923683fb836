// The HTTP layer's own request, response and streaming types. Route handlers see only these (never
// Boost.Beast's), so the library under the layer can change without touching a route. Member names
// follow what the handlers have long used (body, matches, set_content, a DataSink with write/done).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <regex>
#include <string>

namespace slimllm::http {

// Header names compare without case.
struct HeaderNameLess {
  bool operator()(const std::string& a, const std::string& b) const;
};
using Headers = std::multimap<std::string, std::string, HeaderNameLess>;
using Params = std::multimap<std::string, std::string>;

// Where a streamed response goes. write() blocks while the client is behind (a bounded buffer)
// and returns false once the client is gone or the server stops; done() ends the stream.
struct DataSink {
  std::function<bool(const char* data, size_t size)> write;
  std::function<void()> done;
  std::function<bool()> is_writable;
};

// A body of known length: called with the range to send (the whole body, or the one Range the
// client asked for).
using ContentProvider = std::function<bool(size_t offset, size_t length, DataSink& sink)>;
// A chunked body of unknown length.
using ChunkedContentProvider = std::function<bool(size_t offset, DataSink& sink)>;
// Called once the response is over (success: the whole body was sent).
using ContentProviderResourceReleaser = std::function<void(bool success)>;

// Receives a streamed request body piece by piece; false stops reading.
using ContentReceiver = std::function<bool(const char* data, size_t size)>;
// Streams the request body to a receiver; returns false when the body did not arrive whole (the
// client went away, it exceeded the upload limit, the receiver stopped).
using ContentReader = std::function<bool(const ContentReceiver& receiver)>;

struct Request {
  std::string method;
  std::string path;    // without the query
  std::string target;  // as sent
  Headers headers;
  Params params;  // the query's parameters, decoded
  std::string body;  // buffered bodies only (not for streamed uploads)
  std::smatch matches;  // the route pattern's groups, matched against `path`
  std::string remote_addr, local_addr;
  int remote_port = 0, local_port = 0;
  bool tls = false;
  int64_t start_ns = 0;  // when the request head was complete (base/clock.h now_ns)
  // True once the client has closed its connection (checked without blocking, from any
  // thread). Unset where the I/O layer cannot tell (a TLS connection).
  std::function<bool()> client_gone;

  bool has_header(const std::string& name) const;
  std::string get_header_value(const std::string& name, size_t index = 0) const;
  bool has_param(const std::string& name) const;
  std::string get_param_value(const std::string& name, size_t index = 0) const;

  Request() = default;
  // `matches` points into `path`: a copy re-matches nothing, so copies keep the groups' text only
  // valid while the original lives. Copies are used to run a handler on a translated body.
  Request(const Request&) = default;
  Request& operator=(const Request&) = default;
};

struct Response {
  int status = -1;  // -1: not set (200, or 206 for a range)
  Headers headers;
  std::string body;
  // A streamed body: set by set_content_provider / set_chunked_content_provider.
  ContentProvider content_provider_;
  ContentProviderResourceReleaser content_provider_resource_releaser_;
  size_t content_length_ = 0;
  bool is_chunked_content_provider_ = false;

  bool has_header(const std::string& name) const;
  std::string get_header_value(const std::string& name, size_t index = 0) const;
  // Replaces any earlier value.
  void set_header(const std::string& name, const std::string& value);
  void set_content(const std::string& text, const std::string& content_type);
  void set_content(const char* data, size_t size, const std::string& content_type);
  void set_content_provider(size_t length, const std::string& content_type,
                            ContentProvider provider,
                            ContentProviderResourceReleaser releaser = nullptr);
  void set_chunked_content_provider(const std::string& content_type,
                                    ChunkedContentProvider provider,
                                    ContentProviderResourceReleaser releaser = nullptr);
};

// The reason phrase of a status ("Not Found"), "" for unknown ones.
const char* status_reason(int status);
// Decodes %XX and '+' (as a query does).
std::string url_decode(const std::string& text, bool plus_as_space);
// Splits "a=1&b=2" into decoded parameters.
Params parse_query(const std::string& query);

}  // namespace slimllm::http
