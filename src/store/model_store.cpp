#include "store/model_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "base/error.h"
#include "base/log.h"
#include "base/sha256.h"
#include "base/strings.h"
#include "store/blob_lock.h"
#include "store/store_error.h"
#include "store/writer_tag.h"

namespace fs = std::filesystem;

namespace slimllm {
namespace {

std::string temp_name(const fs::path& target) {
  return target.filename().string() + temp_suffix();
}

// Owns an open file descriptor for writing a temporary file that becomes `target` on commit.
class AtomicFile {
 public:
  explicit AtomicFile(const fs::path& target) : target_(target) {
    fs::create_directories(target.parent_path());
    temp_ = target.parent_path() / temp_name(target);
    fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd_ < 0) fail("cannot create ", temp_.string(), ": ", std::strerror(errno));
  }
  ~AtomicFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!committed_) {
      std::error_code ec;
      fs::remove(temp_, ec);
    }
  }
  void write(const char* data, size_t size) {
    while (size > 0) {
      ssize_t n = ::write(fd_, data, size);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == ENOSPC || errno == EDQUOT)) {
        fail_no_space(str_cat("cannot write ", temp_.string(),
                              ": the model store's disk is full; remove models you no longer "
                              "need (ollama rm) or give the store a larger volume"));
      }
      if (n < 0) fail("cannot write ", temp_.string(), ": ", std::strerror(errno));
      data += n;
      size -= static_cast<size_t>(n);
    }
  }
  void commit() { commit_as(target_); }
  // For content whose name is known only once written (a blob named by its digest).
  void commit_as(const fs::path& target) {
    target_ = target;
    if (::fsync(fd_) != 0) fail("cannot sync ", temp_.string(), ": ", std::strerror(errno));
    ::close(fd_);
    fd_ = -1;
    std::error_code ec;
    fs::rename(temp_, target_, ec);
    if (ec) fail("cannot rename ", temp_.string(), " to ", target_.string(), ": ", ec.message());
    committed_ = true;
  }
  const fs::path& temp_path() const { return temp_; }

 private:
  fs::path target_, temp_;
  int fd_ = -1;
  bool committed_ = false;
};

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("cannot read ", path.string());
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// The directory entry whose name equals `part` exactly, else ignoring case.
std::optional<fs::path> find_entry(const fs::path& dir, const std::string& part) {
  std::error_code ec;
  if (fs::exists(dir / part, ec)) return dir / part;
  std::string lower = str_lower(part);
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (str_lower(entry.path().filename().string()) == lower) return entry.path();
  }
  return std::nullopt;
}

bool env_flag(const char* name) {
  const char* v = std::getenv(name);
  if (!v) return false;
  std::string s = str_lower(str_trim(v));
  return s == "1" || s == "true" || s == "yes" || s == "on";
}

}  // namespace

void write_file_atomic(const fs::path& path, std::string_view bytes) {
  AtomicFile file(path);
  file.write(bytes.data(), bytes.size());
  file.commit();
}

ModelStore::ModelStore(fs::path root) : root_(std::move(root)) {}

fs::path ModelStore::default_root() {
  const char* models = std::getenv("OLLAMA_MODELS");
  if (models && !str_trim(models).empty()) return fs::path(std::string(str_trim(models)));
  const char* home = std::getenv("HOME");
  return fs::path(home ? home : ".") / ".ollama" / "models";
}

fs::path ModelStore::blob_path(std::string_view digest) const {
  if (!is_valid_digest(digest)) fail_invalid("invalid digest format");
  std::string name = normalize_digest(digest);
  name[6] = '-';
  return blobs_dir() / name;
}

fs::path ModelStore::partial_path(std::string_view digest) const {
  fs::path p = blob_path(digest);
  p += "-partial";
  return p;
}

fs::path ModelStore::lock_path(std::string_view digest) const {
  fs::path p = blob_path(digest);
  p += ".lock";
  return p;
}

bool ModelStore::has_blob(std::string_view digest) const {
  std::error_code ec;
  return fs::is_regular_file(blob_path(digest), ec);
}

std::string ModelStore::read_blob(std::string_view digest) const {
  fs::path path = blob_path(digest);
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) fail_not_found(str_cat("blob \"", digest, "\" not found"));
  return read_file(path);
}

Layer ModelStore::add_blob(std::string_view bytes, std::string_view media_type) {
  Layer layer;
  layer.media_type = std::string(media_type);
  layer.digest = "sha256:" + Sha256::hex(bytes);
  layer.size = bytes.size();
  if (!has_blob(layer.digest) || !refresh_blobs({layer.digest}).empty()) {
    write_file_atomic(blob_path(layer.digest), bytes);
  }
  return layer;
}

