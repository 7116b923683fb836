// The read side of Ollama's registry protocol (Docker distribution v2) for one model name:
// where its registry is (host from the name, http only when insecure, SLIMLLM_REGISTRY_MIRROR
// tried first for registry.ollama.ai), its manifest by tag and its blobs' URLs.
#pragma once

#include <atomic>
#include <string>
#include <vector>

#include "store/http_fetch.h"
#include "store/model_name.h"

namespace slimllm {

struct RegistryOptions {
  bool insecure = false;  // plain http, as `--insecure`
  // Base URL ("http://mirror:5000", or "mirror:5000" for https) asked first for
  // registry.ollama.ai models. Defaults to SLIMLLM_REGISTRY_MIRROR.
  std::string mirror;
  int connect_timeout_seconds = 30;
  const std::atomic<bool>* cancel = nullptr;

  static RegistryOptions from_env();
};

class RegistryClient {
 public:
  // Throws Error ("insecure protocol http") for an http:// base without `insecure`.
  RegistryClient(ModelName name, RegistryOptions options);

  // The manifest's bytes as the registry sent them. Errors in Ollama's words:
  // "pull model manifest: file does not exist", "pull model manifest: <code>: <body>".
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
