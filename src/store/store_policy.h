// The operator's limits on the model store, from the environment:
//   SLIMLLM_BLOB_GRACE   (default 1h)  how long an unreferenced blob or a dead writer's temporary
//                                      file is kept before it is pruned (a Go-style duration
//                                      "30m", "1h30m", or plain seconds)
//   OLLAMA_NOPRUNE       (Ollama's)    keep unreferenced blobs forever
//   SLIMLLM_STORE_QUOTA  (default off) the most the store's blobs may take ("50GB", "20GiB",
//                                      "1.5T", plain bytes); new blobs and pulls beyond it are
//                                      refused with 507
//   SLIMLLM_PULL_ALLOW   (default off) hosts pulls and pushes may reach besides the default
//                                      registry and SLIMLLM_REGISTRY_MIRROR ("host,host:port")
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace slimllm {

struct StorePolicy {
  std::chrono::seconds blob_grace{3600};
  bool noprune = false;
  uint64_t quota_bytes = 0;  // 0: no quota

  // Throws Error naming the variable for a value it cannot read.
  static StorePolicy from_env();
};

// "50GB", "20GiB", "1.5T", "1048576" → bytes (decimal units for K/M/G/T[B], binary for KiB...).
// nullopt for anything else.
std::optional<uint64_t> parse_byte_size(std::string_view text);
// "1h", "30m", "1h30m", "90s", "250ms" or plain seconds → seconds (rounded down); nullopt else.
std::optional<std::chrono::seconds> parse_grace(std::string_view text);

// SLIMLLM_PULL_ALLOW: when set, the registries a pull or a push may reach.
class PullAllowList {
 public:
  // Unset or empty: every host is allowed (Ollama's behaviour).
  static PullAllowList from_env();
  // "host" (any port) or "host:port" entries, comma-separated; "*" allows every host.
  explicit PullAllowList(std::string_view spec);
  PullAllowList() = default;

  bool restricted() const { return restricted_; }
  // `host` is a model name's host part ("registry.ollama.ai", "10.0.0.5:11434"); `mirror` the
  // SLIMLLM_REGISTRY_MIRROR base (allowed implicitly, as the default registry is).
  bool allows(std::string_view host, std::string_view mirror) const;
  // The message of the 403 for `host`.
  std::string refusal(std::string_view host) const;

 private:
  bool restricted_ = false;
  std::vector<std::string> entries_;  // lowercased
};

}  // namespace slimllm
