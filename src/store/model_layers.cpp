#include "store/model_layers.h"

#include "base/error.h"
#include "base/log.h"
#include "base/strings.h"
#include "store/create.h"
#include "store/store_error.h"

namespace slimllm {
namespace {

// A text layer's bytes, refused (400 naming the model and the limit) when the blob is larger
// than a real one could be: a manifest pushed into the store may name any blob.
std::string read_text_layer(const ModelStore& store, const StoredModel& model, const Layer& layer) {
  std::error_code ec;
  uint64_t size = std::filesystem::file_size(store.blob_path(layer.digest), ec);
  if (!ec && size > layer_size_limit(layer.media_type)) {
    try {
      check_layer_size(layer.media_type, size);
    } catch (const StoreError& e) {
      fail_invalid(str_cat("model ", model.name.display(), ": ", e.what()));
    }
  }
  return store.read_blob(layer.digest);
}

}  // namespace

ModelLayers read_model_layers(const ModelStore& store, const StoredModel& model) {
  ModelLayers out;
  for (const Layer& layer : model.manifest.layers) {
    const std::string& type = layer.media_type;
    if (type == kMediaModel) {
      out.model_path = store.blob_path(layer.digest).string();
      out.model_size = layer.size;
      out.parent_model = layer.from;
    } else if (type == kMediaTemplate || type == kMediaPrompt) {
      out.template_text = read_text_layer(store, model, layer);
    } else if (type == kMediaSystem) {
      out.system = read_text_layer(store, model, layer);
    } else if (type == kMediaParams) {
      nlohmann::json params = nlohmann::json::parse(read_text_layer(store, model, layer), nullptr, false);
      if (!params.is_object())
        fail("model ", model.name.display(), ": params layer is not a JSON object");
      out.params = params;
    } else if (type == kMediaMessages) {
      nlohmann::json messages =
          nlohmann::json::parse(read_text_layer(store, model, layer), nullptr, false);
      if (!messages.is_array())
        fail("model ", model.name.display(), ": messages layer is not a JSON array");
      out.messages = messages;
    } else if (type == kMediaLicense) {
      out.licenses.push_back(read_text_layer(store, model, layer));
    } else if (type == kMediaAdapter) {
      out.adapters.push_back(store.blob_path(layer.digest).string());
    } else if (type == kMediaProjector) {
      out.projectors.push_back(store.blob_path(layer.digest).string());
    } else {
      log_debug("ignoring layer", {{"model", model.name.display()}, {"media_type", type}});
    }
  }
  if (store.has_blob(model.manifest.config.digest)) {
    out.config =
        ConfigBlob::parse(store.read_blob(model.manifest.config.digest), model.name.display());
  }
  return out;
}

}  // namespace slimllm
