#include "base/cgroup.h"

#include <sched.h>
#include <unistd.h>

#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>
#include <thread>

#include "base/strings.h"

namespace slimllm {
namespace {

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::optional<int64_t> parse_int(std::string_view text) {
  text = str_trim(text);
  int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// The directories from the cgroup's own up to the root, each as root + path.
template <typename F>
void walk_up(const std::string& root, std::string path, F&& visit) {
  while (true) {
    visit(root + (path == "/" ? "" : path));
    if (path.empty() || path == "/") return;
    size_t slash = path.find_last_of('/');
    path = slash == 0 || slash == std::string::npos ? "/" : path.substr(0, slash);
  }
}

}  // namespace

std::optional<double> parse_cpu_max(std::string_view text) {
  auto parts = str_split(str_trim(text), ' ');
  if (parts.empty() || parts[0] == "max") return std::nullopt;
  auto quota = parse_int(parts[0]);
  auto period = parts.size() > 1 ? parse_int(parts[1]) : std::optional<int64_t>(100000);
  if (!quota || !period || *quota <= 0 || *period <= 0) return std::nullopt;
  return static_cast<double>(*quota) / static_cast<double>(*period);
}

std::optional<double> parse_cfs_quota(std::string_view quota_text, std::string_view period_text) {
  auto quota = parse_int(quota_text);
  auto period = parse_int(period_text);
  if (!quota || !period || *quota <= 0 || *period <= 0) return std::nullopt;
  return static_cast<double>(*quota) / static_cast<double>(*period);
}

std::optional<uint64_t> parse_memory_limit(std::string_view text) {
  text = str_trim(text);
  if (text == "max") return std::nullopt;
  auto value = parse_int(text);
  if (!value || *value <= 0) return std::nullopt;
  // cgroup v1 reports "no limit" as the largest page-aligned int64.
  if (*value >= (int64_t{1} << 62)) return std::nullopt;
  return static_cast<uint64_t>(*value);
}

std::optional<std::string> parse_cgroup_v2_path(std::string_view contents) {
  for (const std::string& line : str_split(contents, '\n')) {
    if (str_starts_with(line, "0::")) return line.substr(3);
  }
  return std::nullopt;
}

std::optional<double> cgroup_cpu_quota(const std::string& root, const std::string& cgroup_path) {
  std::optional<double> best;
  auto consider = [&best](std::optional<double> q) {
    if (q && (!best || *q < *best)) best = q;
  };
  walk_up(root, cgroup_path, [&](const std::string& dir) {
    if (auto text = read_file(dir + "/cpu.max")) consider(parse_cpu_max(*text));
  });
  // cgroup v1 layouts mount the cpu controller under its own folder.
  for (const char* controller : {"/cpu", "/cpu,cpuacct"}) {
    auto quota = read_file(root + controller + "/cpu.cfs_quota_us");
    auto period = read_file(root + controller + "/cpu.cfs_period_us");
    if (quota && period) consider(parse_cfs_quota(*quota, *period));
  }
  return best;
}

std::optional<uint64_t> cgroup_memory_limit(const std::string& root,
                                            const std::string& cgroup_path) {
  std::optional<uint64_t> best;
  auto consider = [&best](std::optional<uint64_t> m) {
    if (m && (!best || *m < *best)) best = m;
  };
  walk_up(root, cgroup_path, [&](const std::string& dir) {
    if (auto text = read_file(dir + "/memory.max")) consider(parse_memory_limit(*text));
  });
  if (auto text = read_file(root + "/memory/memory.limit_in_bytes"))
    consider(parse_memory_limit(*text));
  return best;
}

static std::string own_cgroup_path() {
  auto contents = read_file("/proc/self/cgroup");
  if (!contents) return "/";
  return parse_cgroup_v2_path(*contents).value_or("/");
}

int available_cpus() {
  int cpus = 0;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) cpus = CPU_COUNT(&set);
  if (cpus <= 0) cpus = static_cast<int>(std::thread::hardware_concurrency());
  if (cpus <= 0) cpus = 1;
  if (auto quota = cgroup_cpu_quota("/sys/fs/cgroup", own_cgroup_path())) {
    int limit = static_cast<int>(std::floor(*quota));
    if (limit < 1) limit = 1;
    if (limit < cpus) cpus = limit;
  }
  return cpus;
}

int threads_or_available(int requested) {
  // More threads than CPUs only makes them wait for each other (and thousands of them can fail
  // to start), so a larger request gets the CPUs there are.
  const int cpus = available_cpus();
  return requested > 0 && requested < cpus ? requested : cpus;
}

uint64_t available_memory() {
  long pages = sysconf(_SC_PHYS_PAGES);
  long page_size = sysconf(_SC_PAGE_SIZE);
  uint64_t physical = pages > 0 && page_size > 0 ? static_cast<uint64_t>(pages) * page_size : 0;
  if (auto limit = cgroup_memory_limit("/sys/fs/cgroup", own_cgroup_path())) {
    if (physical == 0 || *limit < physical) return *limit;
  }
  return physical;
}

}  // namespace slimllm
