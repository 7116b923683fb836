// `push`: a stored model to a registry speaking Ollama's protocol (Docker distribution v2):
// each layer and the config blob unless the registry has it (HEAD), uploaded with
// POST .../blobs/uploads/, PATCH of the bytes and PUT ?digest=; then PUT of the manifest.
#pragma once

#include <atomic>
#include <functional>

#include "store/model_name.h"
#include "store/model_store.h"
#include "store/pull.h"
#include "store/registry_client.h"

namespace slimllm {

struct PushOptions {
  RegistryOptions registry = RegistryOptions::from_env();
  // Messages as /api/push streams them: "retrieving manifest", "pushing <12 hex>" with
  // total/completed, "pushing manifest", "success".
  std::function<void(const PullProgress&)> progress;
  const std::atomic<bool>* cancel = nullptr;
};

// Throws StoreError kNotFound when the model is not in the store, Error with the registry's
// "<code>: <body>" otherwise.
void push_model(const ModelStore& store, const ModelName& name, PushOptions options);

}  // namespace slimllm
