// A small registry for tests on 127.0.0.1: serves manifests and blobs from memory, and can be
// told to redirect blob requests to a second server (a "CDN"), stall a request until released,
// cut connections after a number of bytes, or serve a wrong byte. Counts what it served.
#pragma once

#include <httplib.h>

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/sha256.h"
#include "store/go_json.h"
#include "store/manifest.h"

namespace slimllm::testing {

class FakeRegistry {
 public:
  FakeRegistry() {
    routes(registry_, /*is_cdn=*/false);
    routes(cdn_, /*is_cdn=*/true);
    port_ = registry_.bind_to_any_port("127.0.0.1");
    cdn_port_ = cdn_.bind_to_any_port("127.0.0.1");
    threads_.emplace_back([this] { registry_.listen_after_bind(); });
    threads_.emplace_back([this] { cdn_.listen_after_bind(); });
  }
  ~FakeRegistry() {
    release_stall();
    registry_.stop();
    cdn_.stop();
    for (auto& t : threads_) t.join();
  }

  // Adds a blob and returns its layer.
  Layer add_blob(const std::string& bytes, const std::string& media_type) {
    Layer layer{media_type, "sha256:" + Sha256::hex(bytes), bytes.size(), ""};
    std::lock_guard lock(mutex_);
    blobs_[layer.digest] = bytes;
    return layer;
  }
  // Publishes ns/model:tag with these layers and a config blob; returns the manifest's bytes.
  std::string add_model(const std::string& ns, const std::string& model, const std::string& tag,
                        const std::vector<Layer>& layers) {
    ConfigBlob config;
    for (const Layer& l : layers) config.diff_ids.push_back(l.digest);
    Manifest m;
    m.config = add_blob(config.serialize(), std::string(kConfigMediaType));
    m.layers = layers;
    std::string text = m.serialize(false);
    std::lock_guard lock(mutex_);
    manifests_[ns + "/" + model + ":" + tag] = text;
    return text;
  }

  int port() const { return port_; }
  std::string host() const { return "127.0.0.1:" + std::to_string(port_); }
  std::string url() const { return "http://" + host(); }

  // Behaviour switches.
  std::atomic<bool> redirect_blobs{false};
  std::atomic<int64_t> cut_after{-1};     // total blob bytes served before every blob request fails
  std::atomic<bool> fail_when_cut{true};  // after the cut, answer 500 instead of serving
  std::atomic<int64_t> corrupt_at{-1};    // blob byte offset served flipped
  std::atomic<int> stall_requests{0};     // this many blob GETs stall after their first chunk
  std::atomic<int64_t> stall_after{-1};   // every blob GET stalls once this many bytes went out

  // Observations.
  std::atomic<int64_t> blob_bytes{0};  // blob bytes written to clients (registry + CDN)
  std::atomic<int64_t> cdn_bytes{0};
  std::atomic<int> manifest_requests{0};
  std::atomic<int> uploads{0};  // blobs received by push
  std::atomic<int> blob_requests{0};
  std::atomic<int> stalls{0};  // blob GETs that reached their stall and wait for release_stall()
  std::vector<std::string> ranges() {
    std::lock_guard lock(mutex_);
    return ranges_;
  }
  void release_stall() {
    std::lock_guard lock(mutex_);
    released_ = true;
    stall_cv_.notify_all();
  }

 private:
  void routes(httplib::Server& server, bool is_cdn) {
    server.Get(R"(/v2/([^/]+)/([^/]+)/manifests/([^/]+))", [this](const httplib::Request& req,
                                                                  httplib::Response& res) {
      ++manifest_requests;
      std::lock_guard lock(mutex_);
      auto it = manifests_.find(std::string(req.matches[1]) + "/" + std::string(req.matches[2]) +
                                ":" + std::string(req.matches[3]));
      if (it == manifests_.end()) {
        res.status = 404;
        res.set_content(R"({"errors":[{"code":"MANIFEST_UNKNOWN"}]})", "application/json");
        return;
      }
      res.set_content(it->second, std::string(kManifestMediaType));
    });
    if (!is_cdn) upload_routes(server);
    std::string blob_pattern =
        is_cdn ? R"(/cdn/(sha256:[0-9a-f]{64}))" : R"(/v2/[^/]+/[^/]+/blobs/(sha256:[0-9a-f]{64}))";
    server.Get(blob_pattern, [this, is_cdn](const httplib::Request& req, httplib::Response& res) {
      std::string digest = req.matches[1];
      if (!is_cdn && redirect_blobs) {
        res.status = 307;
        res.set_header("Location", "http://127.0.0.1:" + std::to_string(cdn_port_) + "/cdn/" +
                                       digest + "?signature=test");
        return;
      }
      serve_blob(digest, req, res, is_cdn);
    });
  }

