// A lock file per blob being written, so that processes sharing a store (replicas on one NFS
// volume) download a blob once: created with O_CREAT|O_EXCL (atomic on NFSv3+ too), holding
// "pid host unix-time". The holder touches its mtime while it works; a lock whose holder is a
// dead process on this host, or whose mtime has not moved for `stale_after`, is broken.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

namespace slimllm {

class BlobLock {
 public:
  static constexpr std::chrono::seconds kDefaultStaleAfter{600};

  // The lock, or nullopt when another writer holds a live one. A stale lock is broken (and
  // logged) first. Throws Error when the directory is not writable.
  static std::optional<BlobLock> try_acquire(const std::filesystem::path& path,
                                             std::chrono::seconds stale_after = kDefaultStaleAfter);
  // True when `path` exists and is not stale.
  static bool is_live(const std::filesystem::path& path,
                      std::chrono::seconds stale_after = kDefaultStaleAfter);

  BlobLock(BlobLock&& other) noexcept;
  BlobLock& operator=(BlobLock&&) = delete;
  ~BlobLock();

  // Touches the file's mtime so other writers see the holder is alive.
  void refresh();
  void release();

 private:
  explicit BlobLock(std::filesystem::path path) : path_(std::move(path)) {}
  std::filesystem::path path_;
};

}  // namespace slimllm
