#include "store/registry_client.h"

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "base/error.h"
#include "base/log.h"
#include "base/strings.h"
#include "store/manifest.h"
#include "store/store_error.h"

namespace slimllm {
namespace {

// "host", "https://host" or "http://host"; the scheme follows `insecure` as Ollama's does: an
// explicit http:// needs insecure, and insecure turns everything into http.
std::string host_of(const std::string& base) {
  size_t scheme = base.find("://");
  return scheme == std::string::npos ? base : base.substr(scheme + 3);
}

std::string base_url(std::string host, bool insecure) {
  while (!host.empty() && host.back() == '/') host.pop_back();
  std::string scheme = "https";
  if (str_starts_with(host, "http://")) {
    if (!insecure) fail("insecure protocol http");
    scheme = "http";
    host = host.substr(7);
  } else if (str_starts_with(host, "https://")) {
    host = host.substr(8);
  }
  if (insecure) scheme = "http";
  return str_cat(scheme, "://", host);
}

}  // namespace

std::string registry_error_message(const std::string& body) {
  nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return "";
  const auto errors = j.find("errors");
  if (errors == j.end() || !errors->is_array() || errors->empty()) {
    const auto error = j.find("error");
    if (error != j.end() && error->is_string()) return error->get<std::string>();
    return "";
  }
  const nlohmann::json& first = errors->front();
  if (!first.is_object()) return "";
  const auto message = first.find("message");
  if (message != first.end() && message->is_string()) return message->get<std::string>();
  return "";
}

void check_registry_allowed(const ModelName& name, const RegistryOptions& options) {
  if (options.allow.allows(name.host, options.mirror)) return;
  log_warn("refused a registry host that SLIMLLM_PULL_ALLOW does not list",
           {{"host", name.host}, {"model", name.display()}});
  fail_forbidden(options.allow.refusal(name.host));
}

RegistryOptions RegistryOptions::from_env() {
  RegistryOptions options;
  const char* mirror = std::getenv("SLIMLLM_REGISTRY_MIRROR");
  if (mirror) options.mirror = std::string(str_trim(mirror));
  options.allow = PullAllowList::from_env();
  return options;
}

RegistryClient::RegistryClient(ModelName name, RegistryOptions options)
    : name_(std::move(name)), options_(std::move(options)) {
  check_registry_allowed(name_, options_);
  if (!options_.mirror.empty() && str_lower(name_.host) == kDefaultHost) {
    // A mirror given with http:// is the operator's explicit choice, not the user's flag.
    bool plain = str_starts_with(options_.mirror, "http://");
    bases_.push_back(base_url(options_.mirror, plain || options_.insecure));
  }
  bases_.push_back(base_url(name_.host, options_.insecure));
}

std::string RegistryClient::blob_url(const std::string& digest) const {
  return str_cat(bases_[chosen_], "/v2/", name_.ns, "/", name_.model, "/blobs/", digest);
}

std::string RegistryClient::fetch_manifest() {
  std::string last_error;
  bool unreachable = false;
  for (size_t i = 0; i < bases_.size(); ++i) {
    HttpFetch request;
    request.url = str_cat(bases_[i], "/v2/", name_.ns, "/", name_.model, "/manifests/", name_.tag);
    request.headers.push_back(str_cat("Accept: ", kManifestMediaType));
    request.connect_timeout_seconds = options_.connect_timeout_seconds;
    request.stall_seconds = 60;
    request.cancel = options_.cancel;
    HttpAnswer answer = http_fetch(request);
    bool last = i + 1 == bases_.size();
    if (answer.failure == HttpAnswer::Failure::kCancelled) fail("pull model manifest: canceled");
    unreachable = false;
    if (answer.failure != HttpAnswer::Failure::kNone) {
      // The cause stays in the log: refused, timed out and TLS errors would tell a client which
      // ports of a host are open.
      log_warn("cannot reach registry", {{"url", request.url}, {"error", answer.error}});
      last_error = str_cat("pull model manifest: cannot reach registry ", host_of(bases_[i]));
      unreachable = true;
    } else if (answer.status == 404) {
      last_error = "pull model manifest: file does not exist";
    } else if (answer.status >= 400 || answer.status < 200) {
      std::string message = registry_error_message(answer.body);
      if (message.empty()) {
        log_warn("registry answered an error",
                 {{"url", request.url}, {"status", answer.status}, {"body", str_trim(answer.body)}});
      }
      last_error = message.empty() ? str_cat("pull model manifest: ", answer.status)
                                   : str_cat("pull model manifest: ", answer.status, ": ", message);
    } else {
      chosen_ = i;
      return answer.body;
    }
    if (!last) {
      log_warn("registry mirror failed; trying the origin",
               {{"mirror", bases_[i]}, {"error", last_error}});
    }
  }
  if (unreachable) fail_unreachable(last_error);
  fail(last_error);
}

}  // namespace slimllm
