// How a model file is held for inference (the option use_mmap), and that both ways load the
// same model.
#include "engine/loaded_model.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace slimllm {
namespace {

constexpr uint64_t kGiB = uint64_t{1} << 30;

TEST(WeightsAccess, TheOptionDecidesWhenSet) {
  EXPECT_EQ(weights_access(true, 1 * kGiB, 64 * kGiB), FileAccess::kMap);
  EXPECT_EQ(weights_access(false, 1 * kGiB, 64 * kGiB), FileAccess::kRead);
  // Asked to read, it reads even a file that takes all the memory.
  EXPECT_EQ(weights_access(false, 8 * kGiB, 4 * kGiB), FileAccess::kRead);
}

TEST(WeightsAccess, UnsetReadsWhatFitsInThreeQuartersOfTheMemory) {
  // The user's pod: 4 GiB, a 2 GB model and a 1.3 GB one.
  EXPECT_EQ(weights_access(std::nullopt, 1'929'902'432, 4 * kGiB), FileAccess::kRead);
  EXPECT_EQ(weights_access(std::nullopt, 1'321'000'000, 4 * kGiB), FileAccess::kRead);
  EXPECT_EQ(weights_access(std::nullopt, 3 * kGiB, 4 * kGiB), FileAccess::kRead);
  EXPECT_EQ(weights_access(std::nullopt, 3 * kGiB + 1, 4 * kGiB), FileAccess::kMap);
  EXPECT_EQ(weights_access(std::nullopt, 7 * kGiB, 4 * kGiB), FileAccess::kMap);
}

// The same logits, whichever way the file is held.
TEST(LoadedModel, ReadAndMappedFilesGiveTheSameLogits) {
  const std::string path = std::string(SLIMLLM_TESTDATA) + "/models/stories260K.gguf";
  std::vector<std::vector<float>> logits;
  for (const bool use_mmap : {true, false}) {
    LoadedModel m = LoadedModel::load(path, use_mmap, 2);
    EXPECT_EQ(m.file->access(), use_mmap ? FileAccess::kMap : FileAccess::kRead);
    EXPECT_GT(m.load_duration, 0);
    KvCache kv(m.model->config().n_layer, 16, 1, m.model->config().kv_dim());
    ForwardState state = m.model->make_state(1, 1);
    BatchToken t{1, 0, 0, true};
    const std::span<const float> out = m.model->forward({&t, 1}, kv, state, nullptr);
    logits.emplace_back(out.begin(), out.end());
  }
  ASSERT_FALSE(logits[0].empty());
  EXPECT_EQ(logits[0], logits[1]);
}

TEST(LoadedModel, TheDefaultReadsASmallModelIntoMemory) {
  const std::string path = std::string(SLIMLLM_TESTDATA) + "/models/stories260K.gguf";
  const LoadedModel m = LoadedModel::load(path);
  EXPECT_EQ(m.file->access(), FileAccess::kRead);
}

}  // namespace
}  // namespace slimllm
