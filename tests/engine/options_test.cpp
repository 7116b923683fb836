#include "engine/options.h"

#include <gtest/gtest.h>

#include "base/error.h"

namespace slimllm {
namespace {

TEST(Options, DefaultsAreOllamas) {
  GenerateOptions o;
  EXPECT_EQ(o.num_ctx, 4096);
  EXPECT_EQ(o.num_keep, 4);
  EXPECT_EQ(o.num_predict, -1);
  EXPECT_FLOAT_EQ(o.sampling.temperature, 0.8f);
  EXPECT_EQ(o.sampling.top_k, 40);
  EXPECT_FLOAT_EQ(o.sampling.top_p, 0.9f);
  EXPECT_FLOAT_EQ(o.sampling.min_p, 0.0f);
  EXPECT_FLOAT_EQ(o.sampling.typical_p, 1.0f);
  EXPECT_EQ(o.sampling.repeat_last_n, 64);
  EXPECT_FLOAT_EQ(o.sampling.repeat_penalty, 1.1f);
  EXPECT_EQ(o.sampling.seed, -1);
}

TEST(Options, SetsByOllamaName) {
  GenerateOptions o;
  set_option(o, "temperature", "0");
  set_option(o, "num_predict", "64");
  set_option(o, "top_k", "5.0");
  set_option(o, "stop", "\n");
  set_option(o, "stop", "END");
  set_option(o, "seed", "42");
  set_option(o, "shift", "false");
  set_option(o, "mirostat", "2");  // removed upstream, accepted silently
  EXPECT_FALSE(o.use_mmap.has_value());
  set_option(o, "use_mmap", "false");
  EXPECT_EQ(o.sampling.temperature, 0.0f);
  EXPECT_EQ(o.num_predict, 64);
  EXPECT_EQ(o.sampling.top_k, 5);
  EXPECT_EQ(o.stop, (std::vector<std::string>{"\n", "END"}));
  EXPECT_EQ(o.sampling.seed, 42);
  EXPECT_FALSE(o.shift);
  EXPECT_EQ(o.use_mmap, std::optional<bool>(false));
}

TEST(Options, RejectsUnknownKeysAndBadValues) {
  GenerateOptions o;
  EXPECT_THROW(set_option(o, "temprature", "1"), Error);
  EXPECT_THROW(set_option(o, "top_k", "many"), Error);
  EXPECT_THROW(set_option(o, "top_k", "1.5"), Error);
  EXPECT_THROW(set_option(o, "top_p", "nan"), Error);
  EXPECT_THROW(set_option(o, "shift", "maybe"), Error);
}

}  // namespace
}  // namespace slimllm
