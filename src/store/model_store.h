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
  // A mismatch deletes the upload and throws StoreError kInvalid with Ollama's message.
  using ByteSink = std::function<void(const char* data, size_t size)>;
  bool receive_blob(std::string_view digest, const std::function<void(const ByteSink&)>& produce);

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
  // blob is not locked, and temporary files of dead writers older than `max_age`.
  size_t prune_stale_partials(std::chrono::hours max_age = std::chrono::hours(24));
  size_t count_blobs() const;

 private:
  std::filesystem::path manifests_dir() const { return root_ / "manifests"; }
  std::filesystem::path blobs_dir() const { return root_ / "blobs"; }
  std::optional<std::filesystem::path> resolve_manifest(const ModelName& name) const;
  StoredModel load(const ModelName& name, const std::filesystem::path& path) const;
  std::vector<std::string> referenced_digests() const;

  std::filesystem::path root_;
};

// Writes `bytes` to `path` atomically (temp file in the same directory, fsync, rename).
void write_file_atomic(const std::filesystem::path& path, std::string_view bytes);

}  // namespace slimllm
