// Temporary files in the store carry their writer: "<name>.tmp-<host>_<pid>_<instance>-<n>", so
// that start-up can tell a file a killed process left (same host, and its pid gone or reused by
// this process) from one a live writer on another replica of a shared volume is still writing.
// <instance> is random per process: in a container every server is pid 1, so the pid alone does
// not tell a restarted process from its predecessor.
#pragma once

#include <string>
#include <string_view>

namespace slimllm {

// ".tmp-<host>_<pid>_<instance>-<n>", n counting up within the process.
std::string temp_suffix();

enum class TempOwner {
  kThisProcess,  // ours: a write in progress
  kDead,         // this host, and the writer's process is gone (or its pid is now ours)
  kUnknown,      // another host, a live process here, or an older name without a tag
};

// Whose temporary file `filename` is (its name must contain ".tmp-").
TempOwner temp_owner(std::string_view filename);

}  // namespace slimllm
