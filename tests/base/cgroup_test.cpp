#include "base/cgroup.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace slimllm {

const std::string kRoot = std::string(SLIMLLM_DATA) + "/cgroup";

TEST(Cgroup, ParsesCpuMax) {
  EXPECT_FALSE(parse_cpu_max("max 100000\n"));
  EXPECT_DOUBLE_EQ(*parse_cpu_max("200000 100000\n"), 2.0);
  EXPECT_DOUBLE_EQ(*parse_cpu_max("50000 100000"), 0.5);
  EXPECT_FALSE(parse_cpu_max("garbage"));
  EXPECT_FALSE(parse_cpu_max(""));
}

TEST(Cgroup, ParsesCfsQuota) {
  EXPECT_FALSE(parse_cfs_quota("-1\n", "100000\n"));
  EXPECT_DOUBLE_EQ(*parse_cfs_quota("400000\n", "100000\n"), 4.0);
}

TEST(Cgroup, ParsesMemoryLimit) {
  EXPECT_FALSE(parse_memory_limit("max\n"));
  EXPECT_EQ(*parse_memory_limit("4294967296\n"), 4294967296u);
  EXPECT_FALSE(parse_memory_limit("9223372036854771712\n")) << "v1's 'unlimited'";
}

TEST(Cgroup, FindsOwnPath) {
  EXPECT_EQ(*parse_cgroup_v2_path("0::/kubepods/pod1\n"), "/kubepods/pod1");
  EXPECT_EQ(*parse_cgroup_v2_path("12:cpu:/x\n0::/\n"), "/");
  EXPECT_FALSE(parse_cgroup_v2_path("12:cpu:/x\n"));
}

TEST(Cgroup, SmallestQuotaOnThePathWins) {
  // The pod allows 2.5 CPUs, its parent 2: the parent's limit binds.
  EXPECT_DOUBLE_EQ(*cgroup_cpu_quota(kRoot + "/v2", "/kubepods/pod1"), 2.0);
  EXPECT_EQ(*cgroup_memory_limit(kRoot + "/v2", "/kubepods/pod1"), 4294967296u);
  EXPECT_FALSE(cgroup_cpu_quota(kRoot + "/v2", "/"));
}

TEST(Cgroup, ReadsV1Layout) {
  EXPECT_DOUBLE_EQ(*cgroup_cpu_quota(kRoot + "/v1", "/"), 1.5);
  EXPECT_FALSE(cgroup_memory_limit(kRoot + "/v1", "/"));
}

TEST(Cgroup, AvailableCpusIsPositive) {
  EXPECT_GE(available_cpus(), 1);
  EXPECT_GT(available_memory(), 0u);
}

TEST(Cgroup, NumThreadChoosesUpToTheAvailableCpus) {
  EXPECT_EQ(threads_or_available(1), 1);
  EXPECT_EQ(threads_or_available(3), std::min(3, available_cpus()));
  EXPECT_EQ(threads_or_available(0), available_cpus());
  EXPECT_EQ(threads_or_available(-2), available_cpus());
  // A request for thousands of threads gets the CPUs there are.
  EXPECT_EQ(threads_or_available(5000), available_cpus());
  EXPECT_EQ(threads_or_available(100000), available_cpus());
}

}  // namespace slimllm
