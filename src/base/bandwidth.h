// Measures the machine's memory read bandwidth, the ceiling of decode speed: every generated token
// reads every weight once. Benchmarks report their speed against this figure, measured in the
// same run.
#pragma once

#include <cstddef>

namespace slimllm {

class ThreadPool;

struct BandwidthResult {
  double gb_per_s = 0;  // best of the repetitions, 1e9 bytes per second
  double median_gb_per_s = 0;
  size_t bytes = 0;  // buffer size read per repetition
  int threads = 1;
};

// Reads a buffer of `bytes` (far larger than the caches) with every thread of `pool`, several
// independent streams per thread, `repetitions` times.
BandwidthResult measure_read_bandwidth(ThreadPool& pool, size_t bytes = size_t{1} << 30,
                                       int repetitions = 5);

}  // namespace slimllm
