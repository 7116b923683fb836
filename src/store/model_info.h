// What the store derives from a GGUF and a model's layers: the config blob fields, the
// `model_info` map of /api/show, and capabilities.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "gguf/reader.h"
#include "store/manifest.h"

namespace slimllm {

// Ollama's format.HumanNumber: "3.2B", "999.89M", "292K".
std::string human_number(uint64_t n);
// GGUF general.file_type as Ollama names it ("Q4_K_M", "F16"); "unknown" when absent.
std::string file_type_name(const GgufFile& gguf);
// general.parameter_count, else the sum of the tensors' element counts.
uint64_t parameter_count(const GgufFile& gguf);
// Config blob fields for a model layer read from `gguf` (diff_ids left for the caller).
ConfigBlob config_from_gguf(const GgufFile& gguf);

// Every metadata pair except general.name and tokenizer.chat_template, keys sorted; arrays longer
// than five elements become [] unless `verbose`.
nlohmann::json gguf_model_info(const GgufFile& gguf, bool verbose);
// [{"name","type","shape"}] for /api/show with verbose.
nlohmann::json gguf_tensor_list(const GgufFile& gguf);

// "completion" (or "embedding"), "tools", "insert", "vision", "thinking" as Ollama derives them
// from the GGUF metadata and the template text.
std::vector<std::string> model_capabilities(const GgufFile& gguf, const std::string& template_text);

}  // namespace slimllm
