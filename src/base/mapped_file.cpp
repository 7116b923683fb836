#include "base/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "base/error.h"

namespace slimllm {
namespace {

// Reads [begin, end) of the file into dst + begin. Returns "" or what went wrong.
std::string read_range(int fd, uint8_t* dst, size_t begin, size_t end, size_t total) {
  constexpr size_t kChunk = size_t{16} << 20;
  for (size_t at = begin; at < end;) {
    const ssize_t got = ::pread(fd, dst + at, std::min(kChunk, end - at), static_cast<off_t>(at));
    if (got < 0) {
      if (errno == EINTR) continue;
      return std::string("cannot read at byte ") + std::to_string(at) + ": " + std::strerror(errno);
    }
    if (got == 0) {
      return "the file ended at byte " + std::to_string(at) + " of the " + std::to_string(total) +
             " it had when opened (was it truncated or replaced while loading?)";
    }
    at += static_cast<size_t>(got);
  }
  return "";
}

// The whole file in private anonymous memory, read by `readers` threads, then made read-only.
uint8_t* read_whole(int fd, const std::string& path, size_t size, int readers) {
  void* memory = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (memory == MAP_FAILED) {
    fail(path, ": cannot allocate ", size, " bytes to read the file into: ", std::strerror(errno),
         " (set the option use_mmap to true to map it instead)");
  }
  auto* dst = static_cast<uint8_t*>(memory);
  // Whole pages per reader, so no two threads fault the same page.
  const size_t page = 4096;
  const size_t parts = static_cast<size_t>(std::clamp(readers, 1, 16));
  const size_t part = (size / parts + page - 1) / page * page;
  std::vector<std::string> errors(parts);
  std::vector<std::thread> threads;
  for (size_t i = 1; i < parts; ++i) {
    const size_t begin = std::min(size, i * part);
    const size_t end = std::min(size, begin + part);
    threads.emplace_back([&, i, begin, end] { errors[i] = read_range(fd, dst, begin, end, size); });
  }
  errors[0] = read_range(fd, dst, 0, std::min(size, part), size);
  for (std::thread& t : threads) t.join();
  for (const std::string& e : errors) {
    if (!e.empty()) {
      ::munmap(memory, size);
      fail(path, ": ", e);
    }
  }
  ::mprotect(memory, size, PROT_READ);
  return dst;
}

}  // namespace

const char* file_access_name(FileAccess access) {
  return access == FileAccess::kRead ? "read into memory" : "mapped";
}

MappedFile MappedFile::open(const std::string& path, FileAccess access, int readers) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail(path, ": cannot open: ", std::strerror(errno));
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    int err = errno;
    ::close(fd);
    fail(path, ": cannot stat: ", std::strerror(err));
  }
  if (!S_ISREG(info.st_mode)) {
    ::close(fd);
    fail(path, ": not a regular file");
  }
  MappedFile file;
  file.path_ = path;
  file.size_ = static_cast<size_t>(info.st_size);
  file.access_ = access;
  if (file.size_ > 0 && access == FileAccess::kRead) {
    try {
      file.data_ = read_whole(fd, path, file.size_, readers);
    } catch (...) {
      ::close(fd);
      throw;
    }
  } else if (file.size_ > 0) {
    void* mapping = ::mmap(nullptr, file.size_, PROT_READ, MAP_SHARED, fd, 0);
    if (mapping == MAP_FAILED) {
      int err = errno;
      ::close(fd);
      fail(path, ": cannot map ", file.size_, " bytes: ", std::strerror(err));
    }
    file.data_ = static_cast<const uint8_t*>(mapping);
  }
  ::close(fd);
  return file;
}

MappedFile::~MappedFile() {
  release();
}

MappedFile::MappedFile(MappedFile&& other) noexcept
    : data_(other.data_),
      size_(other.size_),
      access_(other.access_),
      path_(std::move(other.path_)) {
  other.data_ = nullptr;
  other.size_ = 0;
}

MappedFile& MappedFile::operator=(MappedFile&& other) noexcept {
  if (this != &other) {
    release();
    data_ = other.data_;
    size_ = other.size_;
    access_ = other.access_;
    path_ = std::move(other.path_);
    other.data_ = nullptr;
    other.size_ = 0;
  }
  return *this;
}

void MappedFile::release() {
  // Both kinds are one mapping of size_ bytes.
  if (data_ != nullptr) ::munmap(const_cast<uint8_t*>(data_), size_);
  data_ = nullptr;
  size_ = 0;
}

}  // namespace slimllm
