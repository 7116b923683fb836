#include "store/pull.h"

#include <sys/stat.h>

#include <algorithm>
#include <optional>
#include <set>

#include "base/error.h"
#include "base/log.h"
#include "base/strings.h"
#include "store/store_error.h"

namespace slimllm {
namespace {

void check_model_layers(ModelStore& store, const Manifest& manifest, const ModelName& name,
                        const ModelFileCheck& check) {
  for (const Layer& layer : manifest.layers) {
    if (layer.media_type != kMediaModel) continue;
    std::optional<GgufFile> gguf;
    try {
      gguf.emplace(GgufFile::open(store.blob_path(layer.digest).string()));
    } catch (const Error& e) {
      fail_invalid(str_cat("the model layer of ", name.display(), " is not a GGUF file slimllm ",
                           "can read: ", e.what()));
    }
    check(*gguf);
  }
}

void download_layers(ModelStore& store, const RegistryClient& registry,
                     const std::vector<Layer>& layers, const PullOptions& options,
                     const std::function<void(const PullProgress&)>& report) {
  for (const Layer& layer : layers) {
    std::string digest = normalize_digest(layer.digest);
    PullProgress p{str_cat("pulling ", digest.substr(7, 12)), digest, layer.size, 0};
    uint64_t last = UINT64_MAX;
    download_blob(store, registry, layer, options.download, [&](uint64_t completed) {
      if (completed == last) return;
      last = completed;
      p.completed = completed;
      report(p);
    });
  }
}

// The quota and the disk must hold the layers not yet in the store (a partial download's bytes
// on disk count as there).
void check_pull_room(ModelStore& store, const std::vector<Layer>& layers, const ModelName& name) {
  uint64_t incoming = 0, on_disk = 0;
  std::set<std::string> seen;
  for (const Layer& layer : layers) {
    std::string digest = normalize_digest(layer.digest);
    if (!seen.insert(digest).second || store.has_blob(digest)) continue;
    incoming += layer.size;
    struct stat st {};
    if (::stat(store.partial_path(digest).c_str(), &st) == 0) {
      on_disk += std::min<uint64_t>(static_cast<uint64_t>(st.st_blocks) * 512, layer.size);
    }
  }
  if (incoming > 0) store.check_room(incoming, str_cat("pulling ", name.display()), on_disk);
}

}  // namespace

void pull_model(ModelStore& store, const ModelName& name, PullOptions options) {
  auto report = [&](const PullProgress& p) {
    if (options.progress) options.progress(p);
  };
  auto status = [&](const char* text) {
    PullProgress p;
    p.status = text;
    report(p);
  };
  if (options.cancel) {
    options.registry.cancel = options.cancel;
    options.download.cancel = options.cancel;
  }
  if (options.on_bytes) options.download.on_bytes = options.on_bytes;

  std::optional<StoredModel> previous = store.find(name);
  status("pulling manifest");
  RegistryClient registry(name, options.registry);
  std::string text = registry.fetch_manifest();
  Manifest manifest = Manifest::parse(text, str_cat("of ", name.display(), " from the registry"));

  std::vector<Layer> layers = manifest.layers;
  layers.push_back(manifest.config);
  check_pull_room(store, layers, name);
  download_layers(store, registry, layers, options, report);

  // Each blob was checked against its digest before it entered the store (blob_download).
  status("verifying sha256 digest");
  if (options.check_model) check_model_layers(store, manifest, name, options.check_model);
  // Refreshed so that no pruner takes them as unused before the manifest names them; one that
  // went meanwhile (unused for the grace period on a shared volume) is downloaded again.
  std::vector<std::string> digests;
  for (const Layer& l : layers) digests.push_back(l.digest);
  if (std::vector<std::string> missing = store.refresh_blobs(digests); !missing.empty()) {
    std::vector<Layer> again;
    for (const Layer& l : layers) {
      if (std::find(missing.begin(), missing.end(), normalize_digest(l.digest)) != missing.end())
        again.push_back(l);
    }
    download_layers(store, registry, again, options, report);
    if (!store.refresh_blobs(digests).empty()) fail("pull ", name.display(), ": a blob was removed while the model was being written; pull again");
  }
  status("writing manifest");
  store.write_manifest_text(name, text);

  if (previous) {
    std::set<std::string> now;
    for (const Layer& l : layers) now.insert(normalize_digest(l.digest));
    std::vector<std::string> unused;
    for (const Layer& l : previous->manifest.layers) {
      if (!now.count(normalize_digest(l.digest))) unused.push_back(l.digest);
    }
    if (!now.count(normalize_digest(previous->manifest.config.digest))) {
      unused.push_back(previous->manifest.config.digest);
    }
    if (!unused.empty() && !std::getenv("OLLAMA_NOPRUNE")) {
      status("removing unused layers");
      store.prune_unreferenced(unused);
    }
  }
  log_info("pulled model", {{"model", name.display()}});
  status("success");
}

}  // namespace slimllm
