#include "http/response_writer.h"

#include <strings.h>

#include <cstdio>

#include "base/strings.h"

namespace slimllm::http {

std::string response_head(const Response& res, size_t length, bool chunked, bool close) {
  std::string head = str_cat("HTTP/1.1 ", res.status, " ", status_reason(res.status), "\r\n");
  for (const auto& [name, value] : res.headers) {
    if (::strcasecmp(name.c_str(), "Content-Length") == 0 ||
        ::strcasecmp(name.c_str(), "Transfer-Encoding") == 0 ||
        ::strcasecmp(name.c_str(), "Connection") == 0) {
      continue;
    }
    head += name;
    head += ": ";
    head += value;
    head += "\r\n";
  }
  const bool no_body = res.status == 204 || res.status == 304 || res.status < 200;
  if (chunked) {
    head += "Transfer-Encoding: chunked\r\n";
  } else if (!no_body) {
    head += str_cat("Content-Length: ", length, "\r\n");
  }
  head += close ? "Connection: close\r\n" : "Keep-Alive: timeout=300\r\n";
  head += "\r\n";
  return head;
}

bool parse_single_range(const std::string& header, size_t size, size_t& offset, size_t& length) {
  if (header.rfind("bytes=", 0) != 0 || size == 0) return false;
  std::string spec = header.substr(6);
  if (spec.find(',') != std::string::npos) return false;
  const size_t dash = spec.find('-');
  if (dash == std::string::npos) return false;
  auto number = [](const std::string& text, size_t& value) {
    if (text.empty() || text.size() > 19) return false;
    value = 0;
    for (char c : text) {
      if (c < '0' || c > '9') return false;
      value = value * 10 + static_cast<size_t>(c - '0');
    }
    return true;
  };
  const std::string first = spec.substr(0, dash), last = spec.substr(dash + 1);
  size_t a = 0, b = 0;
  if (first.empty()) {  // the last n bytes
    if (!number(last, b) || b == 0) return false;
    offset = b >= size ? 0 : size - b;
    length = size - offset;
    return true;
  }
  if (!number(first, a) || a >= size) return false;
  if (last.empty()) {
    b = size - 1;
  } else if (!number(last, b) || b < a) {
    return false;
  }
  if (b >= size) b = size - 1;
  offset = a;
  length = b - a + 1;
  return true;
}

void write_response(const ResponseHook& error_hook, const ResponseHook& post_hook,
                    const Request& req, Response& res, Outbox& out, bool close) {
  const bool head_only = req.method == "HEAD";
  size_t offset = 0, length = res.content_length_;
  if (res.content_provider_ && !res.is_chunked_content_provider_ &&
      (res.status == -1 || res.status == 200) && req.has_header("Range")) {
    if (parse_single_range(req.get_header_value("Range"), res.content_length_, offset, length)) {
      res.status = 206;
      res.set_header("Content-Range", str_cat("bytes ", offset, "-", offset + length - 1, "/",
                                              res.content_length_));
    }
  }
  if (res.status == -1) res.status = 200;
  if (res.status >= 400 && error_hook) error_hook(req, res);
  if (post_hook) post_hook(req, res);

  if (!res.content_provider_) {
    std::string text = response_head(res, res.body.size(), false, close);
    if (!head_only) text += res.body;
    out.push(text.data(), text.size(), false);
    out.finish(close);
    return;
  }
  auto release = [&](bool ok) {
    if (res.content_provider_resource_releaser_) res.content_provider_resource_releaser_(ok);
  };
  const bool chunked = res.is_chunked_content_provider_;
  if (head_only) {
    std::string text = response_head(res, length, chunked, close);
    out.push(text.data(), text.size(), false);
    out.finish(close);
    release(true);
    return;
  }
  std::string head = response_head(res, length, chunked, close);
  if (!out.push(head.data(), head.size())) {
    release(false);
    return;
  }
  bool done = false;
  size_t sent = 0;
  DataSink sink;
  sink.write = [&](const char* data, size_t size) {
    if (done) return false;
    if (size == 0) return true;
    if (!chunked) {
      sent += size;
      return out.push(data, size);
    }
    char prefix[24];
    const int n = std::snprintf(prefix, sizeof prefix, "%zx\r\n", size);
    std::string frame;
    frame.reserve(static_cast<size_t>(n) + size + 2);
    frame.append(prefix, static_cast<size_t>(n));
    frame.append(data, size);
    frame.append("\r\n");
    return out.push(frame.data(), frame.size());
  };
  sink.done = [&] { done = true; };
  sink.is_writable = [&] { return !out.is_closed(); };
  bool ok = false;
  try {
    // A chunked provider is called again until it says done(), as cpp-httplib did.
    do {
      ok = res.content_provider_(offset, length, sink);
    } while (ok && chunked && !done && !out.is_closed());
  } catch (...) {
    ok = false;
  }
  if (chunked) {
    ok = ok && !out.is_closed();
    if (ok) out.push("0\r\n\r\n", 5);
  } else {
    ok = ok && sent == length && !out.is_closed();
  }
  // A stream cut short ends the connection: the client sees it did not end cleanly.
  out.finish(close || !ok);
  release(ok);
}

}  // namespace slimllm::http
