// Model names as Ollama reads them: [host/][namespace/]model[:tag], with the defaults
// registry.ollama.ai, library and latest. A name that parses is safe to use as a path below
// manifests/: every part is checked against Ollama's character rules, so "..", "/" and absolute
// paths can never get through.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace slimllm {

inline constexpr std::string_view kDefaultHost = "registry.ollama.ai";
inline constexpr std::string_view kDefaultNamespace = "library";
inline constexpr std::string_view kDefaultTag = "latest";

struct ModelName {
  std::string host;
  std::string ns;
  std::string model;
  std::string tag;

  // Parses and fills the defaults; nullopt when any part is missing or malformed.
  static std::optional<ModelName> parse(std::string_view text);

  // "model:tag", "ns/model:tag" or "host/ns/model:tag", the shortest unambiguous form.
  std::string display() const;
  // "host/ns/model:tag".
  std::string full() const;
  // "host/ns/model/tag", the manifest path below manifests/.
  std::string relative_path() const;
  bool equals_ignore_case(const ModelName& other) const;
  bool operator==(const ModelName& other) const = default;
};

}  // namespace slimllm
