// Cross-cutting behaviour of every route, as Ollama's gin stack has it: CORS (OLLAMA_ORIGINS plus
// the local defaults), the host-header guard against DNS rebinding on loopback listeners, 404/405
// texts, and gin's access line on stdout; then slimllm's own: the request counter of /metrics and
// the 503 for new work while the server drains.
#pragma once

#include "http/server.h"

#include <string>
#include <vector>

#include "server/server.h"

namespace slimllm {

// The allowed origins: `extra` (OLLAMA_ORIGINS) then Ollama's defaults.
std::vector<std::string> allowed_origins(const std::vector<std::string>& extra);
// '*' in a pattern matches any run of characters.
bool origin_allowed(const std::vector<std::string>& patterns, const std::string& origin);
// Whether a Host header may reach a loopback listener.
bool host_allowed(const std::string& host_header);
// gin's line: [GIN] 2026/01/06 - 18:26:21 | 200 |        1m54s |        10.0.0.1 | POST
// "/api/generate"
std::string access_line(int status, int64_t latency_ns, const std::string& client_ip,
                        const std::string& method, const std::string& path);

// The metrics label of a request's route: the registered pattern for literal routes; for patterns
// with capture groups the path with each captured part replaced by ":param" (the layer does
// not tell which pattern matched); "unmatched" when no route matched (404s, requests the
// middleware answered), so arbitrary paths cannot grow the label set.
std::string route_label(const http::Request& req);
// Whether a request is new work that a draining server refuses: everything but reads (GET, HEAD,
// OPTIONS and POST /api/show), so probes, /metrics and listings keep answering.
bool refused_while_draining(const std::string& method, const std::string& path);

// The error text of the 503 for new work while draining.
inline constexpr const char* kDrainingMessage =
    "server shutting down: not accepting new requests, retry on another instance";

void install_middleware(http::Server& http, const ServerConfig& config, Metrics& metrics,
                        const GenerationTracker& generations);

}  // namespace slimllm
