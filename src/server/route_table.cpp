#include "server/route_table.h"

#include "server/authorize.h"

namespace slimllm {
namespace {

void method_not_allowed(const http::Request&, http::Response& res) {
  res.status = 405;
  res.set_content("405 method not allowed", "text/plain");
}

}  // namespace

void RouteTable::declare(const char* method, const std::string& pattern, Scope scope) {
  scopes_[std::string(method) + " " + pattern] = scope;
}

void RouteTable::get(const std::string& pattern, Scope scope, Handler handler) {
  declare("GET", pattern, scope);
  routes_[pattern].get = std::move(handler);
  routes_[pattern].get_scope = scope;
}
void RouteTable::head(const std::string& pattern, Scope scope, Handler handler) {
  declare("HEAD", pattern, scope);
  routes_[pattern].head = std::move(handler);
  routes_[pattern].head_scope = scope;
}
void RouteTable::post(const std::string& pattern, Scope scope, Handler handler) {
  declare("POST", pattern, scope);
  routes_[pattern].post = std::move(handler);
  routes_[pattern].post_scope = scope;
}
void RouteTable::post_stream(const std::string& pattern, Scope scope, ReaderHandler handler) {
  declare("POST", pattern, scope);
  routes_[pattern].post_stream = std::move(handler);
  routes_[pattern].post_scope = scope;
}
void RouteTable::del(const std::string& pattern, Scope scope, Handler handler) {
  declare("DELETE", pattern, scope);
  routes_[pattern].del = std::move(handler);
  routes_[pattern].del_scope = scope;
}
void RouteTable::put(const std::string& pattern, Scope scope, ReaderHandler handler) {
  declare("PUT", pattern, scope);
  routes_[pattern].put = std::move(handler);
  routes_[pattern].put_scope = scope;
}
void RouteTable::patch(const std::string& pattern, Scope scope, ReaderHandler handler) {
  declare("PATCH", pattern, scope);
  routes_[pattern].patch = std::move(handler);
  routes_[pattern].patch_scope = scope;
}

RouteTable::Handler RouteTable::guarded(Scope scope, Handler handler) const {
  if (!keys_ || !keys_->enabled() || scope == Scope::kOpen) return handler;
  return [keys = keys_, scope, handler](const http::Request& req, http::Response& res) {
    if (authorize(*keys, scope, req, res)) handler(req, res);
  };
}

RouteTable::ReaderHandler RouteTable::guarded(Scope scope, ReaderHandler handler) const {
  if (!keys_ || !keys_->enabled() || scope == Scope::kOpen) return handler;
  return [keys = keys_, scope, handler](const http::Request& req, http::Response& res,
                                        const http::ContentReader& reader) {
    if (authorize(*keys, scope, req, res)) handler(req, res, reader);
  };
}

void RouteTable::finish() {
  for (auto& [pattern, m] : routes_) {
    Methods methods = m;
    if (methods.get) methods.get = guarded(methods.get_scope, methods.get);
    if (methods.head) methods.head = guarded(methods.head_scope, methods.head);
    // A HEAD without its own handler runs the GET one, under the GET route's scope.
    // The layer routes HEAD to the GET handlers.
    http_.route("GET", pattern, [methods](const http::Request& req, http::Response& res) {
      if (req.method == "HEAD" && methods.head) return methods.head(req, res);
      if (methods.get) return methods.get(req, res);
      method_not_allowed(req, res);
    });
    // Writes: checked() adds the audit record to the key check.
    if (methods.post_stream) {
      http_.route_stream("POST", pattern, checked(methods.post_scope, methods.post_stream));
    } else {
      http_.route("POST", pattern, methods.post ? checked(methods.post_scope, methods.post)
                                       : Handler(method_not_allowed));
    }
    http_.route("DELETE", pattern, methods.del ? checked(methods.del_scope, methods.del)
                                      : Handler(method_not_allowed));
    if (methods.put) {
      http_.route_stream("PUT", pattern, checked(methods.put_scope, methods.put));
    } else {
      http_.route("PUT", pattern, method_not_allowed);
    }
    if (methods.patch) {
      http_.route_stream("PATCH", pattern, checked(methods.patch_scope, methods.patch));
    } else {
      http_.route("PATCH", pattern, method_not_allowed);
    }
  }
}

}  // namespace slimllm
