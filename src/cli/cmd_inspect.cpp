// `slimllm inspect FILE.gguf [--json]`: the header, every metadata key, the tensor table and the
// totals by type of a GGUF file.
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "base/strings.h"
#include "cli/commands.h"
#include "gguf/reader.h"

namespace slimllm {
namespace {

constexpr size_t kArrayPreview = 6;

nlohmann::json value_json(const GgufValue& value, std::string_view key) {
  switch (value.type()) {
    case GgufType::kString: return std::string(value.as_string(key));
    case GgufType::kBool: return value.as_bool(key);
    case GgufType::kFloat32:
    case GgufType::kFloat64: return value.as_double(key);
    case GgufType::kArray: {
      nlohmann::json head = nlohmann::json::array();
      uint64_t shown = std::min<uint64_t>(value.size(), kArrayPreview);
      for (uint64_t i = 0; i < shown; ++i) {
        if (value.element_type() == GgufType::kString) {
          head.push_back(std::string(value.strings()[i]));
        } else if (value.element_type() == GgufType::kFloat32 ||
                   value.element_type() == GgufType::kFloat64) {
          head.push_back(value.number_at(i));
        } else if (value.element_type() == GgufType::kBool) {
          head.push_back(value.number_at(i) != 0);
        } else {
          head.push_back(static_cast<int64_t>(value.number_at(i)));
        }
      }
      return {{"element_type", gguf_type_name(value.element_type())},
              {"length", value.size()},
              {"head", head}};
    }
    default:
      if (value.is_integer() && value.type() != GgufType::kUint64) return value.as_int(key);
      return value.as_uint(key);
  }
}

struct TypeTotal {
  uint64_t tensors = 0, elements = 0, bytes = 0;
};

std::map<std::string, TypeTotal> totals_by_type(const GgufFile& file) {
  std::map<std::string, TypeTotal> totals;
  for (const GgufTensorInfo& t : file.tensors()) {
    TypeTotal& total = totals[std::string(dtype_name(t.type))];
    total.tensors += 1;
    total.elements += t.elements;
    total.bytes += t.bytes;
  }
  return totals;
}

void print_json(const GgufFile& file) {
  nlohmann::json out;
  out["file"] = file.path();
  out["size"] = file.file_size();
  out["version"] = file.version();
  out["alignment"] = file.alignment();
  out["data_offset"] = file.data_offset();
  nlohmann::json metadata = nlohmann::json::array();
  for (const GgufKeyValue& kv : file.metadata()) {
    metadata.push_back({{"key", std::string(kv.key)},
                        {"type", gguf_type_name(kv.value.type())},
                        {"value", value_json(kv.value, kv.key)}});
  }
  out["metadata"] = metadata;
  nlohmann::json tensors = nlohmann::json::array();
  for (const GgufTensorInfo& t : file.tensors()) {
    tensors.push_back({{"name", t.name},
                       {"shape", t.shape},
                       {"type", dtype_name(t.type)},
                       {"offset", t.offset},
                       {"bytes", t.bytes}});
  }
  out["tensors"] = tensors;
  nlohmann::json totals = nlohmann::json::object();
  uint64_t elements = 0;
  for (const auto& [name, total] : totals_by_type(file)) {
    totals[name] = {{"tensors", total.tensors}, {"elements", total.elements}, {"bytes", total.bytes}};
    elements += total.elements;
  }
  out["totals"] = totals;
  out["parameters"] = elements;
  std::string text = out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
  std::printf("%s\n", text.c_str());
}

void print_text(const GgufFile& file) {
  std::printf("%s: GGUF v%u, %zu metadata keys, %zu tensors, alignment %u, data at byte %llu, %s\n",
              file.path().c_str(), file.version(), file.metadata().size(), file.tensors().size(),
              file.alignment(), static_cast<unsigned long long>(file.data_offset()),
              human_bytes(file.file_size()).c_str());
  std::printf("\nMetadata:\n");
  size_t key_width = 0;
  for (const GgufKeyValue& kv : file.metadata()) key_width = std::max(key_width, kv.key.size());
  for (const GgufKeyValue& kv : file.metadata()) {
    std::printf("  %-*s  %-8s  %s\n", static_cast<int>(key_width), std::string(kv.key).c_str(),
                std::string(gguf_type_name(kv.value.type())).c_str(),
                kv.value.describe(kArrayPreview).c_str());
  }
  std::printf("\nTensors:\n");
  size_t name_width = 4;
  for (const GgufTensorInfo& t : file.tensors()) name_width = std::max(name_width, t.name.size());
  std::printf("  %-*s  %-24s  %-7s  %12s  %12s\n", static_cast<int>(name_width), "NAME", "SHAPE",
              "TYPE", "OFFSET", "BYTES");
  for (const GgufTensorInfo& t : file.tensors()) {
    std::printf("  %-*s  %-24s  %-7s  %12llu  %12llu\n", static_cast<int>(name_width), t.name.c_str(),
                t.shape_string().c_str(), std::string(dtype_name(t.type)).c_str(),
                static_cast<unsigned long long>(t.offset), static_cast<unsigned long long>(t.bytes));
  }
  std::printf("\nTotals by type:\n");
  uint64_t elements = 0, bytes = 0;
  for (const auto& [name, total] : totals_by_type(file)) {
    std::printf("  %-7s  %5llu tensors  %14llu values  %10s\n", name.c_str(),
                static_cast<unsigned long long>(total.tensors),
                static_cast<unsigned long long>(total.elements), human_bytes(total.bytes).c_str());
    elements += total.elements;
    bytes += total.bytes;
  }
  std::printf("  %-7s  %5zu tensors  %14llu values  %10s\n", "all", file.tensors().size(),
              static_cast<unsigned long long>(elements), human_bytes(bytes).c_str());
}

}  // namespace

void add_inspect_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("inspect", "Show the header, metadata and tensors of a GGUF file");
  auto path = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  cmd->add_option("file", *path, "GGUF file")->required();
  cmd->add_flag("--json", *json, "Print one JSON object, for scripts");
  cmd->callback([path, json] {
    GgufFile file = GgufFile::open(*path);
    if (*json) {
      print_json(file);
    } else {
      print_text(file);
    }
  });
}

}  // namespace slimllm
