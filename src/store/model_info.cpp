#include "store/model_info.h"

#include <algorithm>
#include <cmath>
#include <iterator>

#include "base/strings.h"

namespace slimllm {
namespace {

// llama.cpp's llama_ftype numbering, named as Ollama prints it.
const char* ftype_name(uint64_t t) {
  switch (t) {
    case 0:
      return "F32";
    case 1:
      return "F16";
    case 2:
      return "Q4_0";
    case 3:
      return "Q4_1";
    case 7:
      return "Q8_0";
    case 8:
      return "Q5_0";
    case 9:
      return "Q5_1";
    case 10:
      return "Q2_K";
    case 11:
      return "Q3_K_S";
    case 12:
      return "Q3_K_M";
    case 13:
      return "Q3_K_L";
    case 14:
      return "Q4_K_S";
    case 15:
      return "Q4_K_M";
    case 16:
      return "Q5_K_S";
    case 17:
      return "Q5_K_M";
    case 18:
      return "Q6_K";
    case 19:
      return "IQ2_XXS";
    case 20:
      return "IQ2_XS";
    case 21:
      return "Q2_K_S";
    case 22:
      return "IQ3_XS";
    case 23:
      return "IQ3_XXS";
    case 24:
      return "IQ1_S";
    case 25:
      return "IQ4_NL";
    case 26:
      return "IQ3_S";
    case 27:
      return "IQ3_M";
    case 28:
      return "IQ2_S";
    case 29:
      return "IQ2_M";
    case 30:
      return "IQ4_XS";
    case 31:
      return "IQ1_M";
    case 32:
      return "BF16";
    default:
      return "unknown";
  }
}

nlohmann::json scalar_json(const GgufValue& v, uint64_t i, GgufType type) {
  if (type == GgufType::kFloat32 || type == GgufType::kFloat64) return v.number_at(i);
  if (type == GgufType::kBool) return v.number_at(i) != 0;
  if (type == GgufType::kInt8 || type == GgufType::kInt16 || type == GgufType::kInt32 ||
      type == GgufType::kInt64) {
    return static_cast<int64_t>(v.number_at(i));
  }
  return static_cast<uint64_t>(v.number_at(i));
}

nlohmann::json value_json(std::string_view key, const GgufValue& v, bool verbose) {
  if (v.is_array()) {
    nlohmann::json arr = nlohmann::json::array();
    if (!verbose && v.size() > 5) return arr;
    if (v.element_type() == GgufType::kString) {
      for (std::string_view s : v.strings()) arr.push_back(std::string(s));
    } else if (v.element_type() != GgufType::kArray) {
      for (uint64_t i = 0; i < v.size(); ++i) arr.push_back(scalar_json(v, i, v.element_type()));
    }
    return arr;
  }
  if (v.is_string()) return std::string(v.as_string(key));
  if (v.is_float()) return v.as_double(key);
  if (v.type() == GgufType::kBool) return v.as_bool(key);
  if (v.type() == GgufType::kInt8 || v.type() == GgufType::kInt16 || v.type() == GgufType::kInt32 ||
      v.type() == GgufType::kInt64) {
    return v.as_int(key);
  }
  return v.as_uint(key);
}

}  // namespace

std::string human_number(uint64_t n) {
  constexpr double kThousand = 1e3, kMillion = 1e6, kBillion = 1e9;
  double v = static_cast<double>(n);
  if (v >= kBillion) {
    double x = v / kBillion;
    return x == std::floor(x) ? str_printf("%.0fB", x) : str_printf("%.1fB", x);
  }
  if (v >= kMillion) {
    double x = v / kMillion;
    return x == std::floor(x) ? str_printf("%.0fM", x) : str_printf("%.2fM", x);
  }
  if (v >= kThousand) return str_printf("%.0fK", v / kThousand);
  return std::to_string(n);
}

std::string file_type_name(const GgufFile& gguf) {
  if (!gguf.has("general.file_type")) return "unknown";
  return ftype_name(gguf.get_uint("general.file_type", 0));
}

uint64_t parameter_count(const GgufFile& gguf) {
  if (gguf.has("general.parameter_count")) return gguf.get_uint("general.parameter_count", 0);
  uint64_t total = 0;
  for (const GgufTensorInfo& t : gguf.tensors()) total += t.elements;
  return total;
}

ConfigBlob config_from_gguf(const GgufFile& gguf) {
  ConfigBlob config;
  config.model_format = "gguf";
  config.model_family = gguf.get_string("general.architecture", "");
  config.model_families = {config.model_family};
  config.model_type = human_number(parameter_count(gguf));
  config.file_type = file_type_name(gguf);
  return config;
}

nlohmann::json gguf_model_info(const GgufFile& gguf, bool verbose) {
  nlohmann::json info = nlohmann::json::object();
  for (const GgufKeyValue& kv : gguf.metadata()) {
    if (kv.key == "general.name" || kv.key == "tokenizer.chat_template") continue;
    info[std::string(kv.key)] = value_json(kv.key, kv.value, verbose);
  }
  if (!gguf.has("general.parameter_count")) info["general.parameter_count"] = parameter_count(gguf);
  return info;
}

nlohmann::json gguf_tensor_list(const GgufFile& gguf) {
  nlohmann::json list = nlohmann::json::array();
  for (const GgufTensorInfo& t : gguf.tensors()) {
    nlohmann::json entry;
    entry["name"] = t.name;
    entry["type"] = std::string(dtype_name(t.type));
    entry["shape"] = t.shape;
    list.push_back(entry);
  }
  return list;
}

std::vector<std::string> model_capabilities(const GgufFile& gguf, const std::string& tmpl) {
  std::vector<std::string> caps;
  std::string arch = gguf.get_string("general.architecture", "");
  // A file that declares a pooling embeds and does not generate (Ollama's rule); an encoder
  // architecture embeds even when its converter left the key out.
  static constexpr const char* kEncoders[] = {"bert",         "nomic-bert", "nomic-bert-moe",
                                              "jina-bert-v2", "neo-bert",   "modern-bert"};
  const bool encoder =
      std::find(std::begin(kEncoders), std::end(kEncoders), arch) != std::end(kEncoders);
  // A reranker (pooling rank) scores query/document pairs (/api/rerank) and has no embeddings.
  if (gguf.get_int(arch + ".pooling_type", 0) == 4) {
    caps.push_back("rerank");
  } else {
    caps.push_back(encoder || gguf.has(arch + ".pooling_type") ? "embedding" : "completion");
  }
  // Ollama inspects the parsed template's variables; a textual check finds the same references.
  if (tmpl.find(".Tools") != std::string::npos) caps.push_back("tools");
  if (tmpl.find(".Suffix") != std::string::npos) caps.push_back("insert");
  if (gguf.has(arch + ".vision.block_count")) caps.push_back("vision");
  if (tmpl.find("<think>") != std::string::npos && tmpl.find("</think>") != std::string::npos) {
    caps.push_back("thinking");
  }
  return caps;
}

}  // namespace slimllm
