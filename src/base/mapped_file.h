// A file held read-only in memory, in one of two ways:
//   kMap   maps the file itself (MAP_SHARED): nothing is read until touched, and the pages are the
//          kernel's page cache, which it may drop and read again under memory pressure.
//   kRead  reads the whole file into private anonymous memory, made read-only once filled. On
//          this project's machine type (a VM) the page cache's pages streamed at times 15-20%
//          slower than private memory (generation 9-10% slower); at other times the two were
//          within a few percent, either way (bench_weights, docs/performance.md). And a file
//          truncated or rewritten underneath (a shared NFS volume) cannot crash the process
//          with SIGBUS: a failed read is an Error at load.
// Views handed out from it (tensor data) must not outlive it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace slimllm {

enum class FileAccess { kMap, kRead };

class MappedFile {
 public:
  MappedFile() = default;
  // Maps or reads the whole file (kRead with `readers` threads, each reading a contiguous part);
  // throws Error naming the path and the system's reason on failure.
  static MappedFile open(const std::string& path, FileAccess access = FileAccess::kMap,
                         int readers = 1);
  ~MappedFile();
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  const std::string& path() const { return path_; }
  FileAccess access() const { return access_; }

 private:
  void release();
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  FileAccess access_ = FileAccess::kMap;
  std::string path_;
};

// "mapped" or "read into memory", for logs and the bench.
const char* file_access_name(FileAccess access);

}  // namespace slimllm
