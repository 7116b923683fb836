// The read side of Ollama's registry protocol (Docker distribution v2) for one model name:
// where its registry is (only hosts SLIMLLM_PULL_ALLOW allows, when set), (host from the name, http only when insecure, SLIMLLM_REGISTRY_MIRROR
// tried first for registry.ollama.ai), its manifest by tag and its blobs' URLs.
#pragma once

#include <atomic>
#include <string>
#include <vector>

#include "store/http_fetch.h"
#include "store/model_name.h"
#include "store/store_policy.h"

namespace slimllm {

struct RegistryOptions {
  bool insecure = false;  // plain http, as `--insecure`
  // Base URL ("http://mirror:5000", or "mirror:5000" for https) asked first for
  // registry.ollama.ai models. Defaults to SLIMLLM_REGISTRY_MIRROR.
  std::string mirror;
  int connect_timeout_seconds = 30;
  const std::atomic<bool>* cancel = nullptr;
  // SLIMLLM_PULL_ALLOW: the registries this client may reach (every one when unrestricted).
  PullAllowList allow;

  static RegistryOptions from_env();
};

// The message of a registry error body ({"errors":[{"message":...}]} or {"error":...}); "" for
// anything else (the body of some other service is not shown to clients).
std::string registry_error_message(const std::string& body);

// StoreError kForbidden (403) when `options.allow` leaves out the registry of `name`.
void check_registry_allowed(const ModelName& name, const RegistryOptions& options);

class RegistryClient {
 public:
  // Throws Error ("insecure protocol http") for an http:// base without `insecure`, StoreError
  // kForbidden for a host the allow-list leaves out.
  RegistryClient(ModelName name, RegistryOptions options);

  // The manifest's bytes as the registry sent them. Errors in Ollama's words:
  // "pull model manifest: file does not exist", "pull model manifest: <code>: <message>" (the
  // message only when the body is a registry error). A registry that cannot be reached is
  // StoreError kUnreachable "pull model manifest: cannot reach registry <host>" whatever the
  // cause (refused, timed out, TLS, DNS): the cause goes to the server log only, so the error
  // text cannot be used to probe which ports of a host are open.
  std::string fetch_manifest();
  // The blob's URL at the registry that answered the manifest (the mirror or the origin).
  std::string blob_url(const std::string& digest) const;
  // Base URLs in the order they are tried.
  const std::vector<std::string>& bases() const { return bases_; }
  const ModelName& name() const { return name_; }
  const RegistryOptions& options() const { return options_; }

 private:
  ModelName name_;
  RegistryOptions options_;
  std::vector<std::string> bases_;
  size_t chosen_ = 0;  // index in bases_ of the registry that served the manifest
};

}  // namespace slimllm
