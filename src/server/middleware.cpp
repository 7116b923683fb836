#include "server/middleware.h"

#include <arpa/inet.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "api/duration.h"
#include "base/clock.h"
#include "base/strings.h"
#include "server/generation.h"
#include "server/http_util.h"
#include "server/metrics.h"

namespace slimllm {
namespace {

const char* const kAllowHeaders =
    "Authorization, Content-Type, User-Agent, Accept, X-Requested-With, OpenAI-Beta, "
    "x-stainless-arch, x-stainless-async, x-stainless-custom-poll-interval, "
    "x-stainless-helper-method, x-stainless-lang, x-stainless-os, x-stainless-package-version, "
    "x-stainless-poll-helper, x-stainless-retry-count, x-stainless-runtime, "
    "x-stainless-runtime-version, x-stainless-timeout";

bool glob_match(std::string_view pattern, std::string_view text) {
  size_t star = pattern.find('*');
  if (star == std::string_view::npos) return pattern == text;
  std::string_view prefix = pattern.substr(0, star), rest = pattern.substr(star + 1);
  if (!str_starts_with(text, prefix)) return false;
  for (size_t i = prefix.size(); i <= text.size(); ++i) {
    if (glob_match(rest, text.substr(i))) return true;
  }
  return false;
}

bool ip_allowed(const std::string& host) {
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) {
    uint32_t a = ntohl(v4.s_addr);
    return (a >> 24) == 127 || (a >> 24) == 10 || (a >> 20) == (172 << 4 | 1) ||
           (a >> 16) == (192 << 8 | 168) || a == 0;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) {
    static const in6_addr any = IN6ADDR_ANY_INIT;
    static const in6_addr loop = IN6ADDR_LOOPBACK_INIT;
    return std::memcmp(&v6, &any, sizeof v6) == 0 || std::memcmp(&v6, &loop, sizeof v6) == 0 ||
           (v6.s6_addr[0] & 0xfe) == 0xfc;
  }
  return false;
}

std::string gin_time() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y/%m/%d - %H:%M:%S", &tm);
  return buf;
}

}  // namespace

std::vector<std::string> allowed_origins(const std::vector<std::string>& extra) {
  std::vector<std::string> out = extra;
  for (const char* host : {"localhost", "127.0.0.1", "0.0.0.0"}) {
    out.push_back(str_cat("http://", host));
    out.push_back(str_cat("https://", host));
    out.push_back(str_cat("http://", host, ":*"));
    out.push_back(str_cat("https://", host, ":*"));
  }
  for (const char* scheme :
       {"app://*", "file://*", "tauri://*", "vscode-webview://*", "vscode-file://*"}) {
    out.push_back(scheme);
  }
  return out;
}

bool origin_allowed(const std::vector<std::string>& patterns, const std::string& origin) {
  for (const char* ext : {"chrome-extension://", "safari-extension://", "moz-extension://",
                          "ms-browser-extension://"}) {
    if (str_starts_with(origin, ext)) return true;
  }
  for (const std::string& p : patterns) {
    if (p == "*" || glob_match(p, origin)) return true;
  }
  return false;
}

bool host_allowed(const std::string& header) {
  std::string host = header;
  if (!host.empty() && host[0] == '[') {
    size_t close = host.find(']');
    host = close == std::string::npos ? host : host.substr(1, close - 1);
  } else if (std::count(host.begin(), host.end(), ':') == 1) {
    host = host.substr(0, host.find(':'));
  }
  if (ip_allowed(host)) return true;
  host = str_lower(host);
  if (host.empty() || host == "localhost") return true;
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) == 0 && host == str_lower(name)) return true;
  return str_ends_with(host, ".localhost") || str_ends_with(host, ".local") ||
         str_ends_with(host, ".internal");
}

