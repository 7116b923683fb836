#include "server/served_model.h"

#include <algorithm>
#include <map>
#include <mutex>

#include "base/cgroup.h"
#include "gguf/reader.h"
#include "store/model_info.h"

namespace slimllm {

ModelSpec ServedModel::spec() const {
  ModelSpec spec;
  spec.name = name.display();
  spec.model_path = layers.model_path;
  spec.file_size = layers.model_size;
  return spec;
}

Options ServedModel::options(int context_length, const nlohmann::json& request_options) const {
  Options o = Options::defaults(context_length);
  o.apply(layers.params);
  o.apply(request_options);
  return o;
}

std::optional<ServedModel> find_served_model(const ServerContext& context,
                                             const std::string& requested) {
  std::optional<ModelName> name = ModelName::parse(requested);
  if (!name) return std::nullopt;
  std::optional<StoredModel> stored = context.store.find(*name);
  if (!stored) return std::nullopt;
  ServedModel model{stored->name, *stored, read_model_layers(context.store, *stored)};
  return model;
}

LoadOptions load_options(const Options& o) {
  LoadOptions l;
  l.num_ctx = o.num_ctx;
  l.num_batch = o.num_batch;
  l.num_gpu = o.num_gpu;
  l.main_gpu = o.main_gpu;
  l.use_mmap = o.use_mmap;
  // Capped here (as the runner caps it) so that 5000 and the CPU count load the same runner.
  l.num_thread = o.num_thread > 0 ? threads_or_available(o.num_thread) : 0;
  return l;
}

SamplingOptions sampling_options(const Options& o) {
  SamplingOptions s;
  s.num_keep = o.num_keep;
  s.seed = o.seed;
  s.num_predict = o.num_predict;
  s.top_k = o.top_k;
  s.top_p = o.top_p;
  s.min_p = o.min_p;
  s.typical_p = o.typical_p;
  s.repeat_last_n = o.repeat_last_n;
  s.temperature = o.temperature;
  s.repeat_penalty = o.repeat_penalty;
  s.presence_penalty = o.presence_penalty;
  s.frequency_penalty = o.frequency_penalty;
  s.stop = o.stop;
  return s;
}

api::ModelDetails model_details(const ModelLayers& layers) {
  api::ModelDetails d;
  d.parent_model = layers.parent_model;
  d.format = layers.config.model_format;
  d.family = layers.config.model_family;
  d.families = layers.config.model_families;
  d.parameter_size = layers.config.model_type;
  d.quantization_level = layers.config.file_type;
  return d;
}

// A model's capabilities, read from its GGUF once: blobs are named by their digest, so a path
// never changes content, and a request should not parse a 150k-token vocabulary again.
std::vector<std::string> capabilities_of(const ServedModel& model) {
  if (model.layers.model_path.empty()) return {};
  static std::mutex mutex;
  static std::map<std::pair<std::string, std::string>, std::vector<std::string>> cache;
  const auto key = std::make_pair(model.layers.model_path, model.layers.template_text);
  {
    std::lock_guard lock(mutex);
    auto it = cache.find(key);
    if (it != cache.end()) return it->second;
  }
  GgufFile gguf = GgufFile::open(model.layers.model_path);
  std::vector<std::string> caps = model_capabilities(gguf, model.layers.template_text);
  std::lock_guard lock(mutex);
  if (cache.size() >= 64) cache.clear();
  cache.emplace(key, caps);
  return caps;
}

bool has(const std::vector<std::string>& caps, const char* cap) {
  return std::find(caps.begin(), caps.end(), cap) != caps.end();
}

}  // namespace slimllm
