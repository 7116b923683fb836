// `pull`: a model from its registry into the store, as Ollama's does: the manifest, then each
// layer and the config blob (present ones skipped, others downloaded resumably), then the
// manifest written last so the model appears only when all of it is there.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "store/blob_download.h"
#include "store/model_check.h"
#include "store/model_name.h"
#include "store/model_store.h"
#include "store/registry_client.h"

namespace slimllm {

// One progress message of /api/pull: `status` alone, or "pulling <12 hex>" with the layer's
// digest, total and completed bytes.
struct PullProgress {
  std::string status;
  std::string digest;
  uint64_t total = 0;
  uint64_t completed = 0;
};

struct PullOptions {
  RegistryOptions registry = RegistryOptions::from_env();
  DownloadOptions download;
  // Receives every progress message, from the calling thread.
  std::function<void(const PullProgress&)> progress;
  // Set from another thread (a client that went away) to stop; the partials are kept.
  const std::atomic<bool>* cancel = nullptr;
  // Bytes received from registries, called from download threads as they arrive: the hook for a
  // `pull bytes` counter in /metrics. (Alias of download.on_bytes.)
  std::function<void(uint64_t bytes)> on_bytes;
  // Vets the model layer once it is downloaded, before the manifest is written: a model the
  // server could not run is refused (its blobs stay, unreferenced, for the next prune).
  ModelFileCheck check_model;
};

// Pulls `name` into `store`. Throws Error with Ollama's texts ("pull model manifest: file does
// not exist", "digest mismatch, file must be downloaded again: ..."), or what check_model throws
// (a model layer that is not GGUF: StoreError kInvalid).
void pull_model(ModelStore& store, const ModelName& name, PullOptions options);

}  // namespace slimllm
