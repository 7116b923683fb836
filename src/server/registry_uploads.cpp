// Registry mode's write side, on only with SLIMLLM_REGISTRY_UPLOADS=1, so that `slimllm push
// --insecure host:11434/ns/model:tag` from another machine lands in this store:
//   POST   /v2/<ns>/<model>/blobs/uploads/             start an upload (202, Location)
//   PATCH  /v2/<ns>/<model>/blobs/uploads/<id>         append the body
//   PUT    /v2/<ns>/<model>/blobs/uploads/<id>?digest=  finish: verified, then into blobs/
//   PUT    /v2/<ns>/<model>/manifests/<tag>            the manifest, once all its blobs are here
// Upload bytes wait in blobs/.upload-<id> (a stray file to every reader of the store) and enter
// the store through ModelStore::receive_blob, which hashes them on the way in.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>
#include <optional>
#include <random>

#include "base/log.h"
#include "base/strings.h"
#include "server/http_util.h"
#include "server/registry_routes.h"
#include "store/store_error.h"
#include "store/writer_tag.h"

namespace slimllm {
namespace {

std::string random_id() {
  static std::mutex mutex;
  static std::mt19937_64 rng{std::random_device{}()};
  std::lock_guard lock(mutex);
  return str_printf("%016llx%016llx", static_cast<unsigned long long>(rng()),
                    static_cast<unsigned long long>(rng()));
}

// Uploads in progress, by id.
class Uploads {
 public:
  explicit Uploads(ModelStore& store) : store_(store) {}

  std::string start() {
    const std::string id = random_id();
    std::error_code ec;
    std::filesystem::create_directories(store_.root() / "blobs", ec);
    {
      std::lock_guard lock(mutex_);
      sizes_[id] = 0;
      names_[id] = ".upload-" + id + temp_suffix();
    }
    // Truncate a leftover of the same name (there is none: ids are random).
    const int fd = ::open(path(id).c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) fail("cannot create ", path(id).string(), ": ", std::strerror(errno));
    ::close(fd);
    return id;
  }
  bool known(const std::string& id) {
    std::lock_guard lock(mutex_);
    return sizes_.count(id) != 0;
  }
  // Appends the body; returns the upload's size.
  uint64_t append(const std::string& id, const http::ContentReader& reader, uint64_t announced) {
    // The quota and the disk are checked before the body is read, and again as it grows.
    uint64_t room = store_.check_room(announced, "the blob upload");
    const int fd = ::open(path(id).c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd < 0) fail("cannot open ", path(id).string(), ": ", std::strerror(errno));
    uint64_t added = 0;
    bool ok = true;
    std::exception_ptr refused;
    reader([&](const char* data, size_t size) {
      if (added + size > room) {
        try {
          room = store_.check_room(added + size, "the blob upload");
        } catch (...) {
          refused = std::current_exception();
          return false;
        }
      }
      while (size > 0) {
        const ssize_t n = ::write(fd, data, size);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return ok = false;
        data += n;
        size -= static_cast<size_t>(n);
        added += static_cast<uint64_t>(n);
      }
      return true;
    });
    ::close(fd);
    if (refused) std::rethrow_exception(refused);
    if (!ok) fail("cannot write ", path(id).string(), ": ", std::strerror(errno));
    std::lock_guard lock(mutex_);
    return sizes_[id] += added;
  }
  // Moves the upload into the store under `digest` (verified); the upload is gone either way.
  void finish(const std::string& id, const std::string& digest) {
    const std::filesystem::path file = path(id);
    try {
      store_.receive_blob(digest, [&](const ModelStore::ByteSink& sink) {
        const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) fail("cannot open ", file.string(), ": ", std::strerror(errno));
        std::vector<char> buffer(1 << 20);
        ssize_t n;
        while ((n = ::read(fd, buffer.data(), buffer.size())) > 0) {
          sink(buffer.data(), static_cast<size_t>(n));
        }
        ::close(fd);
      });
    } catch (...) {
      forget(id);
      throw;
    }
    forget(id);
  }

 private:
  // blobs/.upload-<id>.tmp-<writer>: a start-up after a kill removes it (ModelStore::tidy).
  std::filesystem::path path(const std::string& id) {
    std::lock_guard lock(mutex_);
    return store_.root() / "blobs" / names_[id];
  }
  void forget(const std::string& id) {
    std::error_code ec;
    std::filesystem::remove(path(id), ec);
    std::lock_guard lock(mutex_);
    sizes_.erase(id);
    names_.erase(id);
  }

