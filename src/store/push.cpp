#include "store/push.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "base/error.h"
#include "base/log.h"
#include "base/strings.h"
#include "store/http_fetch.h"
#include "store/store_error.h"

namespace slimllm {
namespace {

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("cannot read ", path.string());
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// The cause of a transport failure and a non-registry body go to the log only: the error text
// must not tell a client which ports of a host are open.
[[noreturn]] void fail_answer(const std::string& what, const HttpAnswer& a) {
  if (a.failure != HttpAnswer::Failure::kNone) {
    log_warn("cannot reach registry", {{"what", what}, {"error", a.error}});
    fail_unreachable(str_cat(what, ": cannot reach registry"));
  }
  std::string message = registry_error_message(a.body);
  if (message.empty()) {
    log_warn("registry answered an error",
             {{"what", what}, {"status", a.status}, {"body", str_trim(a.body)}});
    fail(what, ": ", a.status);
  }
  fail(what, ": ", a.status, ": ", message);
}

// The upload URL a registry answered with (Docker-Upload-Location wins, as in Ollama's).
std::string upload_location(const std::string& request_url, const HttpAnswer& a) {
  auto it = a.headers.find("docker-upload-location");
  if (it == a.headers.end()) it = a.headers.find("location");
  if (it == a.headers.end() || it->second.empty()) fail("upload: the registry sent no Location");
  return resolve_url(request_url, it->second);
}

std::string with_query(const std::string& url, const std::string& query) {
  return url + (url.find('?') == std::string::npos ? "?" : "&") + query;
}

}  // namespace

void push_model(const ModelStore& store, const ModelName& name, PushOptions options) {
  auto report = [&](PullProgress p) {
    if (options.progress) options.progress(p);
  };
  auto status = [&](const char* text) {
    PullProgress p;
    p.status = text;
    report(p);
  };
  if (options.cancel) options.registry.cancel = options.cancel;
  status("retrieving manifest");
  std::optional<StoredModel> model = store.find(name);
  if (!model) {
    status("couldn't retrieve manifest");
    fail_not_found(str_cat("model '", name.display(), "' not found"));
  }
  std::string manifest_text = read_file(model->manifest_path);
  RegistryClient registry(name, options.registry);
  std::string base = registry.bases().back();  // pushes go to the origin, never a mirror
  std::string repo = str_cat(base, "/v2/", name.ns, "/", name.model);

  std::vector<Layer> layers = model->manifest.layers;
  layers.push_back(model->manifest.config);
  for (const Layer& layer : layers) {
    std::string digest = normalize_digest(layer.digest);
    PullProgress p{str_cat("pushing ", digest.substr(7, 12)), digest, layer.size, 0};
    report(p);
    HttpFetch head;
    head.method = "HEAD";
    head.url = str_cat(repo, "/blobs/", digest);
    head.cancel = options.cancel;
    HttpAnswer exists = http_fetch(head);
    if (exists.failure == HttpAnswer::Failure::kNone && exists.status == 200) {
      p.completed = layer.size;
      report(p);
      continue;
    }
    HttpFetch start;
    start.method = "POST";
    start.url = str_cat(repo, "/blobs/uploads/");
    start.cancel = options.cancel;
    HttpAnswer started = http_fetch(start);
    if (started.failure != HttpAnswer::Failure::kNone || started.status != 202) {
      fail_answer("upload " + digest.substr(7, 12), started);
    }
    std::string location = upload_location(start.url, started);

    // The bytes in one PATCH, read from the blob as curl asks for them.
    std::filesystem::path path = store.blob_path(digest);
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) fail("cannot open ", path.string(), ": ", std::strerror(errno));
    uint64_t sent = 0;
    HttpFetch patch;
    patch.method = "PATCH";
    patch.url = location;
    patch.cancel = options.cancel;
    patch.upload_size = layer.size;
    patch.headers = {"Content-Type: application/octet-stream",
                     str_cat("Content-Range: 0-", layer.size ? layer.size - 1 : 0)};
    patch.upload = [&](char* buffer, size_t room) -> size_t {
      ssize_t n = ::read(fd, buffer, room);
      if (n <= 0) return 0;
      sent += static_cast<uint64_t>(n);
      return static_cast<size_t>(n);
    };
    HttpAnswer patched = http_fetch(patch);
    ::close(fd);
    if (patched.failure != HttpAnswer::Failure::kNone || patched.status >= 300) {
      fail_answer("upload " + digest.substr(7, 12), patched);
    }
    location = patched.headers.count("location") ? upload_location(location, patched) : location;
    p.completed = sent;
    report(p);

    HttpFetch put;
    put.method = "PUT";
    put.url = with_query(location, "digest=" + digest);
    put.cancel = options.cancel;
    HttpAnswer finished = http_fetch(put);
    if (finished.failure != HttpAnswer::Failure::kNone || finished.status != 201) {
      fail_answer("upload " + digest.substr(7, 12), finished);
    }
  }

  status("pushing manifest");
  HttpFetch put;
  put.method = "PUT";
  put.url = str_cat(repo, "/manifests/", name.tag);
  put.headers = {str_cat("Content-Type: ", kManifestMediaType)};
  put.body = manifest_text;
  put.cancel = options.cancel;
  HttpAnswer answer = http_fetch(put);
  if (answer.failure != HttpAnswer::Failure::kNone || answer.status >= 300) {
    fail_answer("push manifest", answer);
  }
  log_info("pushed model", {{"model", name.display()}});
  status("success");
}

}  // namespace slimllm
