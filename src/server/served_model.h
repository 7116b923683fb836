// A model as the routes serve it: its name, manifest, layers, and the engine options a request
// asks for (defaults ← the model's params layer ← the request's options).
#pragma once

#include <optional>
#include <string>

#include "api/options.h"
#include "api/types.h"
#include "engine/runner.h"
#include "server/server.h"
#include "store/model_layers.h"

namespace slimllm {

struct ServedModel {
  ModelName name;
  StoredModel stored;
  ModelLayers layers;

  ModelSpec spec() const;
  // The merged options for a request (`request_options` already validated).
  Options options(int context_length, const nlohmann::json& request_options) const;
};

// nullopt when the name is invalid or there is no such model.
std::optional<ServedModel> find_served_model(const ServerContext& context,
                                             const std::string& requested);

LoadOptions load_options(const Options& options);
SamplingOptions sampling_options(const Options& options);

// Details as /api/tags, /api/ps and /api/show report them.
api::ModelDetails model_details(const ModelLayers& layers);

// The model's capabilities as /api/show lists them ("completion", "embedding", "rerank",
// "tools", "thinking", ...), read from its GGUF once per blob and template.
std::vector<std::string> capabilities_of(const ServedModel& model);
bool has(const std::vector<std::string>& caps, const char* cap);

}  // namespace slimllm
