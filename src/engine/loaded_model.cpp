#include "engine/loaded_model.h"

#include <sys/stat.h>

#include "base/cgroup.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/strings.h"

namespace slimllm {

FileAccess weights_access(std::optional<bool> use_mmap, uint64_t file_bytes, uint64_t memory) {
  if (use_mmap.has_value()) return *use_mmap ? FileAccess::kMap : FileAccess::kRead;
  return file_bytes <= memory / 4 * 3 ? FileAccess::kRead : FileAccess::kMap;
}

FileAccess weights_access(const std::string& path, std::optional<bool> use_mmap) {
  struct stat info {};
  const uint64_t bytes = ::stat(path.c_str(), &info) == 0 ? static_cast<uint64_t>(info.st_size) : 0;
  return weights_access(use_mmap, bytes, available_memory());
}

LoadedModel LoadedModel::load(const std::string& path, std::optional<bool> use_mmap, int readers) {
  const int64_t start = now_ns();
  const FileAccess access = weights_access(path, use_mmap);
  auto file = std::make_shared<const GgufFile>(GgufFile::open(path, access, readers));
  const int64_t held = now_ns();
  std::unique_ptr<Model> model = load_model(file);
  Tokenizer tokenizer = Tokenizer::from_gguf(*file);
  const std::string held_for = str_printf("%.2fs", static_cast<double>(held - start) / 1e9);
  if (access == FileAccess::kMap && !use_mmap.has_value()) {
    log_info(
        "model file mapped: it is larger than 3/4 of the memory this process may use, so "
        "reading it in could starve the rest (set use_mmap to false to read it anyway)",
        {{"path", path},
         {"size", human_bytes_binary(file->file_size())},
         {"memory", human_bytes_binary(available_memory())}});
  } else {
    log_info(
        "model file " + std::string(file_access_name(access)),
        {{"path", path}, {"size", human_bytes_binary(file->file_size())}, {"duration", held_for}});
  }
  return LoadedModel{std::move(file), std::move(model), std::move(tokenizer), now_ns() - start};
}

}  // namespace slimllm
