// What this process may use, as the container runtime set it: the CPU quota and memory limit of
// its cgroup (v2 or v1) and its CPU affinity. A pod limited to 2 CPUs on a 64-core node must run 2
// threads, not 64.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace slimllm {

// cgroup v2 `cpu.max` ("max 100000" or "200000 100000") ⇒ CPUs allowed, or nullopt when unlimited
// or unreadable.
std::optional<double> parse_cpu_max(std::string_view text);
// cgroup v1 `cpu.cfs_quota_us` and `cpu.cfs_period_us` ⇒ CPUs allowed; quota -1 means unlimited.
std::optional<double> parse_cfs_quota(std::string_view quota, std::string_view period);
// cgroup v2 `memory.max` or v1 `memory.limit_in_bytes` ⇒ bytes; nullopt for "max" or the v1
// "unlimited" sentinel (a value near 2^63).
std::optional<uint64_t> parse_memory_limit(std::string_view text);

// The cgroup path of this process from /proc/self/cgroup contents: the v2 entry ("0::/path").
std::optional<std::string> parse_cgroup_v2_path(std::string_view proc_self_cgroup);

// CPU quota of the cgroup at `cgroup_dir` and its ancestors up to `root` (the smallest wins).
std::optional<double> cgroup_cpu_quota(const std::string& root, const std::string& cgroup_path);
std::optional<uint64_t> cgroup_memory_limit(const std::string& root,
                                            const std::string& cgroup_path);

// Threads to use: the CPUs in this process's affinity mask, capped by the cgroup CPU quota
// (rounded down, at least 1).
int available_cpus();
// Threads for a `num_thread`-style option: `requested` when positive, at most available_cpus();
// available_cpus() otherwise.
int threads_or_available(int requested);
// Bytes of memory this process may use: the cgroup limit when there is one, else physical memory.
uint64_t available_memory();

}  // namespace slimllm
