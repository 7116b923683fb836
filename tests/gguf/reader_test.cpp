#include "gguf/reader.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "base/error.h"
#include "gguf/writer.h"

namespace slimllm {
namespace {

const std::string kStories = std::string(SLIMLLM_TESTDATA) + "/models/stories260K.gguf";

std::string error_of(const std::vector<uint8_t>& bytes) {
  try {
    GgufFile::parse("bad.gguf", bytes.data(), bytes.size());
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

std::vector<uint8_t> small_file() {
  GgufWriter writer;
  writer.set_string("general.architecture", "llama");
  writer.set_uint32("llama.block_count", 2);
  std::vector<std::string> tokens = {"<unk>", "<s>", "</s>"};
  writer.set_string_array("tokenizer.ggml.tokens", tokens);
  std::vector<float> values(64);
  for (size_t i = 0; i < values.size(); ++i) values[i] = static_cast<float>(i);
  writer.add_tensor("a", DType::kF32, {16, 2}, values.data());
  writer.add_tensor("b", DType::kF32, {32}, values.data());
  return writer.write_to_memory();
}

TEST(GgufReader, ReadsStories260K) {
  GgufFile file = GgufFile::open(kStories);
  EXPECT_EQ(file.tensors().size(), 48u);
  EXPECT_EQ(file.get_string("general.architecture"), "llama");
  EXPECT_EQ(file.get_uint("llama.embedding_length", 0), 64u);
  const GgufValue* tokens = file.find("tokenizer.ggml.tokens");
  ASSERT_NE(tokens, nullptr);
  EXPECT_EQ(tokens->size(), 512u);
  EXPECT_EQ(tokens->strings().size(), 512u);
  for (const GgufTensorInfo& t : file.tensors()) {
    EXPECT_EQ(t.type, DType::kF32) << t.name;
    EXPECT_EQ(t.data, file.file_data() + file.data_offset() + t.offset);
    EXPECT_EQ(t.bytes, t.elements * 4);
  }
  const GgufTensorInfo* embedding = file.find_tensor("token_embd.weight");
  ASSERT_NE(embedding, nullptr);
  EXPECT_EQ(embedding->shape, (std::vector<uint64_t>{64, 512}));
}

TEST(GgufReader, TypedGettersNameTheKey) {
  GgufFile file = GgufFile::open(kStories);
  EXPECT_EQ(file.get_uint("no.such.key", 7), 7u);
  try {
    file.get_uint("general.architecture", 0);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("general.architecture"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("stories260K.gguf"), std::string::npos);
  }
  EXPECT_THROW(file.require_string("missing.key"), Error);
}

TEST(GgufReader, MissingFileIsAnError) {
  EXPECT_THROW(GgufFile::open("/nonexistent/model.gguf"), Error);
}

TEST(GgufReader, WrongMagic) {
  auto bytes = small_file();
  bytes[0] = 'X';
  EXPECT_NE(error_of(bytes).find("not a GGUF file"), std::string::npos);
}

TEST(GgufReader, BigEndianRefusedByName) {
  auto bytes = small_file();
  uint32_t version = 0x03000000;
  std::memcpy(bytes.data() + 4, &version, 4);
  EXPECT_NE(error_of(bytes).find("big-endian"), std::string::npos);
}

TEST(GgufReader, HugeTensorCount) {
  auto bytes = small_file();
  uint64_t count = 1ull << 60;
  std::memcpy(bytes.data() + 8, &count, 8);
  EXPECT_NE(error_of(bytes).find("tensor count"), std::string::npos);
}

TEST(GgufReader, HugeMetadataCount) {
  auto bytes = small_file();
  uint64_t count = ~0ull;
  std::memcpy(bytes.data() + 16, &count, 8);
  EXPECT_NE(error_of(bytes).find("metadata count"), std::string::npos);
}

TEST(GgufReader, StringLengthPastTheEnd) {
  auto bytes = small_file();
  // The first key's length field follows the 24-byte header.
  uint64_t length = 1ull << 40;
  std::memcpy(bytes.data() + 24, &length, 8);
  std::string message = error_of(bytes);
  EXPECT_NE(message.find("runs past the end"), std::string::npos) << message;
  EXPECT_NE(message.find("at byte 24"), std::string::npos) << message;
}

// The string array's length field: after the key "tokenizer.ggml.tokens", its type and the
// element type.
size_t array_length_field(const std::vector<uint8_t>& bytes) {
  std::string haystack(bytes.begin(), bytes.end());
  size_t at = haystack.find("tokenizer.ggml.tokens");
  EXPECT_NE(at, std::string::npos);
  return at + std::strlen("tokenizer.ggml.tokens") + 4 + 4;
}

TEST(GgufReader, ArrayLengthOverTheLimitNamesKeyAndLimit) {
  auto bytes = small_file();
  uint64_t count = (1ull << 24) + 1;  // the limit is 2^24
  std::memcpy(bytes.data() + array_length_field(bytes), &count, 8);
  std::string message = error_of(bytes);
  EXPECT_NE(message.find("bad.gguf: metadata key 'tokenizer.ggml.tokens' array length 16777217 "
                         "is over the limit of 16777216 elements"),
            std::string::npos)
      << message;
}

TEST(GgufReader, StringLengthOverTheLimitInABigFile) {
  auto bytes = small_file();
  // A file large enough to hold the string, so only the limit refuses it.
  bytes.resize((1u << 26) + 4096);
  uint64_t length = (1u << 26) + 1;  // the limit is 64 MiB
  std::memcpy(bytes.data() + 24, &length, 8);
  std::string message = error_of(bytes);
  EXPECT_NE(message.find("metadata key length 67108865 is over the limit of 67108864 bytes"),
            std::string::npos)
      << message;
}

TEST(GgufReader, TensorCountOverTheLimitThatTheFileCouldHold) {
  auto bytes = small_file();
  bytes.resize(64u << 20);  // room for 2^21 tensor infos of 24 bytes by size alone
  uint64_t count = (1u << 20) + 1;  // the limit is 2^20
  std::memcpy(bytes.data() + 8, &count, 8);
  std::string message = error_of(bytes);
  EXPECT_NE(message.find("tensor count 1048577 is over the limit of 1048576"), std::string::npos)
      << message;
}

// Finds the byte position of tensor `name`'s offset field in a file written by GgufWriter.
size_t offset_field(const std::vector<uint8_t>& bytes, const std::string& name, int dims) {
  std::string needle(8, '\0');
  uint64_t length = name.size();
  std::memcpy(needle.data(), &length, 8);
  needle += name;
  std::string haystack(bytes.begin(), bytes.end());
  size_t at = haystack.find(needle);
  EXPECT_NE(at, std::string::npos);
  return at + needle.size() + 4 + 8 * dims + 4;
}

TEST(GgufReader, OffsetOverflow) {
  auto bytes = small_file();
  size_t field = offset_field(bytes, "b", 1);
  uint64_t offset = ~0ull - 31;  // aligned, and overflows when the data offset is added
  std::memcpy(bytes.data() + field, &offset, 8);
  std::string message = error_of(bytes);
  EXPECT_NE(message.find("'b'"), std::string::npos) << message;
}

TEST(GgufReader, DataPastTheEndNamesTensorAndSizes) {
  auto bytes = small_file();
  size_t field = offset_field(bytes, "b", 1);
  uint64_t offset = 4096;
  std::memcpy(bytes.data() + field, &offset, 8);
  std::string message = error_of(bytes);
  EXPECT_NE(message.find("tensor 'b' data ends at byte"), std::string::npos) << message;
  EXPECT_NE(message.find("past the end of the file (" + std::to_string(bytes.size()) + " bytes)"),
            std::string::npos)
      << message;
}

TEST(GgufReader, MisalignedDataOffset) {
  auto bytes = small_file();
  size_t field = offset_field(bytes, "b", 1);
  uint64_t offset = 132;
  std::memcpy(bytes.data() + field, &offset, 8);
  EXPECT_NE(error_of(bytes).find("not a multiple of the alignment"), std::string::npos);
}

TEST(GgufReader, UnknownTensorTypeRefusedByNumber) {
  auto bytes = small_file();
  size_t field = offset_field(bytes, "b", 1);
  uint32_t type = 77;
  std::memcpy(bytes.data() + field - 4, &type, 4);
  EXPECT_NE(error_of(bytes).find("unknown tensor type id 77"), std::string::npos);
}

TEST(GgufReader, EveryTruncationIsACleanError) {
  std::vector<uint8_t> whole;
  {
    MappedFile mapped = MappedFile::open(kStories);
    whole.assign(mapped.data(), mapped.data() + mapped.size());
  }
  for (int i = 0; i < 64; ++i) {
    size_t length = whole.size() * i / 64;
    std::vector<uint8_t> cut(whole.begin(), whole.begin() + length);
    EXPECT_THROW(GgufFile::parse("cut.gguf", cut.data(), cut.size()), Error) << "length " << length;
  }
  // The last tensor's end is the file's end: one byte less must fail too.
  std::vector<uint8_t> cut(whole.begin(), whole.end() - 1);
  EXPECT_THROW(GgufFile::parse("cut.gguf", cut.data(), cut.size()), Error);
}

}  // namespace
}  // namespace slimllm