  ModelStore& store_;
  std::mutex mutex_;
  std::map<std::string, uint64_t> sizes_;
  std::map<std::string, std::string> names_;  // id → file name in blobs/
};

uint64_t announced_length(const http::Request& req) {
  if (!req.has_header("Content-Length")) return 0;
  return std::strtoull(req.get_header_value("Content-Length").c_str(), nullptr, 10);
}

std::string upload_location(const http::Request& req, const std::string& id) {
  return str_cat("/v2/", req.matches[1].str(), "/", req.matches[2].str(), "/blobs/uploads/", id);
}

void handle_manifest_put(ServerContext& ctx, const http::Request& req, http::Response& res,
                         const http::ContentReader& reader) {
  std::string text;
  reader([&](const char* data, size_t size) {
    if (text.size() + size > (16u << 20)) return false;  // manifests are a few KB
    text.append(data, size);
    return true;
  });
  const std::optional<ModelName> name =
      ModelName::parse(str_cat(kDefaultHost, "/", req.matches[1].str(), "/", req.matches[2].str(),
                               ":", req.matches[3].str()));
  if (!name) return send_registry_error(res, 400, "NAME_INVALID", "invalid repository name");
  Manifest manifest;
  try {
    manifest = Manifest::parse(text, "uploaded manifest");
  } catch (const Error& e) {
    return send_registry_error(res, 400, "MANIFEST_INVALID", e.what());
  }
  std::vector<Layer> layers = manifest.layers;
  layers.push_back(manifest.config);
  // Refreshed, so that no pruner takes them as unused before the manifest names them.
  std::vector<std::string> digests;
  for (const Layer& layer : layers) digests.push_back(layer.digest);
  if (std::vector<std::string> missing = ctx.store.refresh_blobs(digests); !missing.empty()) {
    return send_registry_error(res, 400, "MANIFEST_BLOB_UNKNOWN",
                               str_cat("blob unknown to registry: ", missing.front()));
  }
  const std::string digest = ctx.store.write_manifest_text(*name, text);
  log_info("registry: manifest received", {{"model", name->display()}});
  res.status = 201;
  res.set_header("Docker-Content-Digest", "sha256:" + digest);
  res.set_header("Location", str_cat("/v2/", name->ns, "/", name->model, "/manifests/", name->tag));
}

// PATCH and PUT on an upload session: appends the body to session <id> (the third match) and
// returns the bytes it now holds; nullopt, after a 404, when no such session is open.
std::optional<uint64_t> append_chunk(Uploads& uploads, const http::Request& req,
                                     http::Response& res, const http::ContentReader& reader) {
  const std::string id = req.matches[3];
  if (!uploads.known(id)) {
    send_registry_error(res, 404, "BLOB_UPLOAD_UNKNOWN", "blob upload unknown");
    return std::nullopt;
  }
  return uploads.append(id, reader, announced_length(req));
}

}  // namespace

void add_registry_upload_routes(RouteTable& routes, ServerContext& ctx) {
  auto uploads = std::make_shared<Uploads>(ctx.store);
  const std::string repo = R"(/v2/([^/]+)/([^/]+))";
  routes.post_stream(
      repo + "/blobs/uploads/", Scope::kAdmin,
      [uploads](const http::Request& req, http::Response& res, const http::ContentReader&) {
        guarded(res, [&] {
          const std::string id = uploads->start();
          res.status = 202;
          res.set_header("Location", upload_location(req, id));
          res.set_header("Docker-Upload-UUID", id);
          res.set_header("Range", "0-0");
        });
      });
  const std::string session = repo + "/blobs/uploads/([0-9a-f]+)";
  routes.patch(
      session, Scope::kAdmin,
      [uploads](const http::Request& req, http::Response& res, const http::ContentReader& reader) {
        guarded(res, [&] {
          const std::optional<uint64_t> size = append_chunk(*uploads, req, res, reader);
          if (!size) return;
          res.status = 202;
          res.set_header("Location", upload_location(req, req.matches[3]));
          res.set_header("Range", str_cat("0-", *size > 0 ? *size - 1 : 0));
        });
      });
  routes.put(
      session, Scope::kAdmin,
      [uploads](const http::Request& req, http::Response& res, const http::ContentReader& reader) {
        guarded(res, [&] {
          // A final chunk may come with the PUT.
          if (!append_chunk(*uploads, req, res, reader)) return;
          const std::string id = req.matches[3];
          const std::string digest = req.get_param_value("digest");
          if (!is_valid_digest(digest)) {
            return send_registry_error(res, 400, "DIGEST_INVALID", "invalid digest format");
          }
          try {
            uploads->finish(id, digest);
          } catch (const StoreError& e) {
            if (e.kind() != StoreError::Kind::kInvalid) throw;
            return send_registry_error(res, 400, "DIGEST_INVALID", e.what());
          }
          res.status = 201;
          res.set_header("Docker-Content-Digest", normalize_digest(digest));
          res.set_header("Location",
                         str_cat("/v2/", req.matches[1].str(), "/", req.matches[2].str(), "/blobs/",
                                 normalize_digest(digest)));
        });
      });
  routes.put(
      repo + "/manifests/([^/]+)", Scope::kAdmin,
      [&ctx](const http::Request& req, http::Response& res, const http::ContentReader& reader) {
        guarded(res, [&] { handle_manifest_put(ctx, req, res, reader); });
      });
}

}  // namespace slimllm