Layer ModelStore::add_blob_file(const fs::path& source, std::string_view media_type) {
  std::ifstream in(source, std::ios::binary);
  if (!in) fail("cannot open ", source.string());
  fs::create_directories(blobs_dir());
  // Hash while copying, into a temporary name, then rename to the digest we computed.
  AtomicFile temp(blobs_dir() / "sha256-import");
  Sha256 hash;
  std::vector<char> buffer(1 << 20);
  uint64_t size = 0;
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    size_t n = static_cast<size_t>(in.gcount());
    if (n == 0) break;
    hash.update(buffer.data(), n);
    temp.write(buffer.data(), n);
    size += n;
  }
  if (in.bad()) fail("cannot read ", source.string());
  Layer layer;
  layer.media_type = std::string(media_type);
  layer.digest = "sha256:" + hash.hex_digest();
  layer.size = size;
  if (!has_blob(layer.digest) || !refresh_blobs({layer.digest}).empty()) {
    temp.commit_as(blob_path(layer.digest));
  }
  return layer;  // an uncommitted temporary file is removed
}

bool ModelStore::receive_blob(std::string_view digest,
                              const std::function<void(const ByteSink&)>& produce,
                              std::optional<uint64_t> size) {
  fs::path final_path = blob_path(digest);
  std::string want = normalize_digest(digest);
  // Refreshed, so that a blob a client has just sent (again) is not pruned before its create.
  if (has_blob(want) && refresh_blobs({want}).empty()) {
    produce([](const char*, size_t) {});
    return false;
  }
  const std::string what = str_cat("blob ", want.substr(0, 19));
  uint64_t room = check_room(size.value_or(0), what);
  AtomicFile temp(final_path);
  Sha256 hash;
  uint64_t received = 0;
  produce([&](const char* data, size_t n) {
    received += n;
    if (received > room) room = check_room(received, what);
    hash.update(data, n);
    temp.write(data, n);
  });
  std::string got = "sha256:" + hash.hex_digest();
  if (got != want) {
    fail_invalid(str_cat("digest mismatch, expected \"", want, "\", got \"", got, "\""));
  }
  temp.commit();
  return true;
}

std::optional<fs::path> ModelStore::resolve_manifest(const ModelName& name) const {
  fs::path dir = manifests_dir();
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return std::nullopt;
  for (const std::string* part : {&name.host, &name.ns, &name.model, &name.tag}) {
    std::optional<fs::path> next = find_entry(dir, *part);
    if (!next) return std::nullopt;
    dir = *next;
  }
  if (!fs::is_regular_file(dir, ec)) return std::nullopt;
  return dir;
}

StoredModel ModelStore::load(const ModelName& name, const fs::path& path) const {
  StoredModel model;
  model.manifest_path = path;
  std::string text = read_file(path);
  model.manifest = Manifest::parse(text, path.string());
  model.digest = Sha256::hex(text);
  model.modified = fs::last_write_time(path);
  // The casing on disk wins.
  fs::path rel = fs::relative(path, manifests_dir());
  std::vector<std::string> parts;
  for (const auto& p : rel) parts.push_back(p.string());
  model.name = name;
  if (parts.size() == 4) model.name = ModelName{parts[0], parts[1], parts[2], parts[3]};
  return model;
}

std::optional<StoredModel> ModelStore::find(const ModelName& name) const {
  std::optional<fs::path> path = resolve_manifest(name);
  if (!path) return std::nullopt;
  return load(name, *path);
}

StoredModel ModelStore::get(const ModelName& name) const {
  std::optional<StoredModel> model = find(name);
  if (!model) fail_not_found(str_cat("model '", name.display(), "' not found"));
  return *model;
}

std::vector<StoredModel> ModelStore::list() const {
  std::vector<StoredModel> models;
  std::error_code ec;
  if (!fs::is_directory(manifests_dir(), ec)) return models;
  // Exactly four levels below manifests/, as Ollama globs them.
  for (const auto& host : fs::directory_iterator(manifests_dir(), ec)) {
    if (!host.is_directory()) continue;
    for (const auto& ns : fs::directory_iterator(host.path(), ec)) {
      if (!ns.is_directory()) continue;
      for (const auto& model : fs::directory_iterator(ns.path(), ec)) {
        if (!model.is_directory()) continue;
        for (const auto& tag : fs::directory_iterator(model.path(), ec)) {
          if (!tag.is_regular_file()) continue;
          std::string tag_name = tag.path().filename().string();
          if (tag_name.find(".tmp-") != std::string::npos) continue;
          std::string text =
              str_cat(host.path().filename().string(), "/", ns.path().filename().string(), "/",
                      model.path().filename().string(), ":", tag_name);
          std::optional<ModelName> name = ModelName::parse(text);
          if (!name) {
            log_warn("bad manifest name", {{"path", tag.path().string()}});
            continue;
          }
          try {
            models.push_back(load(*name, tag.path()));
          } catch (const Error& e) {
            log_warn("bad manifest", {{"name", text}, {"error", e.what()}});
          }
        }
      }
    }
  }
  std::sort(models.begin(), models.end(),
            [](const StoredModel& a, const StoredModel& b) { return a.modified > b.modified; });
  return models;
}

