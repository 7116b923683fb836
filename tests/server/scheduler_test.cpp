// The scheduler with a fake runner: loading, reuse, reload, eviction, keep_alive, the queue.
#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "engine/scheduler.h"
#include "fake_runner.h"

namespace slimllm {
namespace {

using testing::FakeFactory;
using testing::FakeState;

ModelSpec spec(const std::string& name) {
  return ModelSpec{name, "/models/" + name, 1000};
}

SchedulerConfig config(int parallel = 1, size_t queue = 8, int loaded = 3) {
  SchedulerConfig c;
  c.num_parallel = parallel;
  c.max_queue = queue;
  c.max_loaded_models = loaded;
  c.memory_budget = 1'000'000;
  c.default_keep_alive_ns = std::numeric_limits<int64_t>::max();
  return c;
}

TEST(Scheduler, LoadsOnFirstUseAndReuses) {
  FakeState state;
  Scheduler s(config(), std::make_shared<FakeFactory>(state));
  { RunnerLease a = s.acquire(spec("a"), {}, std::nullopt); }
  { RunnerLease b = s.acquire(spec("a"), {}, std::nullopt); }
  EXPECT_EQ(state.loads, 1);
  ASSERT_EQ(s.loaded().size(), 1u);
  EXPECT_EQ(s.loaded()[0].spec.name, "a");
  EXPECT_EQ(s.loaded()[0].expires_at, std::chrono::system_clock::time_point::max());
}

TEST(Scheduler, ReloadsOnlyWhenALoadTimeOptionChanges) {
  FakeState state;
  Scheduler s(config(), std::make_shared<FakeFactory>(state));
  LoadOptions small;
  small.num_ctx = 512;
  s.acquire(spec("a"), small, std::nullopt);
  s.acquire(spec("a"), small, std::nullopt);
  EXPECT_EQ(state.loads, 1);
  LoadOptions big = small;
  big.num_ctx = 1024;
  s.acquire(spec("a"), big, std::nullopt);
  EXPECT_EQ(state.loads, 2);
  EXPECT_EQ(state.unloads, 1);
  EXPECT_EQ(state.load_options.back().num_ctx, 1024);
  EXPECT_EQ(s.loaded()[0].context_length, 1024);
}

TEST(Scheduler, EvictsTheLeastRecentlyUsedIdleModel) {
  FakeState state;
  Scheduler s(config(1, 8, 2), std::make_shared<FakeFactory>(state));
  s.acquire(spec("a"), {}, std::nullopt);
  s.acquire(spec("b"), {}, std::nullopt);
  s.acquire(spec("a"), {}, std::nullopt);  // b is now the least recently used
  s.acquire(spec("c"), {}, std::nullopt);
  std::vector<std::string> names;
  for (const auto& m : s.loaded()) names.push_back(m.spec.name);
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"a", "c"}));
  EXPECT_EQ(state.unloads, 1);
}

TEST(Scheduler, EvictsUnderTheMemoryBudget) {
  FakeState state;
  state.model_bytes = 600'000;
  Scheduler s(config(), std::make_shared<FakeFactory>(state));
  s.acquire(spec("a"), {}, std::nullopt);
  s.acquire(spec("b"), {}, std::nullopt);
  ASSERT_EQ(s.loaded().size(), 1u);
  EXPECT_EQ(s.loaded()[0].spec.name, "b");
}

TEST(Scheduler, RefusesAModelThatCannotFit) {
  FakeState state;
  state.model_bytes = 2'000'000;
  Scheduler s(config(), std::make_shared<FakeFactory>(state));
  try {
    s.acquire(spec("huge"), {}, std::nullopt);
    FAIL();
  } catch (const SchedulerError& e) {
    EXPECT_EQ(e.status(), 500);
    EXPECT_NE(
        std::string(e.what()).find("model requires more system memory (1.9 MiB) than is available"),
        std::string::npos);
  }
  EXPECT_EQ(state.loads, 0);
  EXPECT_EQ(s.queued(), 0u);
}

TEST(Scheduler, KeepAliveZeroUnloadsWhenTheRequestEnds) {
  FakeState state;
  Scheduler s(config(), std::make_shared<FakeFactory>(state));
  {
    RunnerLease lease = s.acquire(spec("a"), {}, 0);
    EXPECT_EQ(s.loaded().size(), 1u);
  }
  EXPECT_TRUE(s.loaded().empty());
  EXPECT_EQ(state.unloads, 1);
}

