#include "api/host.h"

#include <cstdlib>

#include "base/log.h"
#include "base/strings.h"

namespace slimllm {
namespace {

std::string trim_quotes(std::string_view s) {
  s = str_trim(s);
  while (!s.empty() && (s.front() == '"' || s.front() == '\'')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == '"' || s.back() == '\'')) s.remove_suffix(1);
  return std::string(str_trim(s));
}

}  // namespace

std::string HostAddress::url() const {
  std::string h = connect_host();
  if (h.find(':') != std::string::npos) h = "[" + h + "]";
  std::string out = scheme + "://" + h + ":" + std::to_string(port);
  if (!path.empty()) out += "/" + path;
  return out;
}

std::string HostAddress::listen_display() const {
  if (host.empty() || host == "0.0.0.0" || host == "::") return "[::]:" + std::to_string(port);
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

std::string HostAddress::connect_host() const {
  if (host.empty() || host == "0.0.0.0") return "127.0.0.1";
  if (host == "::") return "::1";
  return host;
}

std::string HostAddress::bind_host() const {
  if (host.empty()) return "0.0.0.0";
  return host;
}

bool HostAddress::is_loopback() const {
  return host == "localhost" || host == "::1" || str_starts_with(host, "127.");
}

HostAddress parse_ollama_host(std::string_view value) {
  std::string s = trim_quotes(value);
  HostAddress out;
  std::string default_port = "11434";
  std::string hostport = s;
  size_t scheme_end = s.find("://");
  if (scheme_end == std::string::npos) {
    if (s == "ollama.com") {
      out.scheme = "https";
      hostport = "ollama.com:443";
    }
  } else {
    out.scheme = s.substr(0, scheme_end);
    hostport = s.substr(scheme_end + 3);
    if (out.scheme == "http") default_port = "80";
    if (out.scheme == "https") default_port = "443";
  }
  size_t slash = hostport.find('/');
  if (slash != std::string::npos) {
    out.path = hostport.substr(slash + 1);
    hostport = hostport.substr(0, slash);
  }
  std::string host, port;
  bool split = false;
  if (!hostport.empty() && hostport[0] == '[') {
    size_t close = hostport.find(']');
    if (close != std::string::npos && close + 1 < hostport.size() && hostport[close + 1] == ':') {
      host = hostport.substr(1, close - 1);
      port = hostport.substr(close + 2);
      split = true;
    }
  } else {
    size_t colon = hostport.rfind(':');
    if (colon != std::string::npos && hostport.find(':') == colon) {
      host = hostport.substr(0, colon);
      port = hostport.substr(colon + 1);
      split = true;
    }
  }
  if (!split) {
    host = "127.0.0.1";
    port = default_port;
    std::string bare = hostport;
    if (!bare.empty() && bare.front() == '[') bare = bare.substr(1);
    if (!bare.empty() && bare.back() == ']') bare.pop_back();
    if (!bare.empty()) host = bare;
  }
  char* end = nullptr;
  long n = std::strtol(port.c_str(), &end, 10);
  if (port.empty() || *end != '\0' || n < 0 || n > 65535) {
    log_warn("invalid port, using default", {{"port", port}, {"default", default_port}});
    n = std::strtol(default_port.c_str(), nullptr, 10);
  }
  out.host = host;
  out.port = static_cast<int>(n);
  return out;
}

HostAddress host_from_env() {
  const char* env = std::getenv("OLLAMA_HOST");
  return parse_ollama_host(env ? env : "");
}

}  // namespace slimllm
