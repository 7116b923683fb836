// MappedFile: both ways of holding a file give the same bytes, and failures name the file.
#include "base/mapped_file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "base/error.h"

namespace slimllm {
namespace {

class MappedFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("slimllm-mapped-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // A file of `size` bytes of a pattern that differs from page to page.
  std::string write_file(const std::string& name, size_t size) {
    std::vector<char> bytes(size);
    for (size_t i = 0; i < size; ++i) bytes[i] = static_cast<char>((i * 131 + i / 4096) & 0xff);
    const std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(size));
    expected_ = std::move(bytes);
    return path;
  }

  std::filesystem::path dir_;
  std::vector<char> expected_;
};

TEST_F(MappedFileTest, ReadingAndMappingGiveTheSameBytes) {
  // Not a whole number of pages, and more readers than the file has pages for some.
  const std::string path = write_file("weights.bin", 5 * 4096 + 123);
  for (const int readers : {1, 2, 3, 16}) {
    const MappedFile read = MappedFile::open(path, FileAccess::kRead, readers);
    EXPECT_EQ(read.access(), FileAccess::kRead);
    ASSERT_EQ(read.size(), expected_.size());
    EXPECT_EQ(0, std::memcmp(read.data(), expected_.data(), expected_.size())) << readers;
  }
  const MappedFile mapped = MappedFile::open(path);
  EXPECT_EQ(mapped.access(), FileAccess::kMap);
  ASSERT_EQ(mapped.size(), expected_.size());
  EXPECT_EQ(0, std::memcmp(mapped.data(), expected_.data(), expected_.size()));
}

TEST_F(MappedFileTest, ATinyFileReadByManyThreads) {
  const std::string path = write_file("tiny.bin", 10);
  const MappedFile read = MappedFile::open(path, FileAccess::kRead, 4);
  ASSERT_EQ(read.size(), 10u);
  EXPECT_EQ(0, std::memcmp(read.data(), expected_.data(), 10));
}

TEST_F(MappedFileTest, AnEmptyFileHoldsNothing) {
  const std::string path = write_file("empty.bin", 0);
  for (const FileAccess access : {FileAccess::kMap, FileAccess::kRead}) {
    const MappedFile f = MappedFile::open(path, access, 2);
    EXPECT_EQ(f.size(), 0u);
    EXPECT_EQ(f.data(), nullptr);
  }
}

TEST_F(MappedFileTest, ReadMemoryIsReadOnlyOnceFilled) {
  const std::string path = write_file("weights.bin", 4096);
  const MappedFile read = MappedFile::open(path, FileAccess::kRead);
  EXPECT_DEATH(const_cast<volatile uint8_t*>(read.data())[0] = 1, "");
}

TEST_F(MappedFileTest, MovingKeepsTheBytesAndHowTheyAreHeld) {
  const std::string path = write_file("weights.bin", 3 * 4096);
  MappedFile a = MappedFile::open(path, FileAccess::kRead, 2);
  const uint8_t* data = a.data();
  MappedFile b = std::move(a);
  EXPECT_EQ(a.data(), nullptr);
  EXPECT_EQ(b.data(), data);
  EXPECT_EQ(b.access(), FileAccess::kRead);
  EXPECT_EQ(0, std::memcmp(b.data(), expected_.data(), expected_.size()));
}

TEST_F(MappedFileTest, FailuresNameTheFile) {
  const std::string missing = (dir_ / "missing.gguf").string();
  for (const FileAccess access : {FileAccess::kMap, FileAccess::kRead}) {
    try {
      MappedFile::open(missing, access);
      FAIL() << "opened a missing file";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(missing + ": cannot open"), std::string::npos)
          << e.what();
    }
    try {
      MappedFile::open(dir_.string(), access);
      FAIL() << "opened a directory";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("not a regular file"), std::string::npos) << e.what();
    }
  }
}

TEST(FileAccessName, SaysHowTheFileIsHeld) {
  EXPECT_STREQ(file_access_name(FileAccess::kMap), "mapped");
  EXPECT_STREQ(file_access_name(FileAccess::kRead), "read into memory");
}

}  // namespace
}  // namespace slimllm
