#include "store/manifest.h"

#include <nlohmann/json.hpp>

#include "base/error.h"
#include "store/go_json.h"

namespace slimllm {
namespace {

OrderedJson layer_json(const Layer& layer) {
  OrderedJson j;
  j["mediaType"] = layer.media_type;
  j["digest"] = layer.digest;
  j["size"] = layer.size;
  if (!layer.from.empty()) j["from"] = layer.from;
  return j;
}

Layer parse_layer(const nlohmann::json& j, std::string_view origin) {
  if (!j.is_object()) fail("manifest ", origin, ": a layer is not an object");
  Layer layer;
  layer.media_type = j.value("mediaType", "");
  layer.digest = j.value("digest", "");
  if (j.contains("size") && j["size"].is_number_unsigned()) layer.size = j["size"].get<uint64_t>();
  layer.from = j.value("from", "");
  if (!is_valid_digest(layer.digest)) {
    fail("manifest ", origin, ": layer digest '", layer.digest, "' is not a sha256 digest");
  }
  return layer;
}

bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

}  // namespace

bool is_valid_digest(std::string_view digest) {
  if (digest.size() != 71 || digest.substr(0, 6) != "sha256") return false;
  if (digest[6] != ':' && digest[6] != '-') return false;
  for (char c : digest.substr(7)) {
    if (!is_hex(c)) return false;
  }
  return true;
}

std::string normalize_digest(std::string_view digest) {
  if (!is_valid_digest(digest)) fail("invalid digest format");
  std::string out = "sha256:";
  for (char c : digest.substr(7)) out += static_cast<char>(c >= 'A' && c <= 'F' ? c + 32 : c);
  return out;
}

std::string Manifest::serialize(bool trailing_newline) const {
  OrderedJson j;
  j["schemaVersion"] = schema_version;
  j["mediaType"] = media_type;
  j["config"] = layer_json(config);
  j["layers"] = OrderedJson::array();
  for (const Layer& layer : layers) j["layers"].push_back(layer_json(layer));
  std::string text = go_json(j);
  if (trailing_newline) text += '\n';
  return text;
}

Manifest Manifest::parse(std::string_view text, std::string_view origin) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) fail("manifest ", origin, " is not valid JSON");
  Manifest m;
  if (j.contains("schemaVersion") && j["schemaVersion"].is_number_integer()) {
    m.schema_version = j["schemaVersion"].get<int>();
  }
  m.media_type = j.value("mediaType", "");
  if (!j.contains("config")) fail("manifest ", origin, " has no config");
  m.config = parse_layer(j["config"], origin);
  if (j.contains("layers")) {
    if (!j["layers"].is_array()) fail("manifest ", origin, ": layers is not an array");
    for (const auto& layer : j["layers"]) m.layers.push_back(parse_layer(layer, origin));
  }
  return m;
}

const Layer* Manifest::find_layer(std::string_view type) const {
  for (const Layer& layer : layers) {
    if (layer.media_type == type) return &layer;
  }
  return nullptr;
}

uint64_t Manifest::total_size() const {
  uint64_t total = config.size;
  for (const Layer& layer : layers) total += layer.size;
  return total;
}

std::string ConfigBlob::serialize() const {
  OrderedJson j;
  j["model_format"] = model_format;
  j["model_family"] = model_family;
  j["model_families"] = model_families;
  j["model_type"] = model_type;
  j["file_type"] = file_type;
  j["architecture"] = architecture;
  j["os"] = os;
  OrderedJson rootfs;
  rootfs["type"] = "layers";
  rootfs["diff_ids"] = diff_ids;
  j["rootfs"] = rootfs;
  return go_json(j) + "\n";
}

ConfigBlob ConfigBlob::parse(std::string_view text, std::string_view origin) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) fail("config blob ", origin, " is not valid JSON");
  ConfigBlob c;
  auto str = [&](const char* key) {
    return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : std::string();
  };
  c.model_format = str("model_format");
  c.model_family = str("model_family");
  c.model_type = str("model_type");
  c.file_type = str("file_type");
  c.architecture = str("architecture");
  c.os = str("os");
  if (j.contains("model_families") && j["model_families"].is_array()) {
    for (const auto& f : j["model_families"]) {
      if (f.is_string()) c.model_families.push_back(f.get<std::string>());
    }
  }
  if (j.contains("rootfs") && j["rootfs"].is_object() && j["rootfs"].contains("diff_ids") &&
      j["rootfs"]["diff_ids"].is_array()) {
    for (const auto& d : j["rootfs"]["diff_ids"]) {
      if (d.is_string()) c.diff_ids.push_back(d.get<std::string>());
    }
  }
  return c;
}

}  // namespace slimllm