std::string ModelStore::write_manifest(const ModelName& name, const Manifest& manifest) {
  std::optional<fs::path> existing = resolve_manifest(name);
  fs::path path = existing ? *existing : manifests_dir() / name.relative_path();
  std::string text = manifest.serialize(true);
  write_file_atomic(path, text);
  return Sha256::hex(text);
}

std::string ModelStore::write_manifest_text(const ModelName& name, std::string_view text) {
  std::optional<fs::path> existing = resolve_manifest(name);
  fs::path path = existing ? *existing : manifests_dir() / name.relative_path();
  write_file_atomic(path, text);
  return Sha256::hex(text);
}

void ModelStore::copy(const ModelName& source, const ModelName& destination) {
  std::optional<fs::path> from = resolve_manifest(source);
  if (!from) fail_not_found(str_cat("model \"", source.display(), "\" not found"));
  std::optional<fs::path> existing = resolve_manifest(destination);
  fs::path to = existing ? *existing : manifests_dir() / destination.relative_path();
  write_file_atomic(to, read_file(*from));
}

std::vector<std::string> ModelStore::referenced_digests() const {
  std::vector<std::string> digests;
  for (const StoredModel& model : list()) {
    digests.push_back(normalize_digest(model.manifest.config.digest));
    for (const Layer& layer : model.manifest.layers)
      digests.push_back(normalize_digest(layer.digest));
  }
  return digests;
}

size_t ModelStore::prune_unreferenced(const std::vector<std::string>& candidates) {
  if (env_flag("OLLAMA_NOPRUNE")) return 0;
  std::vector<std::string> used = referenced_digests();
  std::set<std::string> keep(used.begin(), used.end());
  size_t removed = 0;
  for (const std::string& digest : candidates) {
    std::string d = normalize_digest(digest);
    if (keep.count(d)) continue;
    std::error_code ec;
    // Another process may be pulling a model that shares this blob: its manifest is written
    // last, so its lock or partial is the only sign of it.
    if (BlobLock::is_live(lock_path(d)) || fs::exists(partial_path(d), ec)) continue;
    if (fs::remove(blob_path(d), ec)) ++removed;
  }
  return removed;
}

size_t ModelStore::prune_stale_partials(std::chrono::hours max_age) {
  size_t removed = 0;
  std::error_code ec;
  if (!fs::is_directory(blobs_dir(), ec)) return 0;
  auto now = fs::file_time_type::clock::now();
  std::vector<fs::path> doomed;
  for (const auto& entry : fs::directory_iterator(blobs_dir(), ec)) {
    std::string name = entry.path().filename().string();
    bool partial = name.size() > 71 && is_valid_digest(name.substr(0, 71)) &&
                   name.compare(71, 8, "-partial") == 0;
    if (!partial) continue;  // temporary files: remove_dead_temporaries
    std::error_code tec;
    auto mtime = fs::last_write_time(entry.path(), tec);
    if (tec || now - mtime < max_age) continue;
    if (BlobLock::is_live(lock_path(name.substr(0, 71)))) continue;
    doomed.push_back(entry.path());
  }
  for (const fs::path& p : doomed) {
    if (fs::remove(p, ec)) ++removed;
  }
  if (removed) log_info("removed stale partial downloads", {{"count", removed}});
  return removed;
}

void ModelStore::remove(const ModelName& name) {
  std::optional<fs::path> path = resolve_manifest(name);
  if (!path) fail_not_found(str_cat("model '", name.display(), "' not found"));
  StoredModel model = load(name, *path);
  fs::remove(*path);
  // Remove directories left empty, up to manifests/.
  std::error_code ec;
  for (fs::path dir = path->parent_path(); dir != manifests_dir() && fs::is_empty(dir, ec);
       dir = dir.parent_path()) {
    fs::remove(dir, ec);
    if (ec) break;
  }
  std::vector<std::string> candidates{model.manifest.config.digest};
  for (const Layer& layer : model.manifest.layers) candidates.push_back(layer.digest);
  prune_unreferenced(candidates);
}

size_t ModelStore::count_blobs() const {
  size_t count = 0;
  std::error_code ec;
  if (!fs::is_directory(blobs_dir(), ec)) return 0;
  for (const auto& entry : fs::directory_iterator(blobs_dir(), ec)) {
    if (is_valid_digest(entry.path().filename().string())) ++count;
  }
  return count;
}

}  // namespace slimllm
