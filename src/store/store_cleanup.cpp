// ModelStore's clean-up: unused blobs after a grace period, and temporary files of writers that
// are gone. Several replicas may share the volume, so nothing is removed that another writer may
// still need:
//  - a blob is a candidate only when no manifest references it, no live lock or partial download
//    names it, and its modification time is older than the grace period. Writers refresh the
//    blobs a manifest is about to reference (refresh_blobs) just before writing it, and a blob
//    is moved aside before it is removed and put back when it was refreshed meanwhile;
//  - a temporary file goes when its writer is known dead (this host, pid gone or reused), or
//    when it has not been written for the grace period (a writer on another host).
#include <sys/stat.h>

#include <fstream>
#include <set>
#include <sstream>

#include "base/error.h"
#include "base/log.h"
#include "base/strings.h"
#include "store/blob_lock.h"
#include "store/model_store.h"
#include "store/writer_tag.h"

namespace fs = std::filesystem;

namespace slimllm {
namespace {

bool older_than(const fs::path& path, std::chrono::seconds age) {
  std::error_code ec;
  auto mtime = fs::last_write_time(path, ec);
  if (ec) return false;
  return fs::file_time_type::clock::now() - mtime >= age;
}

// Every digest the manifests reference; nullopt when a manifest cannot be read (its blobs would
// look unused).
std::optional<std::set<std::string>> referenced(const fs::path& manifests) {
  std::set<std::string> out;
  std::error_code ec;
  if (!fs::is_directory(manifests, ec)) return out;
  for (auto it = fs::recursive_directory_iterator(manifests, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file()) continue;
    std::string name = it->path().filename().string();
    if (name.find(".tmp-") != std::string::npos) continue;
    if (it.depth() != 3) continue;  // manifests/<host>/<ns>/<model>/<tag>
    try {
      std::ifstream in(it->path(), std::ios::binary);
      std::ostringstream text;
      text << in.rdbuf();
      if (!in && !in.eof()) return std::nullopt;
      Manifest m = Manifest::parse(text.str(), it->path().filename().string());
      out.insert(normalize_digest(m.config.digest));
      for (const Layer& l : m.layers) out.insert(normalize_digest(l.digest));
    } catch (const Error& e) {
      log_warn("a manifest cannot be read; unused blobs are not pruned until it is fixed or "
               "removed",
               {{"manifest", fs::relative(it->path(), manifests).string()}, {"error", e.what()}});
      return std::nullopt;
    }
  }
  if (ec) return std::nullopt;
  return out;
}

}  // namespace

std::vector<std::string> ModelStore::refresh_blobs(const std::vector<std::string>& digests) {
  std::vector<std::string> missing;
  for (const std::string& digest : digests) {
    std::error_code ec;
    fs::last_write_time(blob_path(digest), fs::file_time_type::clock::now(), ec);
    if (ec) missing.push_back(normalize_digest(digest));
  }
  return missing;
}

size_t ModelStore::prune_unused_blobs() {
  if (policy_.noprune) return 0;
  std::error_code ec;
  if (!fs::is_directory(blobs_dir(), ec)) return 0;
  std::optional<std::set<std::string>> used = referenced(manifests_dir());
  if (!used) return 0;
  std::vector<std::string> candidates;
  for (const auto& entry : fs::directory_iterator(blobs_dir(), ec)) {
    std::string name = entry.path().filename().string();
    if (!is_valid_digest(name) || !entry.is_regular_file()) continue;
    std::string digest = normalize_digest(name);
    if (used->count(digest)) continue;
    candidates.push_back(digest);
  }
  size_t removed = 0;
  for (const std::string& digest : candidates) {
    fs::path blob = blob_path(digest);
    if (!older_than(blob, policy_.blob_grace)) continue;
    if (BlobLock::is_live(lock_path(digest)) || fs::exists(partial_path(digest), ec)) continue;
    // Moved aside first: a writer that refreshes it from now on finds it missing and writes it
    // again; one that refreshed it just before sees it put back.
    fs::path aside = blob;
    aside += ".prune" + temp_suffix();
    fs::rename(blob, aside, ec);
    if (ec) continue;
    if (!older_than(aside, policy_.blob_grace)) {
      fs::rename(aside, blob, ec);
      continue;
    }
    if (fs::remove(aside, ec)) {
      ++removed;
      log_debug("pruned an unused blob", {{"digest", digest}});
    }
  }
  return removed;
}

size_t ModelStore::remove_dead_temporaries() {
  size_t removed = 0;
  auto sweep = [&](const fs::path& dir, bool recursive) {
    std::error_code ec;
    std::vector<fs::path> doomed;
    auto consider = [&](const fs::directory_entry& entry) {
      if (!entry.is_regular_file()) return;
      std::string name = entry.path().filename().string();
      bool temp = name.find(".tmp-") != std::string::npos;
      bool legacy_upload = str_starts_with(name, ".upload-") && !temp;
      if (!temp && !legacy_upload) return;
      TempOwner owner = temp ? temp_owner(name) : TempOwner::kUnknown;
      if (owner == TempOwner::kThisProcess) return;
      if (owner == TempOwner::kDead || older_than(entry.path(), policy_.blob_grace)) {
        doomed.push_back(entry.path());
      }
    };
    if (recursive) {
      for (auto it = fs::recursive_directory_iterator(dir, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        consider(*it);
      }
    } else {
      for (const auto& entry : fs::directory_iterator(dir, ec)) consider(entry);
    }
    for (const fs::path& p : doomed) {
      std::error_code rec;
      if (fs::remove(p, rec)) ++removed;
    }
  };
  sweep(blobs_dir(), false);
  sweep(manifests_dir(), true);
  return removed;
}

size_t ModelStore::tidy() {
  size_t temps = remove_dead_temporaries();
  if (temps > 0) {
    log_info("removed temporary files of interrupted writes", {{"count", temps}});
  }
  prune_stale_partials();  // logs what it removed
  size_t blobs = prune_unused_blobs();
  if (blobs > 0) {
    log_info("removed unused blobs",
             {{"count", blobs}, {"grace", str_cat(policy_.blob_grace.count(), "s")}});
  }
  return blobs;
}

}  // namespace slimllm
