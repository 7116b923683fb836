// Measures the machine's memory read bandwidth, the ceiling of decode speed: every generated token
// reads every weight once. Benchmarks report their speed against this figure, measured in the
// same run.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

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

// The time the machine takes just to read a fixed set of byte ranges, such as the weight
// matrices one generated token reads, with the measurement's read pattern: the ranges in chunks
// handed to the threads of a pool from a shared counter (as the kernels split a matrix), each
// chunk read as a few sequential streams. Passes alternate the two patterns of
// measure_read_bandwidth (with and without software prefetches).
//
// The machine's bandwidth moves within seconds when other tenants share its memory, so a figure
// measured apart from a workload, or the best of a few short samples, is no fair ceiling for it:
// a pass right after each generated token sees the same conditions as the token did.
class ReadPass {
 public:
  explicit ReadPass(std::span<const std::span<const uint8_t>> ranges);

  // Reads every range once; returns the seconds it took.
  double run(ThreadPool& pool);
  // Bytes one pass reads (each chunk is read in whole 256-byte steps; a range's last few bytes
  // may be left out).
  uint64_t bytes() const { return bytes_; }

 private:
  struct Chunk {
    const uint8_t* begin;
    size_t bytes;
  };
  std::vector<Chunk> chunks_;
  uint64_t bytes_ = 0;
  uint64_t passes_ = 0;
  std::vector<uint64_t> sinks_;
};

}  // namespace slimllm
