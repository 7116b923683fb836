// Ollama's manifest (Docker distribution v2 schema) and config blob, serialized byte for byte as
// Ollama writes them so digests agree across the two implementations.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace slimllm {

inline constexpr std::string_view kManifestMediaType =
    "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr std::string_view kConfigMediaType =
    "application/vnd.docker.container.image.v1+json";
inline constexpr std::string_view kMediaModel = "application/vnd.ollama.image.model";
inline constexpr std::string_view kMediaAdapter = "application/vnd.ollama.image.adapter";
inline constexpr std::string_view kMediaProjector = "application/vnd.ollama.image.projector";
inline constexpr std::string_view kMediaTemplate = "application/vnd.ollama.image.template";
inline constexpr std::string_view kMediaPrompt = "application/vnd.ollama.image.prompt";  // legacy
inline constexpr std::string_view kMediaSystem = "application/vnd.ollama.image.system";
inline constexpr std::string_view kMediaParams = "application/vnd.ollama.image.params";
inline constexpr std::string_view kMediaMessages = "application/vnd.ollama.image.messages";
inline constexpr std::string_view kMediaLicense = "application/vnd.ollama.image.license";

struct Layer {
  std::string media_type;
  std::string digest;  // "sha256:<64 hex>"
  uint64_t size = 0;
  std::string from;  // provenance; omitted when empty
};

struct Manifest {
  int schema_version = 2;
  std::string media_type = std::string(kManifestMediaType);
  Layer config;
  std::vector<Layer> layers;

  // Compact JSON in Go's field order; `trailing_newline` as json.Encoder (create) writes it.
  std::string serialize(bool trailing_newline) const;
  // Throws Error naming `origin` when the text is not a manifest.
  static Manifest parse(std::string_view text, std::string_view origin);

  const Layer* find_layer(std::string_view media_type) const;
  uint64_t total_size() const;  // layers + config, as /api/tags reports it
};

// The config blob (Ollama's model.ConfigV2).
struct ConfigBlob {
  std::string model_format = "gguf";
  std::string model_family;
  std::vector<std::string> model_families;
  std::string model_type;  // "3.2B"
  std::string file_type;   // "Q4_K_M"
  std::string architecture = "amd64";
  std::string os = "linux";
  std::vector<std::string> diff_ids;  // the layer digests in manifest order

  std::string serialize() const;  // with json.Encoder's trailing newline
  static ConfigBlob parse(std::string_view text, std::string_view origin);
};

// "sha256:<hex>" or "sha256-<hex>" with 64 hex digits.
bool is_valid_digest(std::string_view digest);
// Normalizes either form to "sha256:<lowercase hex>"; Error for anything else.
std::string normalize_digest(std::string_view digest);

}  // namespace slimllm
