#include "api/options.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <map>
#include <vector>

#include "api/api_error.h"
#include "base/log.h"
#include "base/strings.h"

namespace slimllm {
namespace {

const std::map<std::string_view, OptionType>& option_table() {
  static const std::map<std::string_view, OptionType> table = {
      {"num_ctx", OptionType::kInt},
      {"num_batch", OptionType::kInt},
      {"num_gpu", OptionType::kInt},
      {"main_gpu", OptionType::kInt},
      {"use_mmap", OptionType::kBool},
      {"num_thread", OptionType::kInt},
      {"num_keep", OptionType::kInt},
      {"seed", OptionType::kInt},
      {"num_predict", OptionType::kInt},
      {"top_k", OptionType::kInt},
      {"top_p", OptionType::kFloat},
      {"min_p", OptionType::kFloat},
      {"typical_p", OptionType::kFloat},
      {"repeat_last_n", OptionType::kInt},
      {"temperature", OptionType::kFloat},
      {"repeat_penalty", OptionType::kFloat},
      {"presence_penalty", OptionType::kFloat},
      {"frequency_penalty", OptionType::kFloat},
      {"stop", OptionType::kStringList},
  };
  return table;
}

const char* type_word(OptionType type) {
  switch (type) {
    case OptionType::kInt:
      return "integer";
    case OptionType::kFloat:
      return "float32";
    case OptionType::kBool:
      return "boolean";
    case OptionType::kStringList:
      return "array";
  }
  return "unknown";
}

// Go's %#v of a JSON value as a Modelfile/show prints it.
std::string go_value(const nlohmann::json& v) {
  if (v.is_string()) {
    std::string out = "\"";
    for (char c : v.get<std::string>()) {
      if (c == '"' || c == '\\') out += '\\';
      if (c == '\n') {
        out += "\\n";
        continue;
      }
      out += c;
    }
    return out + "\"";
  }
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
  if (v.is_number()) return v.dump();
  return v.dump();
}

// A float option as Go's json writes a float32: integral values without a fraction ("1", not
// "1.0"), others in their shortest float32 form.
nlohmann::json float_json(double v) {
  double f = float32_value(v);
  if (std::isfinite(f) && f == std::floor(f) && std::fabs(f) < 1e15) return static_cast<int64_t>(f);
  return f;
}

}  // namespace

std::optional<OptionType> option_type(std::string_view key) {
  auto it = option_table().find(key);
  if (it == option_table().end()) return std::nullopt;
  return it->second;
}

bool is_removed_option(std::string_view key) {
  static const char* const kRemoved[] = {
      "mirostat", "mirostat_tau", "mirostat_eta", "penalize_newline", "numa", "low_vram",
      "f16_kv",   "logits_all",   "vocab_only",   "use_mlock",        "tfs_z"};
  for (const char* k : kRemoved) {
    if (key == k) return true;
  }
  return false;
}

bool is_load_time_option(std::string_view key) {
  return key == "num_ctx" || key == "num_batch" || key == "num_gpu" || key == "main_gpu" ||
         key == "use_mmap" || key == "num_thread";
}

double float32_value(double v) {
  float f = static_cast<float>(v);
  char buf[64];
  for (int precision = 1; precision <= 9; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, static_cast<double>(f));
    if (std::strtof(buf, nullptr) == f) break;
  }
  return std::strtod(buf, nullptr);
}

nlohmann::json validate_options(const nlohmann::json& options) {
  nlohmann::json out = nlohmann::json::object();
  if (options.is_null()) return out;
  if (!options.is_object()) fail_status(400, "options must be an object");
  for (const auto& item : options.items()) {
    // Plain names, not a structured binding: clang 14 cannot capture bindings in the lambda below.
    const std::string& key = item.key();
    const nlohmann::json& value = item.value();
    std::optional<OptionType> type = option_type(key);
    if (!type) {
      if (!is_removed_option(key)) log_warn("invalid option provided", {{"option", key}});
      continue;
    }
    if (value.is_null()) continue;
    auto wrong = [&] {
      fail_status(400, str_cat("option \"", key, "\" must be of type ", type_word(*type)));
    };
    switch (*type) {
      case OptionType::kInt:
        if (!value.is_number()) wrong();
        out[key] = static_cast<int64_t>(value.get<double>());
        if (value.is_number_integer()) out[key] = value.get<int64_t>();
        break;
      case OptionType::kFloat:
        if (!value.is_number()) wrong();
        out[key] = float_json(value.get<double>());
        break;
      case OptionType::kBool:
        if (!value.is_boolean()) wrong();
        out[key] = value.get<bool>();
        break;
      case OptionType::kStringList: {
        if (!value.is_array()) wrong();
        nlohmann::json list = nlohmann::json::array();
        for (const auto& item : value) {
          if (!item.is_string()) wrong();
          list.push_back(item);
        }
        out[key] = list;
        break;
      }
    }
  }
  return out;
}

