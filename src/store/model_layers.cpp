#include "store/model_layers.h"

#include "base/error.h"
#include "base/log.h"

namespace slimllm {

ModelLayers read_model_layers(const ModelStore& store, const StoredModel& model) {
  ModelLayers out;
  for (const Layer& layer : model.manifest.layers) {
    const std::string& type = layer.media_type;
    if (type == kMediaModel) {
      out.model_path = store.blob_path(layer.digest).string();
      out.model_size = layer.size;
      out.parent_model = layer.from;
    } else if (type == kMediaTemplate || type == kMediaPrompt) {
      out.template_text = store.read_blob(layer.digest);
    } else if (type == kMediaSystem) {
      out.system = store.read_blob(layer.digest);
    } else if (type == kMediaParams) {
      nlohmann::json params = nlohmann::json::parse(store.read_blob(layer.digest), nullptr, false);
      if (!params.is_object())
        fail("model ", model.name.display(), ": params layer is not a JSON object");
      out.params = params;
    } else if (type == kMediaMessages) {
      nlohmann::json messages =
          nlohmann::json::parse(store.read_blob(layer.digest), nullptr, false);
      if (!messages.is_array())
        fail("model ", model.name.display(), ": messages layer is not a JSON array");
      out.messages = messages;
    } else if (type == kMediaLicense) {
      out.licenses.push_back(store.read_blob(layer.digest));
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