  // Push: POST starts an upload, PATCH appends, PUT ?digest= verifies and stores; PUT manifest.
  void upload_routes(httplib::Server& server) {
    server.Post(R"(/v2/([^/]+)/([^/]+)/blobs/uploads/)",
                [this](const httplib::Request&, httplib::Response& res) {
                  std::lock_guard lock(mutex_);
                  std::string id = std::to_string(next_upload_++);
                  pending_[id] = "";
                  res.status = 202;
                  res.set_header("Location", "/upload/" + id);
                });
    server.Patch(R"(/upload/(\d+))", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mutex_);
      auto it = pending_.find(req.matches[1]);
      if (it == pending_.end()) {
        res.status = 404;
        return;
      }
      it->second += req.body;
      res.status = 202;
      res.set_header("Location", "/upload/" + std::string(req.matches[1]));
    });
    server.Put(R"(/upload/(\d+))", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mutex_);
      auto it = pending_.find(req.matches[1]);
      std::string digest = req.get_param_value("digest");
      if (it == pending_.end() || "sha256:" + Sha256::hex(it->second) != digest) {
        res.status = 400;
        res.set_content(R"({"errors":[{"code":"DIGEST_INVALID"}]})", "application/json");
        return;
      }
      blobs_[digest] = it->second;
      pending_.erase(it);
      ++uploads;
      res.status = 201;
    });
    server.Put(R"(/v2/([^/]+)/([^/]+)/manifests/([^/]+))",
               [this](const httplib::Request& req, httplib::Response& res) {
                 std::lock_guard lock(mutex_);
                 manifests_[std::string(req.matches[1]) + "/" + std::string(req.matches[2]) + ":" +
                            std::string(req.matches[3])] = req.body;
                 res.status = 201;
               });
  }

  void serve_blob(const std::string& digest, const httplib::Request& req, httplib::Response& res,
                  bool is_cdn) {
    std::string blob;
    {
      std::lock_guard lock(mutex_);
      auto it = blobs_.find(digest);
      if (it == blobs_.end()) {
        res.status = 404;
        return;
      }
      blob = it->second;
      ranges_.push_back(req.get_header_value("Range"));
    }
    ++blob_requests;
    if (cut_after >= 0 && blob_bytes >= cut_after && fail_when_cut) {
      res.status = 500;
      res.set_content("registry unavailable", "text/plain");
      return;
    }
    bool stall = stall_requests.fetch_sub(1) > 0;
    res.set_content_provider(
        blob.size(), "application/octet-stream",
        [this, blob, stall, is_cdn](size_t offset, size_t length, httplib::DataSink& sink) {
          size_t sent = 0;
          while (sent < length) {
            size_t n = std::min<size_t>(length - sent, stall ? 1000 : 16384);
            if (stall_after >= 0 && blob_bytes >= stall_after) {
              std::unique_lock lock(mutex_);
              ++stalls;
              stall_cv_.wait_for(lock, std::chrono::seconds(20), [this] { return released_; });
              return false;
            }
            if (stall_after >= 0) {
              n = std::min<size_t>(n, static_cast<size_t>(stall_after - blob_bytes));
            }
            if (cut_after >= 0) {
              int64_t room = cut_after - blob_bytes;
              if (room <= 0) return false;  // closes the connection mid-body
              n = std::min<size_t>(n, static_cast<size_t>(room));
            }
            std::string chunk = blob.substr(offset + sent, n);
            int64_t at = corrupt_at;
            if (at >= 0 && static_cast<size_t>(at) >= offset + sent &&
                static_cast<size_t>(at) < offset + sent + n) {
              chunk[static_cast<size_t>(at) - offset - sent] ^= 0x55;
            }
            if (!sink.write(chunk.data(), chunk.size())) return false;
            blob_bytes += static_cast<int64_t>(n);
            if (is_cdn) cdn_bytes += static_cast<int64_t>(n);
            sent += n;
            if (stall) {
              std::unique_lock lock(mutex_);
              ++stalls;
              stall_cv_.wait_for(lock, std::chrono::seconds(20), [this] { return released_; });
              return false;
            }
          }
          return true;
        });
  }

  httplib::Server registry_, cdn_;
  int port_ = 0, cdn_port_ = 0;
  std::vector<std::thread> threads_;
  std::mutex mutex_;
  std::condition_variable stall_cv_;
  bool released_ = false;
  std::map<std::string, std::string> blobs_;
  std::map<std::string, std::string> manifests_;
  std::vector<std::string> ranges_;
  std::map<std::string, std::string> pending_;
  int next_upload_ = 0;
};

}  // namespace slimllm::testing
