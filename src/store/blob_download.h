// Downloads one blob into the store, resumably and safely next to other writers:
//   blobs/sha256-<hex>.lock          held while downloading (BlobLock); others wait for it
//   blobs/sha256-<hex>-partial       the bytes, written at their offsets (sparse until complete)
//   blobs/sha256-<hex>-partial.json  the parts and how much of each is on disk, rewritten
//                                    atomically after an fdatasync of the partial, so it never
//                                    claims bytes that are not there
// Large blobs come in parallel ranged parts; a stalled part is retried; the SHA-256 is checked
// before the partial is renamed into place, and a mismatch deletes it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "store/manifest.h"
#include "store/model_store.h"
#include "store/registry_client.h"

namespace slimllm {

struct DownloadOptions {
  uint64_t parallel_threshold = 64ULL << 20;  // blobs above this size come in `parts` parts
  int parts = 4;
  uint64_t checkpoint_bytes = 16ULL << 20;  // sidecar rewritten after this much per part,
  // and at least this often while bytes arrive, so a kill -9 loses seconds of download at most
  std::chrono::milliseconds checkpoint_interval{2000};
  int stall_seconds = 30;                   // a part with no byte for this long is retried
  int max_stalls = 10;                      // per part, before giving up
  int max_retries = 6;                      // other failures per part; backoff 1,2,4... s
  std::chrono::milliseconds retry_delay{1000};
  std::chrono::milliseconds progress_interval{60};
  std::chrono::milliseconds lock_poll{200};
  std::chrono::seconds lock_stale_after{600};
  const std::atomic<bool>* cancel = nullptr;
  // Called with each chunk's size as it arrives, from the part threads (for /metrics).
  std::function<void(uint64_t bytes)> on_bytes;
};

enum class BlobOutcome { kPresent, kDownloaded, kWaitedForOther };

// Makes `layer`'s blob present in the store, calling `on_progress(completed)` from the calling
// thread (at least once at the start and once at the end). Throws Error on failure: transport
// errors after retries (the partial is kept for the next attempt), or a digest mismatch
// ("digest mismatch, file must be downloaded again: want sha256:..., got sha256:..."; the
// partial is deleted).
BlobOutcome download_blob(ModelStore& store, const RegistryClient& registry, const Layer& layer,
                          const DownloadOptions& options,
                          const std::function<void(uint64_t completed)>& on_progress);

}  // namespace slimllm
