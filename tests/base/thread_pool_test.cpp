#include "base/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <vector>

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
