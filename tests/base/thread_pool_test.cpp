#include "base/thread_pool.h"

#include <gtest/gtest.h>

#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "base/error.h"

namespace slimllm {

TEST(ThreadPool, RunsEveryThreadOnce) {
  ThreadPool pool(3);
  for (int round = 0; round < 200; ++round) {
    std::vector<std::atomic<int>> hits(3);
    pool.run([&](int thread, int threads) {
      EXPECT_EQ(threads, 3);
      hits[thread].fetch_add(1);
    });
    for (auto& h : hits) ASSERT_EQ(h.load(), 1);
  }
}

TEST(ThreadPool, ParallelForCoversTheRangeOnceInGrains) {
  ThreadPool pool(2);
  for (int64_t n : {0, 1, 5, 31, 32, 33, 1000}) {
    std::vector<std::atomic<int>> seen(n);
    pool.parallel_for(
        n,
        [&](int64_t begin, int64_t end) {
          EXPECT_EQ(begin % 8, 0) << "ranges start on a grain";
          for (int64_t i = begin; i < end; ++i) seen[i].fetch_add(1);
        },
        8);
    for (int64_t i = 0; i < n; ++i) ASSERT_EQ(seen[i].load(), 1) << "n=" << n << " i=" << i;
  }
}

// Every call of a dynamic job happens inside its own run_dynamic call, on distinct indices, and
// the work taken from the shared counter is done exactly once whoever joins.
TEST(ThreadPool, RunDynamicJoinsOnlyWhileTheJobIsOpen) {
  ThreadPool pool(3);
  std::atomic<int> round{0};
  for (int r = 0; r < 500; ++r) {
    round.store(r);
    std::vector<std::atomic<int>> hits(3);
    std::atomic<int> next{0};
    std::vector<std::atomic<int>> items(64);
    pool.run_dynamic([&](int thread, int threads) {
      EXPECT_EQ(threads, 3);
      EXPECT_EQ(round.load(), r) << "a worker ran a job after its call returned";
      EXPECT_EQ(hits[thread].fetch_add(1), 0) << "thread " << thread << " joined twice";
      for (int i = next.fetch_add(1); i < 64; i = next.fetch_add(1)) items[i].fetch_add(1);
    });
    EXPECT_EQ(hits[0].load(), 1) << "the caller always takes part";
    for (auto& item : items) ASSERT_EQ(item.load(), 1);
  }
  round.store(-1);
  // Static and dynamic jobs mix on one pool.
  std::vector<std::atomic<int>> hits(3);
  pool.run([&](int thread, int) { hits[thread].fetch_add(1); });
  for (auto& h : hits) EXPECT_EQ(h.load(), 1);
}

TEST(ThreadPool, SingleThreadRunsOnCaller) {
  ThreadPool pool(1);
  int calls = 0;
  pool.run([&](int thread, int threads) {
    EXPECT_EQ(thread, 0);
    EXPECT_EQ(threads, 1);
    ++calls;
  });
  EXPECT_EQ(calls, 1);
  int64_t covered = 0;
  parallel_for(nullptr, 10, [&](int64_t b, int64_t e) { covered += e - b; });
  EXPECT_EQ(covered, 10);
}

}  // namespace slimllm

namespace slimllm {
namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kAddressSanitizer = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kAddressSanitizer = true;
#else
constexpr bool kAddressSanitizer = false;
#endif
#else
constexpr bool kAddressSanitizer = false;
#endif

// Limits the address space to what is in use plus about two thread stacks, then starts a pool of
// 64 threads; exits 0 when the pool refused with an Error, 2 when every thread started.
[[noreturn]] void start_pool_with_little_address_space() {
  long pages = 0;
  if (FILE* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%ld", &pages) != 1) pages = 0;
    std::fclose(f);
  }
  const rlim_t used = static_cast<rlim_t>(pages) * static_cast<rlim_t>(sysconf(_SC_PAGESIZE));
  const rlimit limit{used + (20u << 20), used + (20u << 20)};
  setrlimit(RLIMIT_AS, &limit);
  try {
    ThreadPool pool(64);
    std::fprintf(stderr, "all threads started\n");
    std::_Exit(2);
  } catch (const Error& e) {
    std::fprintf(stderr, "%s\n", e.what());
    std::_Exit(0);
  }
}

// In a child process whose address space has room for about two more thread stacks, a pool of 64
// threads cannot start: the constructor must throw an Error (and stop the threads it started)
// rather than end the process in std::terminate.
TEST(ThreadPoolDeathTest, AThreadThatCannotStartIsAnError) {
  if (kAddressSanitizer) GTEST_SKIP() << "AddressSanitizer needs the address space it reserved";
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(start_pool_with_little_address_space(), ::testing::ExitedWithCode(0),
              "cannot start thread [0-9]+ of 64");
}

}  // namespace
}  // namespace slimllm
