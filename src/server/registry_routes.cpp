#include "server/registry_routes.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <memory>
#include <sstream>

#include "base/log.h"
#include "base/strings.h"
#include "server/http_util.h"

namespace slimllm {
namespace {

void handle_manifest(ServerContext& ctx, const http::Request& req, http::Response& res) {
  std::string ns = req.matches[1], model = req.matches[2], tag = req.matches[3];
  std::optional<StoredModel> found = find_registry_model(ctx.store, ns, model, tag);
  if (!found) {
    return send_registry_error(res, 404, "MANIFEST_UNKNOWN",
                               str_cat("manifest unknown: ", ns, "/", model, ":", tag));
  }
  std::ifstream in(found->manifest_path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) return send_registry_error(res, 500, "UNKNOWN", "cannot read the manifest");
  res.set_header("Docker-Content-Digest", "sha256:" + found->digest);
  res.set_content(text.str(), std::string(kManifestMediaType));
}

void handle_blob(ServerContext& ctx, const http::Request& req, http::Response& res) {
  std::string digest = req.matches[3];
  if (!is_valid_digest(digest)) {
    return send_registry_error(res, 400, "DIGEST_INVALID", "invalid digest format");
  }
  std::filesystem::path path = ctx.store.blob_path(digest);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return send_registry_error(res, 404, "BLOB_UNKNOWN", "blob unknown to registry");
  off_t size = ::lseek(fd, 0, SEEK_END);
  if (size < 0) {
    ::close(fd);
    return send_registry_error(res, 500, "UNKNOWN", "cannot read the blob");
  }
  res.set_header("Docker-Content-Digest", normalize_digest(digest));
  res.set_header("Accept-Ranges", "bytes");
  if (size == 0) {
    ::close(fd);
    res.set_content("", "application/octet-stream");
    return;
  }
  // cpp-httplib applies a single Range to a provider of known length (206, Content-Range).
  auto file = std::make_shared<int>(fd);
  res.set_content_provider(
      static_cast<size_t>(size), "application/octet-stream",
      [file](size_t offset, size_t length, http::DataSink& sink) {
        std::vector<char> buffer(std::min<size_t>(length, 1 << 20));
        while (length > 0) {
          ssize_t n = ::pread(*file, buffer.data(), std::min(length, buffer.size()),
                              static_cast<off_t>(offset));
          if (n < 0 && errno == EINTR) continue;
          if (n <= 0) return false;
          if (!sink.write(buffer.data(), static_cast<size_t>(n))) return false;
          offset += static_cast<size_t>(n);
          length -= static_cast<size_t>(n);
        }
        return true;
      },
      [file](bool) { ::close(*file); });
}

}  // namespace

void send_registry_error(http::Response& res, int status, const std::string& code,
                         const std::string& message) {
  OrderedJson error;
  error["code"] = code;
  error["message"] = message;
  OrderedJson body;
  body["errors"] = OrderedJson::array({error});
  send_json(res, body, status);
}

std::optional<StoredModel> find_registry_model(const ModelStore& store, const std::string& ns,
                                               const std::string& model, const std::string& tag) {
  if (std::optional<ModelName> name =
          ModelName::parse(str_cat(kDefaultHost, "/", ns, "/", model, ":", tag))) {
    if (std::optional<StoredModel> m = store.find(*name)) return m;
  } else {
    return std::nullopt;
  }
  for (StoredModel& m : store.list()) {
    if (str_lower(m.name.ns) == str_lower(ns) && str_lower(m.name.model) == str_lower(model) &&
        str_lower(m.name.tag) == str_lower(tag)) {
      return std::move(m);
    }
  }
  return std::nullopt;
}

void add_registry_routes(RouteTable& routes, ServerContext& ctx) {
  routes.get("/v2/", Scope::kRead, [](const http::Request&, http::Response& res) {
    res.set_content("{}", "application/json");
  });
  routes.get(R"(/v2/([^/]+)/([^/]+)/manifests/([^/]+))", Scope::kRead,
             [&ctx](const http::Request& req, http::Response& res) {
               guarded(res, [&] { handle_manifest(ctx, req, res); });
             });
  routes.get(R"(/v2/([^/]+)/([^/]+)/blobs/([^/]+))", Scope::kRead,
             [&ctx](const http::Request& req, http::Response& res) {
               guarded(res, [&] { handle_blob(ctx, req, res); });
             });
  if (ctx.config.registry_uploads) add_registry_upload_routes(routes, ctx);
}

}  // namespace slimllm
