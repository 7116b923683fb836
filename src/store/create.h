// Builds a model in the store from uploaded blobs or an existing model plus text layers, the way
// Ollama's /api/create does: model layer, then template, system, license, params and messages
// layers (each replacing the base model's layer of the same kind), a config blob, the manifest.
#pragma once

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "gguf/reader.h"
#include "store/model_check.h"
#include "store/model_name.h"
#include "store/model_store.h"

namespace slimllm {

// Size limits of the text layers a create writes (and a model's layers are read with), each a
// 400 naming the limit: far above real ones (Ollama's largest templates are a few KiB).
inline constexpr size_t kMaxParamsBytes = 1u << 20;       // the params blob (JSON)
inline constexpr size_t kMaxTextLayerBytes = 8u << 20;    // template, system, each license
inline constexpr size_t kMaxMessagesBytes = 32u << 20;    // the messages blob (JSON)

struct CreateSpec {
  ModelName name;
  std::string from;                          // an existing model's name; "" when `files` is used
  std::map<std::string, std::string> files;  // file name → "sha256:<hex>" of an uploaded blob
  std::optional<std::string> template_text;
  std::optional<std::string> system;
  std::vector<std::string> licenses;
  nlohmann::json parameters;  // object of typed options, merged over the base's; or null
  std::optional<nlohmann::json> messages;  // array of {"role","content"}
  std::string quantize;  // "q4_K_M", "q4_K_S", "q8_0", "f16", "f32"; "" keeps the weights
};

// The limit for a text layer of `media_type` (params, messages, or the others).
size_t layer_size_limit(std::string_view media_type);
// StoreError kInvalid (400) "the params layer is N bytes, over the limit of M bytes (1 MiB)".
void check_layer_size(std::string_view media_type, uint64_t size);

// A chat template recognised from a GGUF's tokenizer.chat_template (Ollama's template/index.json).
struct DetectedTemplate {
  std::string name;           // "llama3-instruct"
  std::string template_text;  // the Go template
  nlohmann::json params;      // e.g. {"stop":[...]}, or null
};
using TemplateDetector = std::function<std::optional<DetectedTemplate>(const GgufFile&)>;
using CreateProgress = std::function<void(const std::string& status)>;

// Creates (or replaces) the model and returns its manifest digest. Bad input (missing blobs, a
// non-GGUF file, a bad path) throws StoreError kInvalid with Ollama's message; a missing `from`
// model StoreError kNotFound. `check_model`, when set, vets an uploaded GGUF before anything is
// written (a `from` model was vetted when it came in).
std::string create_model(ModelStore& store, const CreateSpec& spec, const CreateProgress& progress,
                         const TemplateDetector& detect_template = {},
                         const ModelFileCheck& check_model = {});

}  // namespace slimllm
