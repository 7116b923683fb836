#include "store/blob_lock.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>

#include "base/error.h"
#include "base/log.h"
#include "base/strings.h"

namespace fs = std::filesystem;

namespace slimllm {
namespace {

std::string host_name() {
  char buf[256] = {};
  if (gethostname(buf, sizeof(buf) - 1) != 0) return "unknown";
  return buf;
}

std::string lock_text() {
  return str_cat(getpid(), " ", host_name(), " ", static_cast<long long>(std::time(nullptr)), "\n");
}

struct Holder {
  long pid = 0;
  std::string host;
  long long time = 0;
};

std::optional<Holder> read_holder(const fs::path& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  Holder h;
  if (!(in >> h.pid >> h.host >> h.time)) return Holder{};  // being written, or cut short
  return h;
}

bool stale(const fs::path& path, const Holder& h, std::chrono::seconds stale_after) {
  if (h.pid > 0 && h.host == host_name() && kill(static_cast<pid_t>(h.pid), 0) != 0 &&
      errno == ESRCH) {
    return true;  // its process is gone
  }
  // The newer of the recorded time and the file's mtime (refresh rewrites both).
  long long newest = h.time;
  std::error_code ec;
  auto mtime = fs::last_write_time(path, ec);
  if (!ec) {
    auto sys = std::chrono::time_point_cast<std::chrono::seconds>(
        mtime - fs::file_time_type::clock::now() + std::chrono::system_clock::now());
    newest = std::max<long long>(newest, sys.time_since_epoch().count());
  }
  // A lock without content is either being written right now or was cut short by a crash.
  long long limit = h.pid == 0 ? std::min<long long>(stale_after.count(), 30) : stale_after.count();
  return std::time(nullptr) - newest > limit;
}

bool create_exclusive(const fs::path& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    if (errno == EEXIST) return false;
    fail("cannot create lock ", path.string(), ": ", std::strerror(errno));
  }
  std::string text = lock_text();
  ssize_t n = ::write(fd, text.data(), text.size());
  (void)n;
  ::fsync(fd);
  ::close(fd);
  return true;
}

}  // namespace

std::optional<BlobLock> BlobLock::try_acquire(const fs::path& path,
                                              std::chrono::seconds stale_after) {
  fs::create_directories(path.parent_path());
  if (create_exclusive(path)) return BlobLock(path);
  std::optional<Holder> holder = read_holder(path);
  if (!holder) {
    // Released between our attempts: try once more.
    if (create_exclusive(path)) return BlobLock(path);
    return std::nullopt;
  }
  if (!stale(path, *holder, stale_after)) return std::nullopt;
  // Break it by renaming to a name of our own, so two breakers cannot both delete a lock that a
  // third writer has just created.
  fs::path aside = path;
  aside += str_cat(".stale-", getpid(), "-", std::time(nullptr));
  std::error_code ec;
  fs::rename(path, aside, ec);
  if (ec) return std::nullopt;
  log_warn("removed a stale blob lock", {{"lock", path.string()},
                                         {"pid", static_cast<long long>(holder->pid)},
                                         {"host", holder->host}});
  fs::remove(aside, ec);
  if (create_exclusive(path)) return BlobLock(path);
  return std::nullopt;
}

bool BlobLock::is_live(const fs::path& path, std::chrono::seconds stale_after) {
  std::optional<Holder> holder = read_holder(path);
  if (!holder) return false;
  return !stale(path, *holder, stale_after);
}

BlobLock::BlobLock(BlobLock&& other) noexcept : path_(std::move(other.path_)) {
  other.path_.clear();
}

BlobLock::~BlobLock() {
  release();
}

void BlobLock::refresh() {
  if (path_.empty()) return;
  // Only the mtime moves: rewriting the content could leave it empty if we were killed midway,
  // and an unreadable lock would look alive to the others.
  std::error_code ec;
  fs::last_write_time(path_, fs::file_time_type::clock::now(), ec);
}

void BlobLock::release() {
  if (path_.empty()) return;
  std::error_code ec;
  fs::remove(path_, ec);
  path_.clear();
}

}  // namespace slimllm
