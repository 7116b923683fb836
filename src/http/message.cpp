#include "http/message.h"

#include <strings.h>

namespace slimllm::http {
namespace {

template <class Map>
std::string nth_value(const Map& map, const std::string& key, size_t index) {
  auto [begin, end] = map.equal_range(key);
  for (auto it = begin; it != end; ++it, --index) {
    if (index == 0) return it->second;
  }
  return "";
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

bool HeaderNameLess::operator()(const std::string& a, const std::string& b) const {
  return ::strcasecmp(a.c_str(), b.c_str()) < 0;
}

bool Request::has_header(const std::string& name) const {
  return headers.find(name) != headers.end();
}
std::string Request::get_header_value(const std::string& name, size_t index) const {
  return nth_value(headers, name, index);
}
bool Request::has_param(const std::string& name) const {
  return params.find(name) != params.end();
}
std::string Request::get_param_value(const std::string& name, size_t index) const {
  return nth_value(params, name, index);
}

bool Response::has_header(const std::string& name) const {
  return headers.find(name) != headers.end();
}
std::string Response::get_header_value(const std::string& name, size_t index) const {
  return nth_value(headers, name, index);
}
void Response::set_header(const std::string& name, const std::string& value) {
  // Header injection: a value never carries a line break.
  if (value.find_first_of("\r\n") != std::string::npos) return;
  headers.erase(name);
  headers.emplace(name, value);
}
void Response::set_content(const std::string& text, const std::string& content_type) {
  body = text;
  set_header("Content-Type", content_type);
  content_provider_ = nullptr;
}
void Response::set_content(const char* data, size_t size, const std::string& content_type) {
  set_content(std::string(data, size), content_type);
}
void Response::set_content_provider(size_t length, const std::string& content_type,
                                    ContentProvider provider,
                                    ContentProviderResourceReleaser releaser) {
  set_header("Content-Type", content_type);
  content_length_ = length;
  content_provider_ = std::move(provider);
  content_provider_resource_releaser_ = std::move(releaser);
  is_chunked_content_provider_ = false;
}
void Response::set_chunked_content_provider(const std::string& content_type,
                                            ChunkedContentProvider provider,
                                            ContentProviderResourceReleaser releaser) {
  set_header("Content-Type", content_type);
  content_length_ = 0;
  content_provider_ = [provider = std::move(provider)](size_t offset, size_t, DataSink& sink) {
    return provider(offset, sink);
  };
  content_provider_resource_releaser_ = std::move(releaser);
  is_chunked_content_provider_ = true;
}

const char* status_reason(int status) {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 411: return "Length Required";
    case 413: return "Payload Too Large";
    case 416: return "Range Not Satisfiable";
    case 417: return "Expectation Failed";
    case 422: return "Unprocessable Entity";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 499: return "Client Closed Request";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 507: return "Insufficient Storage";
    default: return "";
  }
}

std::string url_decode(const std::string& text, bool plus_as_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%' && i + 2 < text.size()) {
      int hi = hex_value(text[i + 1]), lo = hex_value(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += (plus_as_space && c == '+') ? ' ' : c;
  }
  return out;
}

Params parse_query(const std::string& query) {
  Params params;
  size_t at = 0;
  while (at <= query.size()) {
    size_t end = query.find('&', at);
    if (end == std::string::npos) end = query.size();
    std::string pair = query.substr(at, end - at);
    if (!pair.empty()) {
      size_t eq = pair.find('=');
      std::string key = url_decode(pair.substr(0, eq), true);
      std::string value = eq == std::string::npos ? "" : url_decode(pair.substr(eq + 1), true);
      params.emplace(std::move(key), std::move(value));
    }
    at = end + 1;
  }
  return params;
}

}  // namespace slimllm::http
