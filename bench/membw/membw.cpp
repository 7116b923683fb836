// Prints the memory read bandwidth for 1..N threads: the ceiling for decode speed.
#include <cstdio>
#include <cstdlib>

#include "base/bandwidth.h"
#include "base/cgroup.h"
#include "base/thread_pool.h"

int main(int argc, char** argv) {
  int max_threads = argc > 1 ? std::atoi(argv[1]) : slimllm::available_cpus();
  for (int t = 1; t <= max_threads; ++t) {
    slimllm::ThreadPool pool(t);
    auto r = slimllm::measure_read_bandwidth(pool);
    std::printf("threads=%d read_bandwidth_gb_per_s=%.1f median=%.1f buffer_mib=%zu\n", t,
                r.gb_per_s, r.median_gb_per_s, r.bytes >> 20);
  }
  return 0;
}
