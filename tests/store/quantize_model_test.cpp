// create with `quantize`: the per-tensor types of each preset, the conversion's accuracy, the
// errors, and a quantized stories260K that still generates.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmath>
#include <filesystem>
#include <random>

#include "gguf/writer.h"
#include "store/create.h"
#include "store/quantize_model.h"
#include "store/store_error.h"
#include "store/store_fixtures.h"
#include "tensor/dequantize.h"
#include "tensor/half.h"

namespace fs = std::filesystem;

namespace slimllm {
namespace {

const std::string& kGguf = testing::kStoriesGguf;

class QuantizeTest : public testing::TempStoreTest {
 protected:
  QuantizeTest() : TempStoreTest("quant") {}

  // A small F16 "model": 8 blocks of 256-wide matrices plus a norm vector.
  std::string write_f16_model() {
    GgufWriter w;
    w.set_string("general.architecture", "llama");
    w.set_uint32("general.file_type", 1);
    std::mt19937 rng(7);
    std::normal_distribution<float> dist(0.0f, 0.02f);
    auto add = [&](const std::string& name, std::vector<uint64_t> shape) {
      uint64_t n = 1;
      for (uint64_t d : shape) n *= d;
      auto data = std::make_shared<std::vector<uint16_t>>(n);
      for (auto& v : *data) v = f32_to_f16(dist(rng));
      halves_.push_back(data);
      w.add_tensor(name, DType::kF16, shape, data->data());
    };
    add("token_embd.weight", {256, 16});
    for (int i = 0; i < 8; ++i) {
      std::string b = "blk." + std::to_string(i) + ".";
      add(b + "attn_v.weight", {256, 4});
      add(b + "ffn_down.weight", {256, 4});
      add(b + "attn_q.weight", {256, 4});
      add(b + "attn_norm.weight", {256});
    }
    add("output.weight", {256, 16});
    std::string path = (root_ / "f16.gguf").string();
    w.write(path);
    return path;
  }

  std::map<std::string, DType> types_of(const std::string& path) {
    std::map<std::string, DType> out;
    GgufFile f = GgufFile::open(path);
    for (const auto& t : f.tensors()) out[t.name] = t.type;
    return out;
  }

  std::vector<std::shared_ptr<std::vector<uint16_t>>> halves_;
};

TEST_F(QuantizeTest, Q4KMGivesMoreBitsWhereLlamaCppDoes) {
  std::string src = write_f16_model();
  std::string out = (root_ / "q4km.gguf").string();
  quantize_gguf(GgufFile::open(src), parse_quant_preset("q4_K_M"), out);
  auto types = types_of(out);
  EXPECT_EQ(types["output.weight"], DType::kQ6_K);
  EXPECT_EQ(types["token_embd.weight"], DType::kQ4_K);
  EXPECT_EQ(types["blk.0.attn_norm.weight"], DType::kF16);  // vectors stay as they are
  EXPECT_EQ(types["blk.0.attn_q.weight"], DType::kQ4_K);
  // 8 layers: layer 0 (first eighth), 7 (last eighth), and 3, 6 (every third between).
  for (int i : {0, 3, 6, 7}) {
    EXPECT_EQ(types["blk." + std::to_string(i) + ".attn_v.weight"], DType::kQ6_K) << i;
    EXPECT_EQ(types["blk." + std::to_string(i) + ".ffn_down.weight"], DType::kQ6_K) << i;
  }
  for (int i : {1, 2, 4, 5}) {
    EXPECT_EQ(types["blk." + std::to_string(i) + ".attn_v.weight"], DType::kQ4_K) << i;
  }
  EXPECT_EQ(GgufFile::open(out).get_uint("general.file_type", 0), 15u);
}

TEST_F(QuantizeTest, Q4KSAndQ80) {
  std::string src = write_f16_model();
  std::string s = (root_ / "q4ks.gguf").string();
  quantize_gguf(GgufFile::open(src), QuantPreset::kQ4_K_S, s);
  auto types = types_of(s);
  EXPECT_EQ(types["blk.0.ffn_down.weight"], DType::kQ5_K);  // first eighth
  EXPECT_EQ(types["blk.1.ffn_down.weight"], DType::kQ4_K);
  EXPECT_EQ(types["blk.3.attn_v.weight"], DType::kQ5_K);  // first four
  EXPECT_EQ(types["blk.4.attn_v.weight"], DType::kQ4_K);
  EXPECT_EQ(GgufFile::open(s).get_uint("general.file_type", 0), 14u);

  std::string q8 = (root_ / "q8.gguf").string();
  quantize_gguf(GgufFile::open(src), QuantPreset::kQ8_0, q8);
  GgufFile f = GgufFile::open(q8);
  GgufFile original = GgufFile::open(src);
  const GgufTensorInfo* t = f.find_tensor("output.weight");
  const GgufTensorInfo* o = original.find_tensor("output.weight");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->type, DType::kQ8_0);
  std::vector<float> a(o->elements), b(t->elements);
  dequantize(o->type, o->data, a.data(), a.size());
  dequantize(t->type, t->data, b.data(), b.size());
  double err = 0, ref = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    err += (a[i] - b[i]) * (a[i] - b[i]);
    ref += a[i] * a[i];
  }
  EXPECT_LT(std::sqrt(err / ref), 0.01);
  EXPECT_GT(err, 0.0);  // it did change the values
}

