#include "store/registry_client.h"

#include <cstdlib>

#include "base/error.h"
#include "base/log.h"
#include "base/strings.h"
#include "store/manifest.h"

namespace slimllm {
namespace {

// "host", "https://host" or "http://host"; the scheme follows `insecure` as Ollama's does: an
// explicit http:// needs insecure, and insecure turns everything into http.
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

RegistryOptions RegistryOptions::from_env() {
  RegistryOptions options;
  const char* mirror = std::getenv("SLIMLLM_REGISTRY_MIRROR");
  if (mirror) options.mirror = std::string(str_trim(mirror));
  return options;
}

RegistryClient::RegistryClient(ModelName name, RegistryOptions options)
    : name_(std::move(name)), options_(std::move(options)) {
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
    if (answer.failure != HttpAnswer::Failure::kNone) {
      last_error = str_cat("pull model manifest: Get \"", request.url, "\": ", answer.error);
    } else if (answer.status == 404) {
      last_error = "pull model manifest: file does not exist";
    } else if (answer.status >= 400 || answer.status < 200) {
      last_error = str_cat("pull model manifest: ", answer.status, ": ", str_trim(answer.body));
    } else {
      chosen_ = i;
      return answer.body;
    }
    if (!last) {
      log_warn("registry mirror failed; trying the origin",
               {{"mirror", bases_[i]}, {"error", last_error}});
    }
  }
  fail(last_error);
}

}  // namespace slimllm
