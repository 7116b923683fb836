#include "base/bandwidth.h"

#include <sys/mman.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <vector>

#include "base/clock.h"
#include "base/cpu.h"
#include "base/error.h"
#include "base/thread_pool.h"

namespace slimllm {
namespace {

constexpr int kStreams = 4;

// Unaligned: ReadPass reads ranges wherever a file puts them.
typedef long long Vec32 __attribute__((vector_size(32), aligned(1)));
typedef long long Vec16 __attribute__((vector_size(16), aligned(1)));

// Reads [begin, end) as kStreams interleaved streams, 64 bytes per stream per step. With
// `prefetch`, each stream also requests lines ahead as the decode kernels do (into L1 1 KB
// ahead, into L2 2 KB ahead). Neither reads faster on this project's machine type, but a kernel
// should never beat the "limit" by reading the way it does: the measurement keeps the best.
template <bool prefetch>
#if defined(__x86_64__)
__attribute__((target("avx2")))
#endif
uint64_t
read_avx2(const uint8_t* begin, size_t bytes) {
  size_t stream = bytes / kStreams / 64 * 64;
  Vec32 acc[kStreams * 2] = {};
  for (size_t offset = 0; offset < stream; offset += 64) {
    for (int s = 0; s < kStreams; ++s) {
      const uint8_t* line = begin + s * stream + offset;
      if constexpr (prefetch) {
        __builtin_prefetch(line + 1024, 0, 3);
        __builtin_prefetch(line + 2048, 0, 1);
      }
      const Vec32* p = reinterpret_cast<const Vec32*>(line);
      acc[2 * s] ^= p[0];
      acc[2 * s + 1] ^= p[1];
    }
  }
  uint64_t sum = 0;
  for (const Vec32& a : acc) sum += static_cast<uint64_t>(a[0] ^ a[1] ^ a[2] ^ a[3]);
  return sum;
}

uint64_t read_sse(const uint8_t* begin, size_t bytes) {
  size_t stream = bytes / kStreams / 64 * 64;
  Vec16 acc[kStreams * 4] = {};
  for (size_t offset = 0; offset < stream; offset += 64) {
    for (int s = 0; s < kStreams; ++s) {
      const Vec16* p = reinterpret_cast<const Vec16*>(begin + s * stream + offset);
      for (int k = 0; k < 4; ++k) acc[4 * s + k] ^= p[k];
    }
  }
  uint64_t sum = 0;
  for (const Vec16& a : acc) sum += static_cast<uint64_t>(a[0] ^ a[1]);
  return sum;
}

// Bytes read_avx2 / read_sse read of `bytes`: whole steps of 64 bytes in each stream.
size_t read_bytes(size_t bytes) {
  return bytes / kStreams / 64 * 64 * kStreams;
}

uint64_t read_pattern(const uint8_t* begin, size_t bytes, bool avx2, bool prefetch) {
  if (!avx2) return read_sse(begin, bytes);
  return prefetch ? read_avx2<true>(begin, bytes) : read_avx2<false>(begin, bytes);
}

// ReadPass chunks: large enough that a stream runs for many pages, small enough that the
// threads share a matrix's last chunks evenly.
constexpr size_t kChunkBytes = size_t{1} << 20;

}  // namespace

ReadPass::ReadPass(std::span<const std::span<const uint8_t>> ranges) {
  for (std::span<const uint8_t> range : ranges) {
    for (size_t off = 0; off < range.size(); off += kChunkBytes) {
      const size_t bytes = std::min(kChunkBytes, range.size() - off);
      if (read_bytes(bytes) == 0) continue;
      chunks_.push_back({range.data() + off, bytes});
      bytes_ += read_bytes(bytes);
    }
  }
}

double ReadPass::run(ThreadPool& pool) {
  sinks_.resize(static_cast<size_t>(pool.size()));
  const bool avx2 = cpu_features().avx2;
  const bool prefetch = passes_++ % 2 == 0;
  std::atomic<size_t> next{0};
  const int64_t start = now_ns();
  pool.run_dynamic([&](int t, int) {
    uint64_t sink = 0;
    for (size_t i = next.fetch_add(1, std::memory_order_relaxed); i < chunks_.size();
         i = next.fetch_add(1, std::memory_order_relaxed)) {
      sink += read_pattern(chunks_[i].begin, chunks_[i].bytes, avx2, prefetch);
    }
    sinks_[static_cast<size_t>(t)] += sink;
  });
  return static_cast<double>(now_ns() - start) / 1e9;
}

BandwidthResult measure_read_bandwidth(ThreadPool& pool, size_t bytes, int repetitions) {
  bytes = bytes / (64 * kStreams * 64) * (64 * kStreams * 64);
  if (bytes == 0 || repetitions < 1) fail("measure_read_bandwidth: nothing to measure");
  void* memory = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (memory == MAP_FAILED) fail("measure_read_bandwidth: cannot allocate ", bytes, " bytes");
  uint8_t* buffer = static_cast<uint8_t*>(memory);
  const int threads = pool.size();
  // Touch every page from the thread that will read it (first-touch placement), with non-zero data.
  pool.run([&](int t, int n) {
    size_t slice = bytes / n;
    std::memset(buffer + t * slice, 0x5a + t, slice);
  });
  const bool avx2 = cpu_features().avx2;
  std::vector<double> rates;
  std::vector<uint64_t> sinks(threads);
  // Repetition 0 warms up; then the two AVX2 read patterns alternate.
  for (int r = 0; r < repetitions + 1; ++r) {
    int64_t start = now_ns();
    pool.run([&](int t, int n) {
      size_t slice = bytes / n / 64 * 64;
      const uint8_t* begin = buffer + t * slice;
      sinks[t] += read_pattern(begin, slice, avx2, r % 2 == 0);
    });
    int64_t elapsed = now_ns() - start;
    if (r > 0) rates.push_back(static_cast<double>(bytes) / static_cast<double>(elapsed));  // GB/s
  }
  ::munmap(memory, bytes);
  volatile uint64_t sink = 0;
  for (uint64_t s : sinks) sink = sink + s;
  std::sort(rates.begin(), rates.end());
  BandwidthResult result;
  result.gb_per_s = rates.back();
  result.median_gb_per_s = rates[rates.size() / 2];
  result.bytes = bytes;
  result.threads = threads;
  return result;
}

}  // namespace slimllm
