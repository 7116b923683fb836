// Reads GGUF files (versions 2 and 3, little-endian). The file is held read-only in memory,
// mapped or read in (MappedFile); metadata strings and tensor data are views into it, valid as
// long as the GgufFile lives.
// Every count, length and offset is checked against the file before use; a bad file gets an
// Error naming the file, the byte offset and what is wrong.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/mapped_file.h"
#include "gguf/value.h"
#include "tensor/dtype.h"

namespace slimllm {

inline constexpr uint32_t kGgufMagic = 0x46554747;  // "GGUF" read as a little-endian uint32
inline constexpr uint32_t kGgufDefaultAlignment = 32;
inline constexpr int kGgufMaxDims = 4;

struct GgufTensorInfo {
  std::string name;
  // Dimensions, innermost first as GGUF stores them: shape[0] is the row length.
  std::vector<uint64_t> shape;
  DType type = DType::kF32;
  uint64_t offset = 0;    // from the start of the data section
  uint64_t elements = 0;  // product of the shape
  uint64_t bytes = 0;     // bytes of data
  const uint8_t* data = nullptr;  // view into the mapping

  uint64_t dim(int i) const { return i < static_cast<int>(shape.size()) ? shape[i] : 1; }
  uint64_t rows() const { return shape.empty() ? 1 : elements / shape[0]; }
  // "[64, 512]"
  std::string shape_string() const;
};

class GgufFile {
 public:
  // Maps (or, with FileAccess::kRead, reads in with `readers` threads) and parses a file. Throws
  // Error on any problem.
  static GgufFile open(const std::string& path, FileAccess access = FileAccess::kMap,
                       int readers = 1);
  // Parses a buffer the caller keeps alive (fuzzing, tests). `name` is used in messages.
  static GgufFile parse(const std::string& name, const uint8_t* data, size_t size);

  GgufFile(GgufFile&&) noexcept = default;
  GgufFile& operator=(GgufFile&&) noexcept = default;

  const std::string& path() const { return name_; }
  uint32_t version() const { return version_; }
  uint32_t alignment() const { return alignment_; }
  uint64_t data_offset() const { return data_offset_; }
  uint64_t file_size() const { return size_; }
  const uint8_t* file_data() const { return data_; }
  // How the file is held; a caller's buffer counts as read into memory.
  FileAccess access() const { return mapping_ ? mapping_->access() : FileAccess::kRead; }

  // Metadata in file order.
  const std::vector<GgufKeyValue>& metadata() const { return metadata_; }
  const GgufValue* find(std::string_view key) const;
  bool has(std::string_view key) const { return find(key) != nullptr; }
  // Typed getters: the fallback when the key is absent; Error (naming the file and key) when the
  // key is present with the wrong type.
  std::string get_string(std::string_view key, std::string_view fallback = {}) const;
  int64_t get_int(std::string_view key, int64_t fallback) const;
  uint64_t get_uint(std::string_view key, uint64_t fallback) const;
  double get_double(std::string_view key, double fallback) const;
  bool get_bool(std::string_view key, bool fallback) const;
  // Required variants: Error naming the file and key when absent.
  std::string require_string(std::string_view key) const;
  uint64_t require_uint(std::string_view key) const;
  double require_double(std::string_view key) const;

  const std::vector<GgufTensorInfo>& tensors() const { return tensors_; }
  const GgufTensorInfo* find_tensor(std::string_view name) const;

 private:
  friend class GgufParser;
  GgufFile() = default;

  std::string name_;
  std::unique_ptr<MappedFile> mapping_;  // null when parsing a caller's buffer
  const uint8_t* data_ = nullptr;
  uint64_t size_ = 0;
  uint32_t version_ = 0;
  uint32_t alignment_ = kGgufDefaultAlignment;
  uint64_t data_offset_ = 0;
  std::vector<GgufKeyValue> metadata_;
  std::unordered_map<std::string_view, size_t> key_index_;
  std::vector<GgufTensorInfo> tensors_;
  std::unordered_map<std::string_view, size_t> tensor_index_;
};

}  // namespace slimllm
