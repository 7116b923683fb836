// /api/pull, /api/push (and the registry's read side, registry_routes.cpp). A transfer runs in
// the request's own thread while it streams progress, so it never blocks other requests; a
// client that goes away cancels it, and a pull's partial download stays on disk for the next
// pull to resume.
#include <atomic>

#include "api/api_error.h"
#include "api/types.h"
#include "server/http_util.h"
#include "server/metrics.h"
#include "server/progress_stream.h"
#include "server/registry_routes.h"
#include "server/routes.h"
#include "store/pull.h"
#include "store/push.h"

namespace slimllm {
namespace {

void handle_pull(ServerContext& ctx, const http::Request& req, http::Response& res) {
  api::ModelRequest r = api::ModelRequest::from_json(api::parse_body(req.body));
  std::optional<ModelName> name = ModelName::parse(r.model);
  if (!name) fail_status(400, "invalid model name");
  // Refused before the stream starts, so that the status says it (403, 507).
  check_registry_allowed(*name, RegistryOptions::from_env());
  ctx.store.check_room(1, "pulling " + name->display());
  ModelStore& store = ctx.store;
  Metrics& metrics = ctx.metrics;
  bool insecure = r.insecure;
  respond_with_progress(res, r.stream, "pull " + name->display(),
                        [&store, &metrics, model = *name, insecure](
                            const Progress& progress, const std::atomic<bool>* cancel) {
                          pull_with_progress(store, metrics, model, insecure, progress, cancel);
                        });
}

void handle_push(ServerContext& ctx, const http::Request& req, http::Response& res) {
  api::ModelRequest r = api::ModelRequest::from_json(api::parse_body(req.body));
  if (r.model.empty()) fail_status(400, "model is required");
  std::optional<ModelName> name = ModelName::parse(r.model);
  if (!name) fail_status(400, "invalid model name");
  check_registry_allowed(*name, RegistryOptions::from_env());
  ModelStore& store = ctx.store;
  bool insecure = r.insecure;
  respond_with_progress(
      res, r.stream, "push " + name->display(),
      [&store, model = *name, insecure](const Progress& progress, const std::atomic<bool>* cancel) {
        PushOptions options;
        options.registry.insecure = insecure;
        options.progress = progress;
        options.cancel = cancel;
        push_model(store, model, options);
      });
}

}  // namespace

void add_transfer_routes(RouteTable& routes, ServerContext& ctx) {
  routes.post("/api/pull", Scope::kAdmin,
              [&ctx](const http::Request& req, http::Response& res) {
                guarded(res, [&] { handle_pull(ctx, req, res); });
              });
  routes.post("/api/push", Scope::kAdmin,
              [&ctx](const http::Request& req, http::Response& res) {
                guarded(res, [&] { handle_push(ctx, req, res); });
              });
  add_registry_routes(routes, ctx);
}

}  // namespace slimllm
