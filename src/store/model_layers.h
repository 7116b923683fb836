// A stored model's layers read into what serving needs: the GGUF path, template, system prompt,
// parameters, messages and licenses.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "store/model_store.h"

namespace slimllm {

struct ModelLayers {
  std::string model_path;  // GGUF blob; empty when the manifest has no model layer
  uint64_t model_size = 0;
  std::string template_text;
  std::string system;
  nlohmann::json params = nlohmann::json::object();
  nlohmann::json messages = nlohmann::json::array();
  std::vector<std::string> licenses;
  std::vector<std::string> adapters;
  std::vector<std::string> projectors;
  ConfigBlob config;
  std::string parent_model;  // the model layer's `from`
};

// Reads the text layers and the config blob; throws Error when a blob is missing or malformed.
ModelLayers read_model_layers(const ModelStore& store, const StoredModel& model);

}  // namespace slimllm
