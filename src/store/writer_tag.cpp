#include "store/writer_tag.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <random>

#include "base/strings.h"

namespace slimllm {
namespace {

std::string host_tag() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "unknown";
  std::string out;
  for (const char* p = buf; *p; ++p) {
    char c = *p;
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-';
    out += ok ? c : '-';
  }
  return out.empty() ? "unknown" : out;
}

const std::string& instance() {
  static const std::string id = [] {
    std::random_device rd;
    return str_printf("%08x", static_cast<unsigned>(rd()));
  }();
  return id;
}

}  // namespace

std::string temp_suffix() {
  static std::atomic<uint64_t> counter{0};
  return str_cat(".tmp-", host_tag(), "_", getpid(), "_", instance(), "-", counter++);
}

namespace {

// The owner a ".tmp-<host>_<pid>_<instance>-<n>" tag at `at` names (kUnknown when it is not one).
TempOwner owner_at(std::string_view filename, size_t at) {
  std::string_view tag = filename.substr(at + 5);
  if (size_t next = tag.find(".tmp-"); next != std::string_view::npos) tag = tag.substr(0, next);
  size_t dash = tag.rfind('-');
  if (dash == std::string_view::npos) return TempOwner::kUnknown;
  tag = tag.substr(0, dash);  // host_pid_instance
  size_t second = tag.rfind('_');
  if (second == std::string_view::npos) return TempOwner::kUnknown;
  size_t first = tag.rfind('_', second - 1);
  if (first == std::string_view::npos || second == 0) return TempOwner::kUnknown;
  std::string_view host = tag.substr(0, first);
  std::string pid_text(tag.substr(first + 1, second - first - 1));
  std::string_view inst = tag.substr(second + 1);
  if (host != host_tag()) return TempOwner::kUnknown;
  char* end = nullptr;
  long pid = std::strtol(pid_text.c_str(), &end, 10);
  if (pid_text.empty() || !end || *end != '\0' || pid <= 0) return TempOwner::kUnknown;
  if (pid == static_cast<long>(getpid())) {
    return inst == instance() ? TempOwner::kThisProcess : TempOwner::kDead;
  }
  if (kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) return TempOwner::kDead;
  return TempOwner::kUnknown;
}

}  // namespace

// A writer may add its own ".tmp-" to a name that has ours (the GGUF writer behind quantize):
// the first tag that parses decides.
TempOwner temp_owner(std::string_view filename) {
  for (size_t at = filename.find(".tmp-"); at != std::string_view::npos;
       at = filename.find(".tmp-", at + 5)) {
    TempOwner owner = owner_at(filename, at);
    if (owner != TempOwner::kUnknown) return owner;
  }
  return TempOwner::kUnknown;
}

}  // namespace slimllm
