#include "cli/bench_util.h"

#include <sys/resource.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <random>

#include "base/strings.h"

namespace slimllm {

Stats stats_of(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  Stats s;
  if (values.empty()) return s;
  s.min = values.front();
  s.max = values.back();
  size_t n = values.size();
  s.median = n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
  return s;
}

// Peak resident set size so far, from /proc (falls back to getrusage).
uint64_t peak_rss_bytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (str_starts_with(line, "VmHWM:")) return std::stoull(line.substr(6)) * 1024;
  }
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<uint64_t>(usage.ru_maxrss) * 1024;
}

std::string dominant_type(const Model& model) {
  std::map<std::string, uint64_t> by_type;
  for (const WeightView* w : model.weights().matrices()) {
    if (!w->empty())
      by_type[std::string(dtype_name(w->type))] += w->rows * row_bytes(w->type, w->cols);
  }
  std::string best;
  uint64_t most = 0;
  for (const auto& [name, bytes] : by_type) {
    if (bytes > most) {
      most = bytes;
      best = name;
    }
  }
  return best;
}

std::vector<int32_t> random_tokens(int count, int64_t vocab, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int32_t> pick(0, static_cast<int32_t>(vocab - 1));
  std::vector<int32_t> ids(count);
  for (int32_t& id : ids) id = pick(rng);
  return ids;
}

}  // namespace slimllm
