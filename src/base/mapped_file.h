// A file mapped read-only into memory. The mapping lives as long as the object; views handed out
// from it (tensor data) must not outlive it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace slimllm {

class MappedFile {
 public:
  MappedFile() = default;
  // Maps the whole file; throws Error naming the path and the system's reason on failure.
  static MappedFile open(const std::string& path);
  ~MappedFile();
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  void release();
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  std::string path_;
};

}  // namespace slimllm
