// `slimllm bench` runs on a tiny synthetic model of every decoder family it loads (the presets of
// tools/synth_model, in Q8_0 as people run them): prompt processing and generation both report
// a speed, and generation its share of the bandwidth limit. Only that the figures exist and are
// consistent is checked; their size is the machine's.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli_run.h"
#include "synthetic_model.h"

namespace slimllm {
namespace {

class FamilyBench : public ::testing::TestWithParam<const char*> {};

TEST_P(FamilyBench, ReportsPromptAndGenerationSpeeds) {
  const std::string preset = GetParam();
  SyntheticSpec spec = synthetic_preset(preset);
  spec.recipe = "q8_0";
  const std::string path =
      ::testing::TempDir() + "/bench_" + preset + "_" + std::to_string(::getpid()) + ".gguf";
  write_synthetic_model(spec, path, 1);
  const testing::CliRun r =
      testing::run_binary("", "bench " + path + " -p 8 -n 4 -r 1 -t 1 --json");
  std::remove(path.c_str());
  ASSERT_EQ(r.status, 0) << r.output;
  const std::vector<nlohmann::json> lines = testing::json_lines_of(r.output);
  ASSERT_EQ(lines.size(), 2u) << r.output;
  EXPECT_EQ(lines[0]["test"], "pp8");
  EXPECT_EQ(lines[1]["test"], "tg4");
  for (const nlohmann::json& j : lines) {
    EXPECT_EQ(j["repetitions"], 1);
    EXPECT_GT(j["tokens_per_second"].get<double>(), 0) << j;
    EXPECT_GT(j["kv_cache_bytes"].get<uint64_t>(), 0u) << j;
  }
  EXPECT_GT(lines[1]["weight_bytes_per_token"].get<uint64_t>(), 0u);
  EXPECT_GT(lines[1]["limit_percent"].get<double>(), 0);
}

INSTANTIATE_TEST_SUITE_P(Presets, FamilyBench,
                         ::testing::Values("tiny-llama", "tiny-qwen2", "tiny-qwen3", "tiny-gemma2",
                                           "tiny-gemma3", "tiny-phi3", "tiny-granite"),
                         [](const auto& info) {
                           std::string name = info.param;
                           for (char& c : name)
                             if (c == '-') c = '_';
                           return name;
                         });

}  // namespace
}  // namespace slimllm
