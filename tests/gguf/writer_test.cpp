#include "gguf/writer.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "base/error.h"
#include "gguf/reader.h"

namespace slimllm {
namespace {

TEST(GgufWriter, RoundTripsEveryMetadataType) {
  GgufWriter writer;
  writer.set_uint8("u8", 200);
  writer.set_int8("i8", -100);
  writer.set_uint16("u16", 60000);
  writer.set_int16("i16", -30000);
  writer.set_uint32("u32", 4000000000u);
  writer.set_int32("i32", -2000000000);
  writer.set_uint64("u64", 18000000000000000000ull);
  writer.set_int64("i64", -9000000000000000000ll);
  writer.set_float32("f32", 1.5f);
  writer.set_float64("f64", 1e-300);
  writer.set_bool("yes", true);
  writer.set_bool("no", false);
  writer.set_string("s", std::string("with\0nul", 8));
  std::vector<int32_t> ints = {1, -2, 3};
  writer.set_array("ai32", GgufType::kInt32, ints.data(), ints.size());
  std::vector<float> floats = {0.5f, -0.25f};
  writer.set_array("af32", GgufType::kFloat32, floats.data(), floats.size());
  std::vector<uint8_t> bools = {1, 0, 1};
  writer.set_array("abool", GgufType::kBool, bools.data(), bools.size());
  std::vector<double> doubles = {2.5};
  writer.set_array("af64", GgufType::kFloat64, doubles.data(), doubles.size());
  writer.set_string_array("astr", std::vector<std::string>{"a", "", "ccc"});
  std::vector<uint64_t> empty;
  writer.set_array("aempty", GgufType::kUint64, empty.data(), 0);

  auto bytes = writer.write_to_memory();
  GgufFile file = GgufFile::parse("mem.gguf", bytes.data(), bytes.size());
  EXPECT_EQ(file.version(), 3u);
  EXPECT_EQ(file.find("u8")->type(), GgufType::kUint8);
  EXPECT_EQ(file.get_uint("u8", 0), 200u);
  EXPECT_EQ(file.get_int("i8", 0), -100);
  EXPECT_EQ(file.get_uint("u16", 0), 60000u);
  EXPECT_EQ(file.get_int("i16", 0), -30000);
  EXPECT_EQ(file.get_uint("u32", 0), 4000000000u);
  EXPECT_EQ(file.get_int("i32", 0), -2000000000);
  EXPECT_EQ(file.get_uint("u64", 0), 18000000000000000000ull);
  EXPECT_EQ(file.get_int("i64", 0), -9000000000000000000ll);
  EXPECT_EQ(file.get_double("f32", 0), 1.5);
  EXPECT_EQ(file.get_double("f64", 0), 1e-300);
  EXPECT_TRUE(file.get_bool("yes", false));
  EXPECT_FALSE(file.get_bool("no", true));
  EXPECT_EQ(file.get_string("s"), std::string("with\0nul", 8));
  EXPECT_EQ(file.find("ai32")->ints("ai32"), (std::vector<int64_t>{1, -2, 3}));
  EXPECT_EQ(file.find("af32")->floats("af32"), floats);
  const GgufValue* flags = file.find("abool");
  ASSERT_EQ(flags->size(), 3u);
  EXPECT_EQ(flags->element_type(), GgufType::kBool);
  EXPECT_EQ(flags->number_at(0), 1.0);
  EXPECT_EQ(flags->number_at(1), 0.0);
  EXPECT_EQ(file.find("af64")->floats("af64"), std::vector<float>{2.5f});
  const GgufValue* strings = file.find("astr");
  ASSERT_EQ(strings->strings().size(), 3u);
  EXPECT_EQ(strings->strings()[2], "ccc");
  EXPECT_EQ(strings->strings()[1], "");
  EXPECT_EQ(file.find("aempty")->size(), 0u);
  // Order is kept.
  EXPECT_EQ(file.metadata().front().key, "u8");
  EXPECT_EQ(file.metadata().back().key, "aempty");
}

TEST(GgufWriter, UnsignedAsIntRangeChecked) {
  GgufWriter writer;
  writer.set_uint64("big", ~0ull);
  writer.set_int32("neg", -1);
  auto bytes = writer.write_to_memory();
  GgufFile file = GgufFile::parse("mem.gguf", bytes.data(), bytes.size());
  EXPECT_THROW(file.get_int("big", 0), Error);
  EXPECT_THROW(file.get_uint("neg", 0), Error);
}

TEST(GgufWriter, RoundTripsEveryTensorType) {
  GgufWriter writer(64);
  std::vector<std::vector<uint8_t>> payloads;
  std::vector<DType> types = {DType::kF32,  DType::kF16,  DType::kBF16, DType::kQ4_0, DType::kQ4_1,
                              DType::kQ5_0, DType::kQ5_1, DType::kQ8_0, DType::kQ2_K, DType::kQ3_K,
                              DType::kQ4_K, DType::kQ5_K, DType::kQ6_K, DType::kQ8_K};
  for (DType type : types) {
    std::vector<uint64_t> shape = {512, 3};
    std::vector<uint8_t> data(row_bytes(type, 512) * 3);
    for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * 7 + static_cast<int>(type));
    payloads.push_back(data);
    writer.add_tensor(std::string("t.") + std::string(dtype_name(type)), type, shape,
                      payloads.back().data());
  }
  auto bytes = writer.write_to_memory();
  GgufFile file = GgufFile::parse("mem.gguf", bytes.data(), bytes.size());
  EXPECT_EQ(file.alignment(), 64u);
  ASSERT_EQ(file.tensors().size(), types.size());
  for (size_t i = 0; i < types.size(); ++i) {
    const GgufTensorInfo& t = file.tensors()[i];
    EXPECT_EQ(t.type, types[i]);
    EXPECT_EQ(t.shape, (std::vector<uint64_t>{512, 3}));
    EXPECT_EQ(t.offset % 64, 0u);
    ASSERT_EQ(t.bytes, payloads[i].size());
    EXPECT_EQ(std::memcmp(t.data, payloads[i].data(), t.bytes), 0) << t.name;
  }
}

TEST(GgufWriter, WritesFileAtomically) {
  auto dir = std::filesystem::temp_directory_path() / ("slimllm-writer-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::string path = (dir / "out.gguf").string();
  GgufWriter writer;
  writer.set_string("general.architecture", "llama");
  std::vector<float> values(32, 1.0f);
  writer.add_tensor("x", DType::kF32, {32}, values.data());
  writer.write(path);
  GgufFile file = GgufFile::open(path);
  EXPECT_EQ(file.tensors().size(), 1u);
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir), {}), 1) << "no temporary left";
  std::filesystem::remove_all(dir);
}

TEST(GgufWriter, RefusesBadShapes) {
  GgufWriter writer;
  std::vector<uint8_t> data(1000);
  EXPECT_THROW(writer.add_tensor("q", DType::kQ4_K, {100}, data.data()), Error);
  EXPECT_THROW(writer.add_tensor("d", DType::kF32, {1, 1, 1, 1, 1}, data.data()), Error);
}

}  // namespace
}  // namespace slimllm
