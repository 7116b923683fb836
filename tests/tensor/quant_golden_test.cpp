// Holds dequantize() and quantize() to llama.cpp's reference code through
// testdata/quant/quant-golden.gguf: eight rows of 1024 values (normal, uniform, outliers, zeros,
// tiny, large, constant blocks, skewed), each type's quantization of them, what llama.cpp
// dequantizes that to, and llama.cpp's per-row relative RMS error.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "gguf/reader.h"
#include "tensor/dequantize.h"
#include "tensor/quantize.h"

namespace slimllm {
namespace {

const std::string kGolden = std::string(SLIMLLM_TESTDATA) + "/quant/quant-golden.gguf";
constexpr size_t kRows = 8;
constexpr size_t kCols = 1024;

struct GoldenType {
  const char* name;  // tensor and key suffix in the golden file
  DType type;
  // Our per-row error may be at most this factor times llama.cpp's (plus 1e-7 absolute).
  double error_factor;
};

// Every type reproduces llama.cpp's bytes. For the K-quants, whose scale searches run long chains
// of float arithmetic, the contract is the error bound (1.05x llama.cpp's per-row error); byte
// identity holds as long as neither side contracts to FMA, and is checked as well so that a drift
// in the reference algorithms shows up at once.
const GoldenType kTypes[] = {
    {"f16", DType::kF16, 1.0},    {"bf16", DType::kBF16, 1.0},  {"q4_0", DType::kQ4_0, 1.0},
    {"q4_1", DType::kQ4_1, 1.0},  {"q5_0", DType::kQ5_0, 1.0},  {"q5_1", DType::kQ5_1, 1.0},
    {"q8_0", DType::kQ8_0, 1.0},  {"q2_K", DType::kQ2_K, 1.05}, {"q3_K", DType::kQ3_K, 1.05},
    {"q4_K", DType::kQ4_K, 1.05}, {"q5_K", DType::kQ5_K, 1.05}, {"q6_K", DType::kQ6_K, 1.05},
    {"q8_K", DType::kQ8_K, 1.0},
};

class Golden : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { file_ = new GgufFile(GgufFile::open(kGolden)); }
  static void TearDownTestSuite() {
    delete file_;
    file_ = nullptr;
  }

  static const GgufTensorInfo& tensor(const std::string& name) {
    const GgufTensorInfo* t = file_->find_tensor(name);
    if (t == nullptr) throw std::runtime_error("golden file has no tensor " + name);
    return *t;
  }

  static std::vector<float> f32(const std::string& name) {
    const GgufTensorInfo& t = tensor(name);
    EXPECT_EQ(t.type, DType::kF32);
    std::vector<float> values(t.elements);
    std::memcpy(values.data(), t.data, t.bytes);
    return values;
  }

  static std::vector<float> golden_error(const std::string& name) {
    return file_->find("golden.rel_rmse." + name)->floats("golden.rel_rmse." + name);
  }

  static GgufFile* file_;
};

GgufFile* Golden::file_ = nullptr;

// RMS error of `got` against `want` over one row, divided by the row's RMS (plain RMS error for
// an all-zero row), as the golden file defines it.
double rel_rmse(const float* want, const float* got, size_t n) {
  double err = 0;
  double norm = 0;
  for (size_t i = 0; i < n; ++i) {
    double d = static_cast<double>(got[i]) - want[i];
    err += d * d;
    norm += static_cast<double>(want[i]) * want[i];
  }
  err = std::sqrt(err / n);
  norm = std::sqrt(norm / n);
  return norm > 0 ? err / norm : err;
}

TEST_F(Golden, HasEveryTypeWithEightRowsOf1024) {
  const GgufTensorInfo& source = tensor("source");
  ASSERT_EQ(source.shape, (std::vector<uint64_t>{kCols, kRows}));
  for (const GoldenType& g : kTypes) {
    SCOPED_TRACE(g.name);
    EXPECT_EQ(tensor(g.name).type, g.type);
    EXPECT_EQ(tensor(g.name).elements, kRows * kCols);
    EXPECT_EQ(golden_error(g.name).size(), kRows);
  }
}

TEST_F(Golden, DequantizesLikeLlamaCpp) {
  for (const GoldenType& g : kTypes) {
    SCOPED_TRACE(g.name);
    const GgufTensorInfo& quantized = tensor(g.name);
    std::vector<float> want = f32(std::string(g.name) + ".dequant");
    std::vector<float> got(want.size());
    dequantize(g.type, quantized.data, got.data(), got.size());
    size_t mismatches = 0;
    size_t exact_values = 0;
    for (size_t i = 0; i < got.size(); ++i) {
      // Exact for F16, BF16 and Q8_0 (one product or none). Elsewhere a build of llama.cpp with
      // FMA may fuse d * q - m, so allow 1e-6 relative (today every value matches exactly).
      bool exact = g.type == DType::kF16 || g.type == DType::kBF16 || g.type == DType::kQ8_0;
      float tolerance = exact ? 0.0f : 1e-6f * std::fabs(want[i]);
      exact_values += got[i] == want[i];
      if (!(std::fabs(got[i] - want[i]) <= tolerance)) {
        if (++mismatches <= 5) {
          ADD_FAILURE() << "value " << i << ": got " << got[i] << ", want " << want[i];
        }
      }
    }
    EXPECT_EQ(mismatches, 0u);
    std::printf("[ dequant  ] %-5s %zu of %zu values bit-exact\n", g.name, exact_values,
                got.size());
  }
}

TEST_F(Golden, QuantizesLikeLlamaCpp) {
  std::vector<float> source = f32("source");
  for (const GoldenType& g : kTypes) {
    SCOPED_TRACE(g.name);
    const GgufTensorInfo& golden = tensor(g.name);
    std::vector<uint8_t> ours(golden.bytes);
    quantize(g.type, source.data(), ours.data(), source.size());
    size_t differing = 0;
    for (size_t i = 0; i < ours.size(); ++i) differing += ours[i] != golden.data[i];
    std::printf("[ bytes    ] %-5s %zu of %zu bytes differ from llama.cpp\n", g.name, differing,
                ours.size());
    EXPECT_EQ(differing, 0u);
  }
}

TEST_F(Golden, ErrorPerRowMatchesLlamaCpp) {
  std::vector<float> source = f32("source");
  for (const GoldenType& g : kTypes) {
    SCOPED_TRACE(g.name);
    std::vector<uint8_t> packed(row_bytes(g.type, source.size()));
    quantize(g.type, source.data(), packed.data(), source.size());
    std::vector<float> back(source.size());
    dequantize(g.type, packed.data(), back.data(), back.size());
    std::vector<float> theirs = golden_error(g.name);
    std::string line;
    for (size_t r = 0; r < kRows; ++r) {
      double ours = rel_rmse(&source[r * kCols], &back[r * kCols], kCols);
      char cell[64];
      std::snprintf(cell, sizeof cell, " %.4g/%.4g", ours, theirs[r]);
      line += cell;
      EXPECT_LE(ours, g.error_factor * theirs[r] * (1 + 1e-5) + 1e-7) << "row " << r;
      for (size_t i = 0; i < kCols; ++i) ASSERT_TRUE(std::isfinite(back[r * kCols + i]));
    }
    std::printf("[ rel_rmse ] %-5s ours/llama.cpp:%s\n", g.name, line.c_str());
  }
}

}  // namespace
}  // namespace slimllm
