// ModelStore's space accounting: SLIMLLM_STORE_QUOTA and the volume's free space, checked before
// a blob or a pull is accepted so that the disk never fills (a full volume shared by replicas
// would break every writer on it, and the kubelet evicts pods whose emptyDir overflows).
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "base/strings.h"
#include "store/model_store.h"
#include "store/store_error.h"

namespace fs = std::filesystem;

namespace slimllm {

ModelStore::Usage ModelStore::usage() const {
  Usage u;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(blobs_dir(), ec)) {
    struct stat st {};
    if (::stat(entry.path().c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    u.bytes += static_cast<uint64_t>(st.st_blocks) * 512;
  }
  struct statvfs vfs {};
  fs::path probe = fs::exists(blobs_dir(), ec) ? blobs_dir() : root_;
  while (!probe.empty() && !fs::exists(probe, ec) && probe != probe.parent_path()) {
    probe = probe.parent_path();
  }
  if (::statvfs(probe.c_str(), &vfs) == 0) {
    u.free_bytes = static_cast<uint64_t>(vfs.f_bavail) * vfs.f_frsize;
  }
  return u;
}

uint64_t ModelStore::check_room(uint64_t incoming, std::string_view what, uint64_t on_disk) const {
  Usage u = usage();
  on_disk = std::min(on_disk, u.bytes);
  const uint64_t more = incoming > on_disk ? incoming - on_disk : 0;
  uint64_t room = UINT64_MAX;
  if (policy_.quota_bytes > 0) {
    uint64_t used = u.bytes - on_disk;
    uint64_t quota_room = used >= policy_.quota_bytes ? 0 : policy_.quota_bytes - used;
    if (incoming > quota_room || quota_room == 0) {
      fail_no_space(str_cat(
          "the model store is over its quota: ", what, " needs ", human_bytes(more),
          " more, and ", human_bytes(u.bytes), " of SLIMLLM_STORE_QUOTA=",
          human_bytes(policy_.quota_bytes), " is in use; remove models you no longer need "
          "(ollama rm) or ask the operator to raise SLIMLLM_STORE_QUOTA"));
    }
    room = quota_room;
  }
  if (u.free_bytes != UINT64_MAX) {
    uint64_t disk_room = u.free_bytes > UINT64_MAX - on_disk ? UINT64_MAX : u.free_bytes + on_disk;
    if (incoming > disk_room || u.free_bytes == 0) {
      fail_no_space(str_cat("not enough disk space for ", what, ": it needs ",
                            human_bytes(more), " and the model store's volume has ",
                            human_bytes(u.free_bytes), " free; remove models you no longer need "
                            "(ollama rm) or give the store a larger volume"));
    }
    room = std::min(room, disk_room);
  }
  return room;
}

}  // namespace slimllm