nlohmann::json parse_parameter(std::string_view key, const std::vector<std::string>& values) {
  std::optional<OptionType> type = option_type(key);
  if (!type) {
    if (is_removed_option(key)) return nullptr;
    fail_status(400, str_cat("unknown parameter '", key, "'"));
  }
  if (values.empty()) fail_status(400, str_cat("missing value for parameter '", key, "'"));
  const std::string& text = values.back();
  switch (*type) {
    case OptionType::kInt: {
      errno = 0;
      char* end = nullptr;
      long long v = std::strtoll(text.c_str(), &end, 10);
      if (text.empty() || *end != '\0' || errno)
        fail_status(400, str_cat("invalid int value [", text, "]"));
      return static_cast<int64_t>(v);
    }
    case OptionType::kFloat: {
      char* end = nullptr;
      double v = std::strtod(text.c_str(), &end);
      if (text.empty() || *end != '\0')
        fail_status(400, str_cat("invalid float value [", text, "]"));
      return float_json(v);
    }
    case OptionType::kBool: {
      std::string t = str_lower(text);
      if (t == "true" || t == "1" || t == "t") return true;
      if (t == "false" || t == "0" || t == "f") return false;
      fail_status(400, str_cat("invalid bool value [", text, "]"));
    }
    case OptionType::kStringList:
      return values;
  }
  return nullptr;
}

std::string format_parameters(const nlohmann::json& params) {
  std::string out;
  if (!params.is_object()) return out;
  for (const auto& [key, value] : params.items()) {
    std::vector<nlohmann::json> items;
    if (value.is_array()) {
      for (const auto& v : value) items.push_back(v);
    } else {
      items.push_back(value);
    }
    for (const auto& v : items) {
      if (!out.empty()) out += "\n";
      out += str_printf("%-30s %s", key.c_str(), go_value(v).c_str());
    }
  }
  return out;
}

Options Options::defaults(int context_length) {
  Options o;
  o.num_ctx = context_length;
  return o;
}

void Options::apply(const nlohmann::json& v) {
  if (!v.is_object()) return;
  auto get_int = [&](const char* key, auto& field) {
    if (v.contains(key) && v[key].is_number())
      field = static_cast<std::decay_t<decltype(field)>>(v[key].get<double>());
  };
  auto get_float = [&](const char* key, float& field) {
    if (v.contains(key) && v[key].is_number()) field = static_cast<float>(v[key].get<double>());
  };
  get_int("num_ctx", num_ctx);
  get_int("num_batch", num_batch);
  get_int("num_gpu", num_gpu);
  get_int("main_gpu", main_gpu);
  if (v.contains("use_mmap") && v["use_mmap"].is_boolean()) use_mmap = v["use_mmap"].get<bool>();
  get_int("num_thread", num_thread);
  get_int("num_keep", num_keep);
  if (v.contains("seed") && v["seed"].is_number_integer()) seed = v["seed"].get<int64_t>();
  get_int("num_predict", num_predict);
  get_int("top_k", top_k);
  get_float("top_p", top_p);
  get_float("min_p", min_p);
  get_float("typical_p", typical_p);
  get_int("repeat_last_n", repeat_last_n);
  get_float("temperature", temperature);
  get_float("repeat_penalty", repeat_penalty);
  get_float("presence_penalty", presence_penalty);
  get_float("frequency_penalty", frequency_penalty);
  if (v.contains("stop") && v["stop"].is_array()) {
    stop.clear();
    for (const auto& s : v["stop"]) {
      if (s.is_string()) stop.push_back(s.get<std::string>());
    }
  }
}

int context_length_from_env() {
  const char* env = std::getenv("OLLAMA_CONTEXT_LENGTH");
  if (!env) return 4096;
  long v = std::strtol(std::string(str_trim(env)).c_str(), nullptr, 10);
  return v > 0 && v < (1L << 24) ? static_cast<int>(v) : 4096;
}

}  // namespace slimllm
