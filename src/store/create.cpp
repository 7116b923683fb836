#include "store/create.h"

#include <unistd.h>

#include <filesystem>
#include <set>

#include "base/sha256.h"
#include "base/strings.h"
#include "store/go_json.h"
#include "store/model_info.h"
#include "store/quantize_model.h"
#include "store/store_error.h"
#include "store/writer_tag.h"

namespace slimllm {
namespace {

void replace_layer(std::vector<Layer>& layers, const Layer& layer) {
  std::erase_if(layers, [&](const Layer& l) {
    return l.media_type == layer.media_type ||
           (layer.media_type == kMediaTemplate && l.media_type == kMediaPrompt);
  });
  layers.push_back(layer);
}

bool is_gguf(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return false;
  char magic[4] = {};
  size_t n = std::fread(magic, 1, 4, f);
  std::fclose(f);
  return n == 4 && magic[0] == 'G' && magic[1] == 'G' && magic[2] == 'U' && magic[3] == 'F';
}

void check_relative(const std::string& file) {
  if (file.empty() || file[0] == '/' || file.find("..") != std::string::npos) {
    fail_invalid("file path must be relative");
  }
}

// Replaces the model layer with a quantized copy of it; returns the new GGUF's config fields.
ConfigBlob quantize_layer(ModelStore& store, std::vector<Layer>& layers,
                          const std::string& preset_name,
                          const std::function<void(const std::string&)>& report) {
  QuantPreset preset = parse_quant_preset(preset_name);
  auto model = std::find_if(layers.begin(), layers.end(),
                            [](const Layer& l) { return l.media_type == kMediaModel; });
  if (model == layers.end()) fail_invalid("quantization needs a model layer");
  GgufFile source = GgufFile::open(store.blob_path(model->digest).string());
  std::string from_type = file_type_name(source);
  if (from_type == "unknown") {
    // No general.file_type (llama2.c conversions): name the weights' own type.
    for (const GgufTensorInfo& t : source.tensors()) {
      if (t.shape.size() >= 2) {
        from_type = std::string(dtype_name(t.type));
        break;
      }
    }
  }
  report(str_cat("quantizing ", from_type, " model to ", quant_preset_name(preset)));
  std::filesystem::path temp = store.blobs_directory() /
                               str_cat("quantize-", model->digest.substr(7, 12), temp_suffix());
  std::filesystem::create_directories(temp.parent_path());
  try {
    quantize_gguf(source, preset, temp.string());
    Layer quantized = store.add_blob_file(temp, kMediaModel);
    std::filesystem::remove(temp);
    *model = quantized;
    report("verifying conversion");
    return config_from_gguf(GgufFile::open(store.blob_path(quantized.digest).string()));
  } catch (...) {
    std::error_code ec;
    std::filesystem::remove(temp, ec);
    throw;
  }
}

}  // namespace

size_t layer_size_limit(std::string_view media_type) {
  if (media_type == kMediaParams) return kMaxParamsBytes;
  if (media_type == kMediaMessages) return kMaxMessagesBytes;
  return kMaxTextLayerBytes;
}

void check_layer_size(std::string_view media_type, uint64_t size) {
  const size_t limit = layer_size_limit(media_type);
  if (size <= limit) return;
  std::string_view kind = media_type.substr(media_type.rfind('.') + 1);
  fail_invalid(str_cat("the ", kind, " layer is ", size, " bytes, over the limit of ", limit,
                       " bytes (", human_bytes_binary(limit), ")"));
}

std::string create_model(ModelStore& store, const CreateSpec& spec, const CreateProgress& progress,
                         const TemplateDetector& detect_template,
                         const ModelFileCheck& check_model) {
  auto report = [&](const std::string& status) {
    if (progress) progress(status);
  };
  std::vector<Layer> layers;
  ConfigBlob config;
  nlohmann::json base_params = nlohmann::json::object();
  std::set<std::string> existing;  // digests present before this create

  if (!spec.files.empty()) {
    const std::string* gguf_digest = nullptr;
    for (const auto& [file, digest] : spec.files) {
      check_relative(file);
      if (!is_valid_digest(digest)) fail_invalid("invalid digest format");
      if (!store.has_blob(digest)) fail_invalid(str_cat("blob \"", digest, "\" not found"));
      if (!gguf_digest) gguf_digest = &digest;
    }
    std::string path = store.blob_path(*gguf_digest).string();
    report("parsing GGUF");
    if (!is_gguf(path)) fail_invalid("supplied file was not in GGUF format");
    GgufFile gguf = GgufFile::open(path);
    if (check_model) check_model(gguf);
    Layer model;
    model.media_type = std::string(kMediaModel);
    model.digest = normalize_digest(*gguf_digest);
    model.size = gguf.file_size();
    existing.insert(model.digest);
    layers.push_back(model);
    config = config_from_gguf(gguf);
    if (!spec.template_text && detect_template) {
      if (std::optional<DetectedTemplate> t = detect_template(gguf)) {
        report("using autodetected template " + t->name);
        layers.push_back(store.add_blob(t->template_text, kMediaTemplate));
        if (t->params.is_object() && !t->params.empty()) base_params = t->params;
      }
    }
  } else if (!spec.from.empty()) {
    std::optional<ModelName> from = ModelName::parse(spec.from);
    if (!from) fail_invalid(str_cat("invalid model name"));
    std::optional<StoredModel> base = store.find(*from);
    if (!base) fail_not_found(str_cat("model '", spec.from, "' not found"));
    for (const Layer& layer : base->manifest.layers) {
      existing.insert(normalize_digest(layer.digest));
      if (layer.media_type == kMediaParams) {
        base_params = nlohmann::json::parse(store.read_blob(layer.digest), nullptr, false);
        if (!base_params.is_object()) base_params = nlohmann::json::object();
        continue;  // rewritten below with the merged parameters
      }
      layers.push_back(layer);
    }
    config = ConfigBlob::parse(store.read_blob(base->manifest.config.digest), spec.from);
  } else {
    fail_invalid("neither 'from' or 'files' was specified");
  }

  if (!spec.quantize.empty()) {
    std::string keep_family = config.model_family;
    config = quantize_layer(store, layers, spec.quantize, report);
    if (config.model_family.empty()) config.model_family = keep_family;
  }

  auto add_text = [&](const std::string& text, std::string_view media) {
    check_layer_size(media, text.size());
    std::string digest = "sha256:" + Sha256::hex(text);
    if (store.has_blob(digest)) existing.insert(digest);
    return store.add_blob(text, media);
  };
  if (spec.template_text) replace_layer(layers, add_text(*spec.template_text, kMediaTemplate));
  if (spec.system) replace_layer(layers, add_text(*spec.system, kMediaSystem));
  if (!spec.licenses.empty()) {
    std::erase_if(layers, [](const Layer& l) { return l.media_type == kMediaLicense; });
    for (const std::string& license : spec.licenses)
      layers.push_back(add_text(license, kMediaLicense));
  }
  nlohmann::json params = base_params;
  if (spec.parameters.is_object()) {
    for (const auto& [key, value] : spec.parameters.items()) params[key] = value;
  }
  if (!params.empty()) replace_layer(layers, add_text(go_json(params) + "\n", kMediaParams));
  if (spec.messages) {
    OrderedJson messages = OrderedJson::array();
    for (const auto& m : *spec.messages) {
      OrderedJson entry;
      entry["role"] = m.value("role", "");
      entry["content"] = m.value("content", "");
      messages.push_back(entry);
    }
    replace_layer(layers, add_text(go_json(messages) + "\n", kMediaMessages));
  }

  for (const Layer& layer : layers) {
    bool reused = existing.count(normalize_digest(layer.digest)) > 0;
    report(str_cat(reused ? "using existing layer " : "creating new layer ", layer.digest));
  }
  config.diff_ids.clear();
  for (const Layer& layer : layers) config.diff_ids.push_back(layer.digest);
  Manifest manifest;
  manifest.config = store.add_blob(config.serialize(), kConfigMediaType);
  manifest.layers = layers;

  std::vector<std::string> previous;
  if (std::optional<StoredModel> old = store.find(spec.name)) {
    previous.push_back(old->manifest.config.digest);
    for (const Layer& layer : old->manifest.layers) previous.push_back(layer.digest);
  }
  // Refreshed so that a pruner on a shared volume does not take an uploaded blob as unused
  // before the manifest names it.
  std::vector<std::string> digests{manifest.config.digest};
  for (const Layer& layer : layers) digests.push_back(layer.digest);
  if (std::vector<std::string> missing = store.refresh_blobs(digests); !missing.empty()) {
    fail_invalid(str_cat("blob \"", missing.front(), "\" not found (it was removed as unused before ",
                         "the model was created); upload it again"));
  }
  report("writing manifest");
  std::string digest = store.write_manifest(spec.name, manifest);
  if (!previous.empty()) store.prune_unreferenced(previous);
  report("success");
  return digest;
}

}  // namespace slimllm
