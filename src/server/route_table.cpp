#include "server/route_table.h"

namespace slimllm {
namespace {

void method_not_allowed(const httplib::Request&, httplib::Response& res) {
  res.status = 405;
  res.set_content("405 method not allowed", "text/plain");
}

}  // namespace

void RouteTable::get(const std::string& pattern, Handler handler) {
  routes_[pattern].get = std::move(handler);
}
void RouteTable::head(const std::string& pattern, Handler handler) {
  routes_[pattern].head = std::move(handler);
}
void RouteTable::post(const std::string& pattern, Handler handler) {
  routes_[pattern].post = std::move(handler);
}
void RouteTable::post_stream(const std::string& pattern, ReaderHandler handler) {
  routes_[pattern].post_stream = std::move(handler);
}
void RouteTable::del(const std::string& pattern, Handler handler) {
  routes_[pattern].del = std::move(handler);
}

void RouteTable::put(const std::string& pattern, ReaderHandler handler) {
  routes_[pattern].put = std::move(handler);
}
void RouteTable::patch(const std::string& pattern, ReaderHandler handler) {
  routes_[pattern].patch = std::move(handler);
}

void RouteTable::finish() {
  for (auto& [pattern, m] : routes_) {
    Methods methods = m;
    // cpp-httplib routes HEAD to the GET handlers.
    http_.Get(pattern, [methods](const httplib::Request& req, httplib::Response& res) {
      if (req.method == "HEAD" && methods.head) return methods.head(req, res);
      if (methods.get) return methods.get(req, res);
      method_not_allowed(req, res);
    });
    if (methods.post_stream) {
      http_.Post(pattern, methods.post_stream);
    } else {
      http_.Post(pattern, methods.post ? methods.post : Handler(method_not_allowed));
    }
    http_.Delete(pattern, methods.del ? methods.del : Handler(method_not_allowed));
    if (methods.put) {
      http_.Put(pattern, methods.put);
    } else {
      http_.Put(pattern, method_not_allowed);
    }
    if (methods.patch) {
      http_.Patch(pattern, methods.patch);
    } else {
      http_.Patch(pattern, method_not_allowed);
    }
  }
}

}  // namespace slimllm
