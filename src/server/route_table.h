// Registers handlers by path and method, each with the scope an API key needs for it
// (server/api_keys.h), and answers the other methods on a known path with gin's "405 method not
// allowed" (the layer alone would say 404). With keys configured, a request reaches its handler only
// with a key that holds the route's scope (checked before an incremental body is read).
#pragma once

#include "http/server.h"

#include <map>
#include <memory>
#include <string>

#include "server/api_keys.h"
#include "server/audit_log.h"

namespace slimllm {

class RouteTable {
 public:
  using Handler = http::Handler;
  using ReaderHandler = http::ReaderHandler;

  // `keys` may be null or disabled: every route is then open.
  RouteTable(http::Server& http, std::shared_ptr<ApiKeys> keys)
      : http_(http), keys_(std::move(keys)) {}
  // GET, and HEAD with the same handler (the body is not sent).
  void get(const std::string& pattern, Scope scope, Handler handler);
  void head(const std::string& pattern, Scope scope, Handler handler);
  void post(const std::string& pattern, Scope scope, Handler handler);
  // POST whose body is read incrementally (uploads).
  void post_stream(const std::string& pattern, Scope scope, ReaderHandler handler);
  void del(const std::string& pattern, Scope scope, Handler handler);
  // PUT and PATCH whose bodies are read incrementally (registry uploads).
  void put(const std::string& pattern, Scope scope, ReaderHandler handler);
  void patch(const std::string& pattern, Scope scope, ReaderHandler handler);
  // With an audit log, every admin route that changes something (POST, DELETE, PUT, PATCH) is
  // recorded, refusals included. Call before finish().
  void set_audit(std::shared_ptr<AuditLog> audit) { audit_ = std::move(audit); }
  // Registers everything; call once after the last route.
  void finish();

  // "GET /api/tags" → its scope, for every route registered: the table tests read it.
  const std::map<std::string, Scope>& scopes() const { return scopes_; }

 private:
  struct Methods {
    Handler get, head, post, del;
    ReaderHandler post_stream, put, patch;
    Scope get_scope = Scope::kOpen, head_scope = Scope::kOpen, post_scope = Scope::kOpen,
          del_scope = Scope::kOpen, put_scope = Scope::kOpen, patch_scope = Scope::kOpen;
  };
  void declare(const char* method, const std::string& pattern, Scope scope);
  Handler guarded(Scope scope, Handler handler) const;
  ReaderHandler guarded(Scope scope, ReaderHandler handler) const;
  // guarded(), and recorded in the audit log when the scope is admin.
  template <typename H>
  H checked(Scope scope, H handler) const {
    H inner = guarded(scope, std::move(handler));
    return scope == Scope::kAdmin ? audited(audit_, keys_, std::move(inner)) : inner;
  }

  http::Server& http_;
  std::shared_ptr<ApiKeys> keys_;
  std::shared_ptr<AuditLog> audit_;
  std::map<std::string, Methods> routes_;
  std::map<std::string, Scope> scopes_;
};

}  // namespace slimllm
