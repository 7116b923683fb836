#include "server/authorize.h"

#include "base/strings.h"
#include "server/http_util.h"
#include "server/native_bridge.h"

namespace slimllm {
namespace {

void refuse(const http::Request& req, http::Response& res, int status,
            const std::string& message) {
  if (status == 401) res.set_header("WWW-Authenticate", "Bearer");
  if (str_starts_with(req.path, "/v1/")) {
    send_openai_error(res, status, message, "invalid_request_error");
  } else if (str_starts_with(req.path, "/v2/")) {
    OrderedJson error;
    error["code"] = status == 401 ? "UNAUTHORIZED" : "DENIED";
    error["message"] = message;
    OrderedJson body;
    body["errors"] = OrderedJson::array({error});
    send_json(res, body, status);
  } else {
    send_error(res, status, message);
  }
}

}  // namespace

std::optional<std::string_view> bearer_token(std::string_view authorization) {
  authorization = str_trim(authorization);
  constexpr std::string_view kBearer = "bearer ";
  if (authorization.size() <= kBearer.size() ||
      str_lower(authorization.substr(0, kBearer.size())) != kBearer) {
    return std::nullopt;
  }
  std::string_view token = str_trim(authorization.substr(kBearer.size()));
  if (token.empty()) return std::nullopt;
  return token;
}

bool authorize(ApiKeys& keys, Scope scope, const http::Request& req, http::Response& res) {
  if (scope == Scope::kOpen || !keys.enabled()) return true;
  const std::string header = req.get_header_value("Authorization");
  std::optional<std::string_view> token = bearer_token(header);
  if (!token) {
    refuse(req, res, 401,
           "unauthorized: this server requires an API key (header \"Authorization: Bearer "
           "<key>\"; the CLI sends OLLAMA_API_KEY or SLIMLLM_API_KEY)");
    return false;
  }
  std::optional<ApiKey> key = keys.find(*token);
  if (!key) {
    refuse(req, res, 401, "unauthorized: the API key is not valid");
    return false;
  }
  if ((key->scopes & static_cast<uint8_t>(scope)) == 0) {
    refuse(req, res, 403,
           str_cat("forbidden: the API key \"", key->id, "\" does not have the \"",
                   scope_name(scope), "\" scope this route needs"));
    return false;
  }
  return true;
}

}  // namespace slimllm
