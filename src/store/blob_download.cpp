#include "store/blob_download.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <fstream>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "base/error.h"
#include "base/log.h"
#include "base/sha256.h"
#include "base/strings.h"
#include "store/blob_lock.h"
#include "store/http_fetch.h"
#include "store/store_error.h"

namespace fs = std::filesystem;

namespace slimllm {
namespace {

struct Part {
  uint64_t offset = 0;
  uint64_t size = 0;
  std::atomic<uint64_t> completed{0};
  uint64_t checkpointed = 0;  // guarded by Download::mutex_
};

fs::path sidecar_of(const fs::path& partial) {
  fs::path p = partial;
  p += ".json";
  return p;
}

std::string short_digest(const std::string& digest) {
  return digest.substr(7, 12);
}

// The bytes the sidecar says are on disk; 0 when there is none (or it is unreadable).
uint64_t sidecar_completed(const fs::path& sidecar) {
  std::ifstream in(sidecar);
  if (!in) return 0;
  nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded() || !j.contains("parts") || !j["parts"].is_array()) return 0;
  uint64_t sum = 0;
  for (const auto& p : j["parts"]) {
    if (p.is_object() && p.contains("completed") && p["completed"].is_number_unsigned()) {
      sum += p["completed"].get<uint64_t>();
    }
  }
  return sum;
}

void sleep_unless_cancelled(std::chrono::milliseconds total, const std::atomic<bool>* cancel) {
  auto end = std::chrono::steady_clock::now() + total;
  while (std::chrono::steady_clock::now() < end) {
    if (cancel && cancel->load()) return;
    std::this_thread::sleep_for(std::min<std::chrono::milliseconds>(
        std::chrono::milliseconds(50), std::chrono::duration_cast<std::chrono::milliseconds>(
                                           end - std::chrono::steady_clock::now())));
  }
}

void sync_directory(const fs::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

class Download {
 public:
  Download(ModelStore& store, const RegistryClient& registry, const Layer& layer,
           const DownloadOptions& options, BlobLock& lock)
      : store_(store),
        registry_(registry),
        digest_(normalize_digest(layer.digest)),
        total_(layer.size),
        options_(options),
        lock_(lock),
        partial_(store.partial_path(digest_)),
        sidecar_(sidecar_of(partial_)) {}

  ~Download() {
    if (fd_ >= 0) ::close(fd_);
  }

  void run(const std::function<void(uint64_t)>& on_progress) {
    fs::create_directories(partial_.parent_path());
    remove_dead_temporaries();
    bool resumed = load_sidecar();
    if (!resumed) plan_parts();
    fd_ = ::open(partial_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) fail("cannot open ", partial_.string(), ": ", std::strerror(errno));
    // Sized up front so every part can write at its offset (sparse where not yet written).
    if (::ftruncate(fd_, static_cast<off_t>(total_)) != 0) {
      fail("cannot size ", partial_.string(), ": ", std::strerror(errno));
    }
    uint64_t on_disk = completed();
    log_info(str_cat("downloading ", short_digest(digest_), " in ", parts_.size(), " ",
                     human_bytes(parts_.empty() ? 0 : parts_[0]->size), " part(s)"),
             {{"resumed_bytes", on_disk}});
    if (!resumed) checkpoint();
    on_progress(on_disk);

    std::vector<std::thread> threads;
    for (size_t i = 0; i < parts_.size(); ++i) {
      if (parts_[i]->completed.load() >= parts_[i]->size) continue;
      {
        std::lock_guard guard(mutex_);
        ++running_;
      }
      threads.emplace_back([this, i] { run_part(i); });
    }
    {
      std::unique_lock guard(mutex_);
      while (running_ > 0) {
        done_.wait_for(guard, options_.progress_interval);
        bool due = std::chrono::steady_clock::now() - last_checkpoint_ >=
                       options_.checkpoint_interval &&
                   completed() > checkpointed_total();
        guard.unlock();
        if (due) checkpoint();
        on_progress(completed());
        guard.lock();
      }
    }
    for (std::thread& t : threads) t.join();
    checkpoint();
    if (no_space_) {
      fail_no_space(str_cat("the model store's disk filled up while pulling ",
                            short_digest(digest_), " (the partial download is kept); remove "
                            "models you no longer need (ollama rm) or give the store a larger "
                            "volume, then pull again"));
    }
    if (!error_.empty()) fail(error_);
    finish();
    on_progress(total_);
  }

 private:
  uint64_t completed() const {
    uint64_t sum = 0;
    for (const auto& p : parts_) sum += p->completed.load();
    return sum;
  }

  void plan_parts() {
    std::error_code ec;
    fs::remove(partial_, ec);
    parts_.clear();
    uint64_t n = total_ > options_.parallel_threshold ? std::max(1, options_.parts) : 1;
    uint64_t size = n > 1 ? (total_ + n - 1) / n : total_;
    for (uint64_t offset = 0, i = 0; i < n; ++i) {
      auto p = std::make_unique<Part>();
      p->offset = offset;
      p->size = std::min(size, total_ - offset);
      offset += p->size;
      parts_.push_back(std::move(p));
    }
  }

  // Sidecar rewrites a killed writer left half-done; we hold the lock, so none is live.
  void remove_dead_temporaries() {
    std::string prefix = sidecar_.filename().string() + ".tmp-";
    std::error_code ec;
    std::vector<fs::path> doomed;
    for (const auto& entry : fs::directory_iterator(partial_.parent_path(), ec)) {
      if (str_starts_with(entry.path().filename().string(), prefix)) doomed.push_back(entry.path());
    }
    for (const fs::path& p : doomed) fs::remove(p, ec);
  }

  // Resumes from the sidecar when it describes this blob and the partial is still there.
  bool load_sidecar() {
    std::error_code ec;
    if (!fs::is_regular_file(partial_, ec) || fs::file_size(partial_, ec) != total_) return false;
    std::ifstream in(sidecar_);
    if (!in) return false;
    nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
    if (j.is_discarded() || j.value("digest", "") != digest_ || !j.contains("total") ||
        !j["total"].is_number_unsigned() || j["total"].get<uint64_t>() != total_ ||
        !j.contains("parts") || !j["parts"].is_array()) {
      return false;
    }
    uint64_t expected_offset = 0;
    for (const auto& jp : j["parts"]) {
      auto number = [&](const char* key) -> std::optional<uint64_t> {
        if (!jp.is_object() || !jp.contains(key) || !jp[key].is_number_unsigned()) return {};
        return jp[key].get<uint64_t>();
      };
      auto offset = number("offset"), size = number("size"), done = number("completed");
      if (!offset || !size || !done || *offset != expected_offset || *done > *size ||
          *size > total_ - expected_offset) {
        parts_.clear();
        return false;
      }
      auto p = std::make_unique<Part>();
      p->offset = *offset;
      p->size = *size;
      p->completed = *done;
      p->checkpointed = *done;
      parts_.push_back(std::move(p));
      expected_offset += *size;
    }
    if (expected_offset != total_ || parts_.empty()) {
      parts_.clear();
      return false;
    }
    return true;
  }

  // Guarded by mutex_.
  uint64_t checkpointed_total() const {
    uint64_t sum = 0;
    for (const auto& p : parts_) sum += p->checkpointed;
    return sum;
  }

  // Makes the bytes counted so far durable, then records them: the sidecar never runs ahead of
  // the data. Called when a part has taken checkpoint_bytes, and by time (checkpoint_interval).
  void checkpoint() {
    std::lock_guard guard(mutex_);
    last_checkpoint_ = std::chrono::steady_clock::now();
    std::vector<uint64_t> done;
    for (const auto& p : parts_) done.push_back(p->completed.load());
    if (fd_ >= 0) ::fdatasync(fd_);
    nlohmann::json j;
    j["digest"] = digest_;
    j["total"] = total_;
    j["parts"] = nlohmann::json::array();
    for (size_t i = 0; i < parts_.size(); ++i) {
      j["parts"].push_back(
          {{"offset", parts_[i]->offset}, {"size", parts_[i]->size}, {"completed", done[i]}});
      parts_[i]->checkpointed = done[i];
    }
    write_file_atomic(sidecar_, j.dump());
    lock_.refresh();
  }

  bool cancelled() const { return options_.cancel && options_.cancel->load(); }

  void set_error(const std::string& message) {
    std::lock_guard guard(mutex_);
    if (error_.empty()) error_ = message;
  }

  void run_part(size_t index) {
    fetch_part(index);
    std::lock_guard guard(mutex_);
    --running_;
    done_.notify_all();
  }

  void fetch_part(size_t index) {
    Part& part = *parts_[index];
    int attempts = 0, stalls = 0;
    while (part.completed.load() < part.size) {
      if (cancelled()) return set_error("canceled");
      {
        std::lock_guard guard(mutex_);
        if (!error_.empty()) return;  // another part failed: stop early, keep what we have
      }
      uint64_t before = part.completed.load();
      HttpFetch request;
      request.url = registry_.blob_url(digest_);
      request.range = {{part.offset + before, part.offset + part.size - 1}};
      request.stall_seconds = options_.stall_seconds;
      request.connect_timeout_seconds = registry_.options().connect_timeout_seconds;
      request.cancel = options_.cancel;
      bool write_failed = false;
      request.sink = [&](const char* data, size_t size) {
        uint64_t done = part.completed.load();
        // A server that ignores the range at offset 0 sends the whole blob: keep our part only.
        size_t take = static_cast<size_t>(std::min<uint64_t>(size, part.size - done));
        size_t written = 0;
        while (written < take) {
          ssize_t n = ::pwrite(fd_, data + written, take - written,
                               static_cast<off_t>(part.offset + done + written));
          if (n < 0 && errno == EINTR) continue;
          if (n < 0) {
            if (errno == ENOSPC || errno == EDQUOT) no_space_ = true;
            set_error(str_cat("cannot write ", partial_.string(), ": ", std::strerror(errno)));
            write_failed = true;
            return false;
          }
          written += static_cast<size_t>(n);
        }
        part.completed = done + take;
        if (options_.on_bytes) options_.on_bytes(take);
        bool due;
        {
          std::lock_guard guard(mutex_);
          due = part.completed.load() - part.checkpointed >= options_.checkpoint_bytes;
        }
        if (due) checkpoint();
        return take == size;
      };
      HttpAnswer answer = http_fetch(request);
      if (write_failed) return;
      if (part.completed.load() >= part.size) return;
      if (answer.failure == HttpAnswer::Failure::kCancelled || cancelled()) {
        return set_error("canceled");
      }
      bool progressed = part.completed.load() > before;
      if (progressed) attempts = 0;
      std::string problem;
      if (answer.failure == HttpAnswer::Failure::kStalled) {
        log_info(str_cat(short_digest(digest_), " part ", index,
                         " stalled; retrying. If this persists, press ctrl-c to exit, then "
                         "'ollama pull' to find a faster connection."));
        if (++stalls > options_.max_stalls) {
          return set_error(
              str_cat(short_digest(digest_), " part ", index, " stalled ", stalls, " times"));
        }
        continue;  // stalls are not counted as failures, as Ollama's
      }
      // `problem` goes to the client; `detail` (curl's reason, another service's body) only to
      // the log, so that errors cannot map which ports of a host are open.
      std::string detail;
      if (answer.failure != HttpAnswer::Failure::kNone) {
        problem = "cannot reach registry";
        detail = answer.error;
      } else if (answer.status == 200 && request.range->first != 0) {
        problem = "the registry ignored the byte range";
      } else if (answer.status >= 300) {
        std::string message = registry_error_message(answer.body);
        problem = message.empty() ? str_cat(answer.status) : str_cat(answer.status, ": ", message);
        detail = std::string(str_trim(answer.body));
      } else {
        problem = "the connection closed early";
      }
      log_warn(str_cat(short_digest(digest_), " part ", index, " attempt ", attempts + 1,
                       attempts + 1 > options_.max_retries ? " failed" : " failed, retrying"),
               {{"error", problem}, {"detail", detail}});
      if (++attempts > options_.max_retries) {
        return set_error(
            str_cat("download ", short_digest(digest_), " part ", index, " failed: ", problem));
      }
      sleep_unless_cancelled(options_.retry_delay * (1 << std::min(attempts - 1, 5)),
                             options_.cancel);
    }
  }

  void finish() {
    std::string got = "sha256:" + Sha256::hex_file(partial_.string());
    std::error_code ec;
    if (got != digest_) {
      ::close(fd_);
      fd_ = -1;
      fs::remove(partial_, ec);
      fs::remove(sidecar_, ec);
      fail("digest mismatch, file must be downloaded again: want ", digest_, ", got ", got);
    }
    if (::fsync(fd_) != 0) fail("cannot sync ", partial_.string(), ": ", std::strerror(errno));
    ::close(fd_);
    fd_ = -1;
    fs::rename(partial_, store_.blob_path(digest_), ec);
    if (ec) fail("cannot rename ", partial_.string(), ": ", ec.message());
    sync_directory(partial_.parent_path());
    fs::remove(sidecar_, ec);
  }

  ModelStore& store_;
  const RegistryClient& registry_;
  std::string digest_;
  uint64_t total_;
  const DownloadOptions& options_;
  BlobLock& lock_;
  fs::path partial_, sidecar_;
  int fd_ = -1;
  std::vector<std::unique_ptr<Part>> parts_;
  std::mutex mutex_;
  std::condition_variable done_;
  int running_ = 0;
  std::string error_;
  std::atomic<bool> no_space_{false};
  std::chrono::steady_clock::time_point last_checkpoint_ = std::chrono::steady_clock::now();
};

}  // namespace

BlobOutcome download_blob(ModelStore& store, const RegistryClient& registry, const Layer& layer,
                          const DownloadOptions& options,
                          const std::function<void(uint64_t)>& on_progress) {
  std::string digest = normalize_digest(layer.digest);
  bool waited = false;
  uint64_t last_reported = UINT64_MAX;
  while (true) {
    if (store.has_blob(digest)) {
      on_progress(layer.size);
      return waited ? BlobOutcome::kWaitedForOther : BlobOutcome::kPresent;
    }
    if (options.cancel && options.cancel->load()) fail("canceled");
    std::optional<BlobLock> lock =
        BlobLock::try_acquire(store.lock_path(digest), options.lock_stale_after);
    if (lock) {
      // The other writer may have finished between our check and our lock.
      if (store.has_blob(digest)) continue;
      Download download(store, registry, layer, options, *lock);
      download.run(on_progress);
      return BlobOutcome::kDownloaded;
    }
    if (!waited) log_info("waiting for another writer of this blob", {{"digest", digest}});
    waited = true;
    // Show the other writer's progress as recorded in its sidecar.
    uint64_t theirs = sidecar_completed(sidecar_of(store.partial_path(digest)));
    if (theirs != last_reported) on_progress(std::min(theirs, layer.size));
    last_reported = theirs;
    sleep_unless_cancelled(options.lock_poll, options.cancel);
  }
}

}  // namespace slimllm
