// Ollama's built-in templates for imported GGUF models: a Go template and a stop list per
// family, chosen by how close the GGUF's tokenizer.chat_template (Jinja) is to each family's
// known Jinja texts (Levenshtein distance, best under 100), else "{{ .Prompt }}". Beyond Ollama's
// own set, the thinking families whose library templates Ollama ships with the model (qwen3,
// deepseek-r1: the R1 distills of Qwen and Llama) are built in too, so an imported GGUF of them
// thinks and calls tools as the library model does.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace slimllm {

inline constexpr std::string_view kDefaultTemplate = "{{ .Prompt }}";

struct BuiltinTemplate {
  std::string name;  // "chatml", "llama3-instruct", ...
  std::string text;  // the Go template
  std::vector<std::string> stop;
  // The family's parameters layer (builtin/<name>.json): the stop list, and the sampling defaults
  // of the library model where it ships them (qwen3: temperature 0.6, top_k 20, ...).
  nlohmann::json params;
};

const std::vector<BuiltinTemplate>& builtin_templates();
const BuiltinTemplate* find_builtin_template(std::string_view name);

// The family whose known Jinja template is closest to chat_template, or nullptr when none is
// within a distance of 100 (the caller then uses kDefaultTemplate).
const BuiltinTemplate* match_builtin_template(std::string_view chat_template);

// Edit distance between the code point sequences of two UTF-8 strings.
size_t levenshtein(std::string_view a, std::string_view b);

}  // namespace slimllm
