#include <gtest/gtest.h>

#include "api/api_error.h"
#include "api/duration.h"

namespace slimllm {
namespace {

TEST(Duration, ParsesGoDurations) {
  EXPECT_EQ(parse_go_duration("5m"), 300 * kNsPerSecond);
  EXPECT_EQ(parse_go_duration("1h30m"), 5400 * kNsPerSecond);
  EXPECT_EQ(parse_go_duration("0"), 0);
  EXPECT_EQ(parse_go_duration("1.5s"), 1500000000);
  EXPECT_EQ(parse_go_duration("-1m"), -60 * kNsPerSecond);
  EXPECT_EQ(parse_go_duration("300ms"), 300000000);
  EXPECT_EQ(parse_go_duration("2\xC2\xB5s"), 2000);
}

TEST(Duration, ReportsGoErrors) {
  auto message = [](const char* text) {
    try {
      parse_go_duration(text);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message("-1"), "time: missing unit in duration \"-1\"");
  EXPECT_EQ(message("abc"), "time: invalid duration \"abc\"");
  EXPECT_EQ(message("5x"), "time: unknown unit \"x\" in duration \"5x\"");
  EXPECT_EQ(message(""), "time: invalid duration \"\"");
}

TEST(Duration, FormatsLikeGo) {
  EXPECT_EQ(format_go_duration(0), "0s");
  EXPECT_EQ(format_go_duration(414019), "414.019\xC2\xB5s");
  EXPECT_EQ(format_go_duration(1200000000), "1.2s");
  EXPECT_EQ(format_go_duration(300 * kNsPerSecond), "5m0s");
  EXPECT_EQ(format_go_duration(114 * kNsPerSecond), "1m54s");
  EXPECT_EQ(format_go_duration(5400 * kNsPerSecond), "1h30m0s");
  EXPECT_EQ(format_go_duration(42295508500), "42.2955085s");
  EXPECT_EQ(format_go_duration(999), "999ns");
  EXPECT_EQ(format_go_duration(1500000), "1.5ms");
}

TEST(KeepAlive, AcceptsStringsAndNumbers) {
  EXPECT_EQ(parse_keep_alive("10m"), 600 * kNsPerSecond);
  EXPECT_EQ(parse_keep_alive(30), 30 * kNsPerSecond);
  EXPECT_EQ(parse_keep_alive(1.5), 1500000000);
  EXPECT_EQ(parse_keep_alive(-1), kForever);
  EXPECT_EQ(parse_keep_alive("-1m"), kForever);
  EXPECT_EQ(parse_keep_alive(0), 0);
  EXPECT_EQ(parse_keep_alive("0"), 0);
  EXPECT_THROW(parse_keep_alive("-1"), Error);
  EXPECT_THROW(parse_keep_alive(true), Error);
}

TEST(KeepAlive, ReadsTheEnvironment) {
  setenv("OLLAMA_KEEP_ALIVE", "10m", 1);
  EXPECT_EQ(keep_alive_from_env(), 600 * kNsPerSecond);
  setenv("OLLAMA_KEEP_ALIVE", "3600", 1);
  EXPECT_EQ(keep_alive_from_env(), 3600 * kNsPerSecond);
  setenv("OLLAMA_KEEP_ALIVE", "-1", 1);
  EXPECT_EQ(keep_alive_from_env(), kForever);
  unsetenv("OLLAMA_KEEP_ALIVE");
  EXPECT_EQ(keep_alive_from_env(), 300 * kNsPerSecond);
}

}  // namespace
}  // namespace slimllm