TEST_F(QuantizeTest, RowsThatDoNotFitKBlocksFallBackLikeLlamaCpp) {
  // stories260K's rows are 64 wide: Q4_K becomes Q5_0, Q6_K becomes Q8_0.
  std::string out = (root_ / "stories-q4km.gguf").string();
  quantize_gguf(GgufFile::open(kGguf), QuantPreset::kQ4_K_M, out);
  auto types = types_of(out);
  EXPECT_EQ(types["output.weight"], DType::kQ8_0);
  EXPECT_EQ(types["blk.1.attn_q.weight"], DType::kQ5_0);
  EXPECT_EQ(types["blk.0.attn_norm.weight"], DType::kF32);
}

TEST_F(QuantizeTest, RefusesUnknownTypesAndQuantizedSources) {
  try {
    parse_quant_preset("q3_K_L");
    FAIL();
  } catch (const StoreError& e) {
    EXPECT_STREQ(e.what(),
                 "unsupported quantization type q3_K_L - supported types are F32, F16, Q4_K_S, "
                 "Q4_K_M, Q8_0");
  }
  std::string q8 = (root_ / "q8.gguf").string();
  quantize_gguf(GgufFile::open(kGguf), QuantPreset::kQ8_0, q8);
  try {
    quantize_gguf(GgufFile::open(q8), QuantPreset::kQ4_K_M, (root_ / "again.gguf").string());
    FAIL();
  } catch (const StoreError& e) {
    EXPECT_STREQ(e.what(), "quantization is only supported for F16 and F32 models");
  }
}

TEST_F(QuantizeTest, CreateWithQuantizeStoresARunnableModel) {
  Layer blob = store_->add_blob_file(kGguf, kMediaModel);
  CreateSpec spec;
  spec.name = *ModelName::parse("stories-q8");
  spec.files["stories260K.gguf"] = blob.digest;
  spec.quantize = "q8_0";
  std::vector<std::string> statuses;
  create_model(*store_, spec, [&](const std::string& s) { statuses.push_back(s); });
  EXPECT_THAT(statuses, ::testing::Contains(::testing::StartsWith("quantizing ")));
  EXPECT_THAT(statuses, ::testing::Contains("verifying conversion"));
  StoredModel model = store_->get(spec.name);
  const Layer* layer = model.manifest.find_layer(kMediaModel);
  ASSERT_NE(layer, nullptr);
  EXPECT_NE(layer->digest, blob.digest);
  std::string path = store_->blob_path(layer->digest).string();
  auto types = types_of(path);
  EXPECT_EQ(types["blk.0.attn_q.weight"], DType::kQ8_0);
  EXPECT_EQ(store_->count_blobs(), 3u);  // the source GGUF, the quantized one, the config
  EXPECT_EQ(ConfigBlob::parse(store_->read_blob(model.manifest.config.digest), "c").file_type,
            "Q8_0");

  // The quantized model still tells its story: run it with the real engine.
  std::string command =
      std::string(SLIMLLM_BINARY) + " run " + path +
      " 'Once upon a time' --parameter temperature=0 --parameter num_predict=16 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buffer[4096];
  while (size_t n = fread(buffer, 1, sizeof(buffer), pipe)) output.append(buffer, n);
  EXPECT_EQ(pclose(pipe), 0) << output;
  EXPECT_GT(output.size(), 20u) << output;
  EXPECT_EQ(output.find("Error"), std::string::npos) << output;
}

}  // namespace
}  // namespace slimllm
