// Writes a handler's response into a connection's Outbox: the head (status line, headers,
// framing), then the body — whole, or from its content provider (chunked, or a known length with
// a single Range applied), blocking while the client is behind.
#pragma once

#include <functional>
#include <string>

#include "http/message.h"
#include "http/pipes.h"

namespace slimllm::http {

using ResponseHook = std::function<void(const Request&, Response&)>;

// The status line and headers. `length` is the Content-Length to announce unless `chunked`.
std::string response_head(const Response& res, size_t length, bool chunked, bool close);

// Completes `res` (default status, error_hook for >= 400, post_hook just before the head) and
// writes it; runs a content provider on the calling thread (a worker). HEAD gets the head only.
void write_response(const ResponseHook& error_hook, const ResponseHook& post_hook,
                    const Request& req, Response& res, Outbox& out, bool close);

// A single "bytes=a-b" / "bytes=a-" / "bytes=-n" range of a body of `size` bytes; false when the
// header is absent or not a single satisfiable range.
bool parse_single_range(const std::string& header, size_t size, size_t& offset, size_t& length);

}  // namespace slimllm::http
