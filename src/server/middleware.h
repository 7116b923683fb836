// Cross-cutting behaviour of every route, as Ollama's gin stack has it: CORS (OLLAMA_ORIGINS plus
// the local defaults), the host-header guard against DNS rebinding on loopback listeners, 404/405
// texts, and gin's access line on stdout.
#pragma once

#include <httplib.h>

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

void install_middleware(httplib::Server& http, const ServerConfig& config);

}  // namespace slimllm
