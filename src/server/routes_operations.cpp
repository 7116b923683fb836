// /health (liveness), /ready (readiness) and /metrics (Prometheus) for orchestrators and
// monitoring; docs/operations.md says how the chart's probes use them.
#include <filesystem>

#include "server/generation.h"
#include "server/http_util.h"
#include "server/metrics.h"
#include "server/routes.h"
#include "store/model_name.h"

namespace slimllm {
namespace {

OrderedJson status_body(const char* status) {
  OrderedJson body;
  body["status"] = status;
  return body;
}

// Why the server is not ready, or "" when it is.
std::string not_ready_reason(const ServerContext& ctx) {
  if (ctx.generations.draining()) return "draining: the server is shutting down";
  // A store that does not exist yet is an empty one (the first create or pull makes it); one
  // that exists must be a readable directory.
  std::error_code ec;
  const std::filesystem::path& root = ctx.store.root();
  if (std::filesystem::exists(root, ec)) {
    std::filesystem::directory_iterator it(root, ec);
    if (ec) return str_cat("model store ", root.string(), " is not readable: ", ec.message());
  } else if (ec) {
    return str_cat("model store ", root.string(), " is not readable: ", ec.message());
  }
  std::vector<std::string> missing;
  for (const std::string& name : ctx.config.preload) {
    std::optional<ModelName> parsed = ModelName::parse(name);
    bool present = false;
    try {
      present = parsed && ctx.store.find(*parsed).has_value();
    } catch (const std::exception& e) {
      return str_cat("model store ", root.string(), " is not readable: ", e.what());
    }
    if (!present) missing.push_back(name);
  }
  if (!missing.empty()) {
    std::string list;
    for (const std::string& m : missing) list += (list.empty() ? "" : ", ") + m;
    return str_cat("models from SLIMLLM_PRELOAD not in the store yet: ", list);
  }
  return "";
}

}  // namespace

void add_operations_routes(RouteTable& routes, ServerContext& ctx) {
  routes.get("/health", Scope::kOpen, [](const http::Request&, http::Response& res) {
    send_json(res, status_body("ok"));
  });
  routes.get("/ready", Scope::kOpen, [&ctx](const http::Request&, http::Response& res) {
    std::string reason = not_ready_reason(ctx);
    if (reason.empty()) {
      send_json(res, status_body("ready"));
      return;
    }
    OrderedJson body = status_body("not ready");
    body["reason"] = reason;
    send_json(res, body, 503);
  });
  routes.get("/metrics", Scope::kRead, [&ctx](const http::Request&, http::Response& res) {
    std::vector<ModelActivity> activity = ctx.scheduler.activity();
    res.set_content(ctx.metrics.render(activity, ctx.generations.draining()),
                    "text/plain; version=0.0.4; charset=utf-8");
  });
}

}  // namespace slimllm