TEST(Scheduler, ExpireUnloadsIdleNowAndBusyLater) {
  FakeState state;
  Scheduler s(config(), std::make_shared<FakeFactory>(state));
  s.acquire(spec("a"), {}, std::nullopt);
  EXPECT_TRUE(s.expire("/models/a"));
  EXPECT_TRUE(s.loaded().empty());
  EXPECT_FALSE(s.expire("/models/a"));
  RunnerLease busy = s.acquire(spec("a"), {}, std::nullopt);
  EXPECT_TRUE(s.expire("/models/a"));
  EXPECT_EQ(s.loaded().size(), 1u);
  busy.release();
  EXPECT_TRUE(s.loaded().empty());
}

TEST(Scheduler, KeepAliveTimerUnloadsIdleModels) {
  FakeState state;
  Scheduler s(config(), std::make_shared<FakeFactory>(state));
  s.acquire(spec("a"), {}, 1);  // one nanosecond
  std::unique_lock lock(state.mutex);
  EXPECT_TRUE(
      state.changed.wait_for(lock, std::chrono::seconds(30), [&] { return state.unloads == 1; }));
}

TEST(Scheduler, QueuesInOrderAndRefusesBeyondMaxQueue) {
  FakeState state;
  Scheduler s(config(1, 2), std::make_shared<FakeFactory>(state));
  auto holder = std::make_unique<RunnerLease>(s.acquire(spec("a"), {}, std::nullopt));
  std::vector<int> order;
  std::mutex order_mutex;
  auto waiter = [&](int id) {
    return std::async(std::launch::async, [&, id] {
      RunnerLease lease = s.acquire(spec("a"), {}, std::nullopt);
      std::lock_guard lock(order_mutex);
      order.push_back(id);
    });
  };
  auto first = waiter(1);
  ASSERT_TRUE(s.wait_for_queued(1, std::chrono::seconds(30)));
  auto second = waiter(2);
  ASSERT_TRUE(s.wait_for_queued(2, std::chrono::seconds(30)));
  try {
    s.acquire(spec("a"), {}, std::nullopt);
    FAIL();
  } catch (const SchedulerError& e) {
    EXPECT_EQ(e.status(), 503);
    EXPECT_STREQ(e.what(), "server busy, please try again.  maximum pending requests exceeded");
  }
  holder.reset();
  first.get();
  second.get();
  EXPECT_EQ(order, (std::vector<int>{1, 2}));
  EXPECT_EQ(s.queued(), 0u);
}

TEST(Scheduler, ParallelSlotsRunTogether) {
  FakeState state;
  Scheduler s(config(2), std::make_shared<FakeFactory>(state));
  RunnerLease a = s.acquire(spec("a"), {}, std::nullopt);
  RunnerLease b = s.acquire(spec("a"), {}, std::nullopt);  // would block with one slot
  EXPECT_EQ(s.loaded()[0].active, 2);
  EXPECT_EQ(s.loaded()[0].options.num_parallel, 2);
}

TEST(Scheduler, CancelledWaiterLeavesTheQueue) {
  FakeState state;
  Scheduler s(config(1, 4), std::make_shared<FakeFactory>(state));
  RunnerLease holder = s.acquire(spec("a"), {}, std::nullopt);
  std::atomic<bool> cancel{false};
  auto waiting = std::async(std::launch::async, [&] {
    try {
      s.acquire(spec("a"), {}, std::nullopt, [&] { return cancel.load(); });
    } catch (const SchedulerError& e) {
      return e.status();
    }
    return 0;
  });
  ASSERT_TRUE(s.wait_for_queued(1, std::chrono::seconds(30)));
  cancel = true;
  EXPECT_EQ(waiting.get(), 499);
  EXPECT_EQ(s.queued(), 0u);
}

TEST(Scheduler, LoadFailureIsReported) {
  struct Failing : RunnerFactory {
    uint64_t estimate_bytes(const ModelSpec&, const LoadOptions&) override { return 1; }
    std::unique_ptr<Runner> load(const ModelSpec&, const LoadOptions&) override {
      fail("bad tensor");
    }
  };
  Scheduler s(config(), std::make_shared<Failing>());
  try {
    s.acquire(spec("a"), {}, std::nullopt);
    FAIL();
  } catch (const SchedulerError& e) {
    EXPECT_EQ(e.status(), 500);
    EXPECT_STREQ(e.what(), "bad tensor");
  }
  EXPECT_TRUE(s.loaded().empty());
}

}  // namespace
}  // namespace slimllm
