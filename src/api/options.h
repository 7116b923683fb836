// The `options` map of generate/chat/embed, Modelfile PARAMETER lines and create `parameters`:
// the known keys with their types (Ollama's api.Options), validation with Ollama's messages, and
// the merged, typed result the engine needs.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace slimllm {

enum class OptionType { kInt, kFloat, kBool, kStringList };

// The type of a known option; nullopt for an unknown key.
std::optional<OptionType> option_type(std::string_view key);
// Keys Ollama removed that clients still send: accepted and ignored without a warning.
bool is_removed_option(std::string_view key);
// Load-time options: changing one reloads the model.
bool is_load_time_option(std::string_view key);

// Checks a request's options object and returns it normalized (integers as integers, floats
// rounded like Go's float32, stop as a list of strings). Unknown keys are dropped with a WARN
// log; a wrong type throws ApiError 400 `option "<key>" must be of type <type>`.
nlohmann::json validate_options(const nlohmann::json& options);

// Types the text values of one PARAMETER (all values of a repeated key) as Ollama's FormatParams
// does; throws ApiError 400 (`unknown parameter 'x'`, `invalid int value [x]`).
nlohmann::json parse_parameter(std::string_view key, const std::vector<std::string>& values);

// The `parameters` text of /api/show: `%-30s %#v` per value, keys sorted, lists one line each.
std::string format_parameters(const nlohmann::json& params);

// Go's float32 formatting, as a double whose shortest decimal form is the float32's.
double float32_value(double v);

// Every option, defaults filled (DefaultOptions with num_ctx from OLLAMA_CONTEXT_LENGTH).
struct Options {
  // Load-time.
  int num_ctx = 4096;
  int num_batch = 512;
  int num_gpu = -1;
  int main_gpu = 0;
  std::optional<bool> use_mmap;
  int num_thread = 0;
  // Per request.
  int num_keep = 4;
  int64_t seed = -1;
  int num_predict = -1;
  int top_k = 40;
  float top_p = 0.9f;
  float min_p = 0.0f;
  float typical_p = 1.0f;
  int repeat_last_n = 64;
  float temperature = 0.8f;
  float repeat_penalty = 1.1f;
  float presence_penalty = 0.0f;
  float frequency_penalty = 0.0f;
  std::vector<std::string> stop;

  // Defaults with num_ctx = `context_length`.
  static Options defaults(int context_length);
  // Applies a validated options object (later calls win per key; stop replaces).
  void apply(const nlohmann::json& validated);
};

// OLLAMA_CONTEXT_LENGTH, default 4096.
int context_length_from_env();

}  // namespace slimllm
