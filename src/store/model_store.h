// Ollama's on-disk model store under OLLAMA_MODELS:
//   blobs/sha256-<hex>                        content-addressed layers and configs
//   manifests/<host>/<namespace>/<model>/<tag>
// Every write goes to a temporary file in the same directory, is fsynced and renamed into place,
// so readers (and other processes sharing the volume) never see half a file. Files that are not
// valid blobs or manifests (a Modelfile left by a Helm hook, a partial download) are ignored.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/manifest.h"
#include "store/model_name.h"
#include "store/store_policy.h"

namespace slimllm {

struct StoredModel {
  ModelName name;  // with the casing found on disk
  std::filesystem::path manifest_path;
  Manifest manifest;
  std::string digest;  // sha256 hex of the manifest file's bytes (the ID `ollama list` shows)
  std::filesystem::file_time_type modified;
};

class ModelStore {
 public:
  explicit ModelStore(std::filesystem::path root);
  // Grace period, OLLAMA_NOPRUNE and quota (store/store_policy.h); the default has no quota.
  void set_policy(const StorePolicy& policy) { policy_ = policy; }
  const StorePolicy& policy() const { return policy_; }
  // OLLAMA_MODELS, else $HOME/.ollama/models.
  static std::filesystem::path default_root();

  const std::filesystem::path& root() const { return root_; }
  // Path of a blob by digest ("sha256:<hex>" or "sha256-<hex>"); StoreError kInvalid otherwise.
  std::filesystem::path blob_path(std::string_view digest) const;
  bool has_blob(std::string_view digest) const;
  // blobs/sha256-<hex>-partial: a download in progress (with "<partial>.json" its part sidecar).
  std::filesystem::path partial_path(std::string_view digest) const;
  // blobs/sha256-<hex>.lock: held by the process writing that blob (see BlobLock).
  std::filesystem::path lock_path(std::string_view digest) const;
  std::filesystem::path blobs_directory() const { return blobs_dir(); }
  std::string read_blob(std::string_view digest) const;

  // Stores bytes as a blob (deduplicated) and returns its layer.
  Layer add_blob(std::string_view bytes, std::string_view media_type);
  // Copies a file into the store while hashing it.
  Layer add_blob_file(const std::filesystem::path& source, std::string_view media_type);
  // Receives a blob whose digest the sender announced: `produce` pushes the body's bytes into the
  // sink it is given. Returns false when the blob already existed (the body is still consumed).
  // A mismatch deletes the upload and throws StoreError kInvalid with Ollama's message. With a
  // quota or a nearly full disk, a body (of `size` bytes when announced) that does not fit is
  // refused with StoreError kNoSpace before it is read, or as soon as it outgrows the room.
  using ByteSink = std::function<void(const char* data, size_t size)>;
  bool receive_blob(std::string_view digest, const std::function<void(const ByteSink&)>& produce,
                    std::optional<uint64_t> size = std::nullopt);

  // Case-insensitive lookup; nullopt when there is no such model.
  std::optional<StoredModel> find(const ModelName& name) const;
  // Like find, but StoreError kNotFound with `model '<name>' not found`.
  StoredModel get(const ModelName& name) const;
  // Every readable model, newest first. Unreadable manifests are skipped with a warning.
  std::vector<StoredModel> list() const;

  // Writes a manifest (replacing one with the same name in any casing) and returns its digest.
  std::string write_manifest(const ModelName& name, const Manifest& manifest);
  // Writes manifest bytes as received (a pull keeps the registry's bytes, hence its digest).
  std::string write_manifest_text(const ModelName& name, std::string_view text);
  void copy(const ModelName& source, const ModelName& destination);
  // Removes the manifest, then the blobs no other manifest references (unless OLLAMA_NOPRUNE).
  void remove(const ModelName& name);
  // Deletes blobs `before` referenced that no manifest references now (after replacing a model).
  // A blob another writer holds a live lock on, or that has a partial download, is kept.
  // Returns how many were removed.
  size_t prune_unreferenced(const std::vector<std::string>& candidate_digests);
  // Start-up clean-up: removes partial downloads (and their sidecars) older than `max_age` whose
  // blob is not locked (younger ones are kept for the next pull to resume).
  size_t prune_stale_partials(std::chrono::hours max_age = std::chrono::hours(24));
  size_t count_blobs() const;

  // Space (store_space.cpp). `bytes`: what blobs/ takes on disk (allocated, as du counts it:
  // blobs, partial downloads, temporary files); `free_bytes`: what the volume has left.
  struct Usage {
    uint64_t bytes = 0;
    uint64_t free_bytes = UINT64_MAX;
  };
  Usage usage() const;
  // Checks that `incoming` more bytes fit under SLIMLLM_STORE_QUOTA and on the disk, `on_disk` of
  // them being there already (a partial download being resumed). Returns how many bytes the
  // operation may write in all (UINT64_MAX: no limit); throws StoreError kNoSpace (507) naming
  // `what`, the quota or the free space, and what to do.
  uint64_t check_room(uint64_t incoming, std::string_view what, uint64_t on_disk = 0) const;

  // Clean-up (store_cleanup.cpp), safe on a volume several replicas share.
  // Sets the modification time of each blob to now, so that a blob about to be referenced (by a
  // manifest being written, a create after an upload) is not pruned as unused; returns the
  // digests that are missing.
  std::vector<std::string> refresh_blobs(const std::vector<std::string>& digests);
  // Removes blobs no manifest references that have not been written or refreshed for the grace
  // period, unless OLLAMA_NOPRUNE, a live lock or a partial download says a writer may still
  // need them. Prunes nothing when a manifest cannot be read. Returns how many were removed.
  size_t prune_unused_blobs();
  // Removes temporary files (".tmp-" names, abandoned registry uploads) whose writer is known to
  // be dead, and those of other writers untouched for the grace period. Returns the count.
  size_t remove_dead_temporaries();
  // Everything above plus stale partial downloads; logs what it removed and returns the number
  // of unused blobs removed.
  size_t tidy();

 private:
  std::filesystem::path manifests_dir() const { return root_ / "manifests"; }
  std::filesystem::path blobs_dir() const { return root_ / "blobs"; }
  std::optional<std::filesystem::path> resolve_manifest(const ModelName& name) const;
  StoredModel load(const ModelName& name, const std::filesystem::path& path) const;
  std::vector<std::string> referenced_digests() const;

  std::filesystem::path root_;
  StorePolicy policy_;
};

// Writes `bytes` to `path` atomically (temp file in the same directory, fsync, rename).
void write_file_atomic(const std::filesystem::path& path, std::string_view bytes);

}  // namespace slimllm