std::string access_line(int status, int64_t latency_ns, const std::string& client_ip,
                        const std::string& method, const std::string& path) {
  // gin truncates latencies over a minute to whole seconds.
  if (latency_ns > 60 * kNsPerSecond) latency_ns -= latency_ns % kNsPerSecond;
  std::string quoted = "\"";
  for (char c : path) {
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  quoted += "\"";
  // Go pads by characters, not bytes ("µs" is one character, two bytes).
  std::string latency = format_go_duration(latency_ns);
  size_t chars = 0;
  for (unsigned char c : latency) chars += (c & 0xC0) != 0x80;
  std::string padded = std::string(chars < 13 ? 13 - chars : 0, ' ') + latency;  // %13v
  return str_printf("[GIN] %s | %3d | %s | %15s | %-7s  %s", gin_time().c_str(), status,
                    padded.c_str(), client_ip.c_str(), method.c_str(), quoted.c_str());
}

std::string route_label(const http::Request& req) {
  if (req.matches.empty()) return "unmatched";
  if (req.matches.size() == 1) return req.path;
  std::string label;
  size_t at = 0;
  for (size_t i = 1; i < req.matches.size(); ++i) {
    if (!req.matches[i].matched) continue;
    size_t begin = static_cast<size_t>(req.matches.position(static_cast<int>(i)));
    if (begin < at || begin > req.path.size()) continue;  // nested groups
    label += req.path.substr(at, begin - at);
    label += ":param";
    at = begin + static_cast<size_t>(req.matches.length(static_cast<int>(i)));
  }
  label += req.path.substr(std::min(at, req.path.size()));
  return label;
}

bool refused_while_draining(const std::string& method, const std::string& path) {
  if (method == "GET" || method == "HEAD" || method == "OPTIONS") return false;
  return !(method == "POST" && path == "/api/show");
}

void install_middleware(http::Server& http, const ServerConfig& config, Metrics& metrics,
                        const GenerationTracker& generations) {
  std::vector<std::string> origins = allowed_origins(config.origins);
  bool guard_hosts = config.address.is_loopback();
  http.set_pre_routing_handler([origins, guard_hosts, &generations](const http::Request& req,
                                                                    http::Response& res) {
    std::string origin = req.get_header_value("Origin");
    if (!origin.empty()) {
      bool all = std::find(origins.begin(), origins.end(), "*") != origins.end();
      if (!origin_allowed(origins, origin)) {
        res.status = 403;
        return true;
      }
      res.set_header("Access-Control-Allow-Origin", all ? "*" : origin);
      if (!all) res.set_header("Vary", "Origin");
      if (req.method == "OPTIONS") {
        res.set_header("Access-Control-Allow-Methods", "GET,POST,PUT,PATCH,DELETE,HEAD,OPTIONS");
        res.set_header("Access-Control-Allow-Headers", kAllowHeaders);
        res.set_header("Access-Control-Max-Age", "43200");
        res.status = 204;
        return true;
      }
    }
    if (guard_hosts) {
      if (!host_allowed(req.get_header_value("Host"))) {
        res.status = 403;
        return true;
      }
      if (req.method == "OPTIONS") {
        res.status = 204;
        return true;
      }
    }
    // Answering (rather than closing the listener) keeps /ready observable for the probe and
    // gives clients a JSON error they can retry elsewhere; see docs/operations.md.
    if (generations.draining() && refused_while_draining(req.method, req.path)) {
      res.set_header("Retry-After", "1");
      send_error(res, 503, kDrainingMessage);
      return true;
    }
    return false;
  });
  http.set_error_handler([](const http::Request&, http::Response& res) {
    if (res.status == 404 && res.body.empty()) res.set_content("404 page not found", "text/plain");
    if (res.status == 405 && res.body.empty())
      res.set_content("405 method not allowed", "text/plain");
  });
  // Counted before the answer is written (the layer calls this just before the status line), so a
  // client that has its answer finds it counted; a stream counts when it starts.
  http.set_post_routing_handler([&metrics](const http::Request& req, http::Response& res) {
    metrics.count_request(route_label(req), req.method, res.status);
  });
  if (config.access_log) {
    http.set_logger([](const http::Request& req, const http::Response& res) {
      std::string line = access_line(res.status, now_ns() - req.start_ns, req.remote_addr,
                                     req.method, req.path);
      std::fprintf(stdout, "%s\n", line.c_str());
      std::fflush(stdout);
    });
  }
}

}  // namespace slimllm
