// Model management routes: everything that answers from the store (and /api/ps from the
// scheduler) without running a model.
#include <chrono>

#include "api/api_error.h"
#include "api/time_format.h"
#include "api/types.h"
#include "base/log.h"
#include "server/http_util.h"
#include "server/metrics.h"
#include "server/model_support.h"
#include "server/progress_stream.h"
#include "server/routes.h"
#include "server/served_model.h"
#include "server/show.h"
#include "store/create.h"
#include "store/pull.h"
#include "store/quantize_model.h"
#include "store/store_error.h"
#include "template/template.h"

namespace slimllm {
namespace {

std::string go_quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::chrono::system_clock::time_point to_system(std::filesystem::file_time_type t) {
  return std::chrono::time_point_cast<std::chrono::system_clock::duration>(
      t - std::filesystem::file_time_type::clock::now() + std::chrono::system_clock::now());
}

void handle_tags(ServerContext& ctx, http::Response& res) {
  OrderedJson models = OrderedJson::array();
  for (const StoredModel& m : ctx.store.list()) {
    try {
      ModelLayers layers = read_model_layers(ctx.store, m);
      api::ListModel entry;
      entry.name = entry.model = m.name.display();
      entry.modified_at = rfc3339_local(to_system(m.modified));
      entry.size = m.manifest.total_size();
      entry.digest = m.digest;
      entry.details = model_details(layers);
      models.push_back(entry.to_json());
    } catch (const Error& e) {
      log_warn("bad manifest", {{"name", m.name.display()}, {"error", e.what()}});
    }
  }
  OrderedJson body;
  body["models"] = models;
  send_json(res, body);
}

void handle_ps(ServerContext& ctx, http::Response& res) {
  OrderedJson models = OrderedJson::array();
  for (const LoadedModelInfo& info : ctx.scheduler.loaded()) {
    api::RunningModel entry;
    entry.name = entry.model = info.spec.name;
    entry.size = info.memory_bytes;
    entry.size_vram = 0;
    entry.context_length = info.context_length;
    entry.expires_at = rfc3339_local(info.expires_at);
    if (std::optional<ServedModel> m = find_served_model(ctx, info.spec.name)) {
      entry.digest = m->stored.digest;
      entry.details = model_details(m->layers);
    }
    OrderedJson j = entry.to_json();
    // slimllm's own: its sequences and KV memory (continuous batching), beside Ollama's fields.
    if (info.batch) {
      j["running"] = info.batch->running;
      j["queued"] = info.queued + static_cast<size_t>(info.batch->waiting);
      j["kv_cache_bytes"] = info.batch->kv_bytes;
      j["kv_cache_budget_bytes"] = info.batch->kv_budget_bytes;
    }
    models.push_back(std::move(j));
  }
  OrderedJson body;
  body["models"] = models;
  send_json(res, body);
}

void handle_show(ServerContext& ctx, const http::Request& req, http::Response& res) {
  api::ModelRequest r = api::ModelRequest::from_json(api::parse_body(req.body));
  if (r.model.empty()) fail_status(400, "model is required");
  if (!ModelName::parse(r.model)) fail_status(400, "invalid model name");
  std::optional<ServedModel> model = find_served_model(ctx, r.model);
  if (!model) fail_status(404, str_cat("model '", r.model, "' not found"));
  send_json(res, build_show(*model, r.verbose).to_json());
}

void handle_copy(ServerContext& ctx, const http::Request& req, http::Response& res) {
  api::CopyRequest r = api::CopyRequest::from_json(api::parse_body(req.body));
  std::optional<ModelName> src = ModelName::parse(r.source);
  if (!src) fail_status(400, str_cat("source ", go_quoted(r.source), " is invalid"));
  std::optional<ModelName> dst = ModelName::parse(r.destination);
  if (!dst) fail_status(400, str_cat("destination ", go_quoted(r.destination), " is invalid"));
  try {
    ctx.store.copy(*src, *dst);
  } catch (const StoreError& e) {
    if (e.kind() == StoreError::Kind::kNotFound) {
      fail_status(404, str_cat("model ", go_quoted(r.source), " not found"));
    }
    throw;
  }
  res.status = 200;
}

void handle_delete(ServerContext& ctx, const http::Request& req, http::Response& res) {
  api::ModelRequest r = api::ModelRequest::from_json(api::parse_body(req.body));
  std::optional<ModelName> name = ModelName::parse(r.model);
  if (!name) fail_status(400, str_cat("name ", go_quoted(r.model), " is invalid"));
  std::optional<ServedModel> model = find_served_model(ctx, r.model);
  if (!model) fail_status(404, str_cat("model '", r.model, "' not found"));
  if (!model->layers.model_path.empty()) ctx.scheduler.expire(model->layers.model_path);
  ctx.store.remove(*name);
  res.status = 200;
}

// A TEMPLATE that does not parse is refused at create time, as Ollama does (create.ErrBadTemplate:
// 400 "template error: <parser message>"), instead of storing a model that fails every request.
void check_template(const std::optional<std::string>& text) {
  if (!text || text->empty()) return;
  try {
    Template::parse(*text);
  } catch (const Error& e) {
    fail_status(400, str_cat("template error: ", e.what()));
  }
}

void handle_create(ServerContext& ctx, const http::Request& req, http::Response& res) {
  api::CreateRequest r = api::CreateRequest::from_json(api::parse_body(req.body));
  std::optional<ModelName> name = ModelName::parse(r.model);
  if (!name) fail_status(400, "invalid model name");
  check_template(r.template_text);
  if (!r.quantize.empty()) parse_quant_preset(r.quantize);  // 400 for an unknown type, early
  if (!r.adapters.empty()) fail_status(400, "adapters are not supported by this server yet");
  CreateSpec spec;
  spec.name = *name;
  spec.from = r.from;
  spec.files = r.files;
  spec.template_text = r.template_text;
  spec.system = r.system;
  spec.licenses = r.license;
  spec.parameters = r.parameters;
  spec.messages = r.messages;
  spec.quantize = r.quantize;
  // A `from` model that is not in the store is pulled first, as Ollama does, with the pull's
  // progress streamed ahead of the create's.
  std::optional<ModelName> base;
  if (r.files.empty() && !r.from.empty()) base = ModelName::parse(r.from);
  if (base && !ctx.store.find(*base)) {
    check_registry_allowed(*base, RegistryOptions::from_env());
    ModelStore& store = ctx.store;
    Metrics& metrics = ctx.metrics;
    respond_with_progress(
        res, r.stream, "create " + name->display(),
        [&store, &metrics, detect = ctx.detect_template, spec, base = *base](
            const Progress& progress, const std::atomic<bool>* cancel) {
          pull_with_progress(store, metrics, base, /*insecure=*/false, progress, cancel);
          create_model(
              store, spec,
              [&](const std::string& s) {
                if (progress) progress(PullProgress{s, {}, 0, 0});
              },
              detect, check_model_supported);
          log_info("created model", {{"model", spec.name.display()}, {"from", base.display()}});
        });
    return;
  }
  // Creating from uploaded blobs or a stored model is quick (no copy), so the progress is
  // collected and then sent; failures keep their status instead of becoming a line in a 200
  // stream.
  std::vector<std::string> statuses;
  create_model(
      ctx.store, spec, [&](const std::string& s) { statuses.push_back(s); }, ctx.detect_template,
      check_model_supported);
  log_info("created model", {{"model", name->display()}});
  if (!r.stream) {
    api::ProgressResponse last =
        api::ProgressResponse::of(statuses.empty() ? "success" : statuses.back());
    send_json(res, last.to_json());
    return;
  }
  std::string body;
  for (const std::string& s : statuses)
    body += go_json(api::ProgressResponse::of(s).to_json()) + "\n";
  res.set_content(body, "application/x-ndjson");
}

void handle_blob_head(ServerContext& ctx, const http::Request& req, http::Response& res) {
  std::string digest = req.matches[1];
  if (!is_valid_digest(digest)) fail_status(400, "invalid digest format");
  // Refreshed: a client that finds the blob here creates its model next, so it must not be
  // pruned as unused in between.
  if (!ctx.store.refresh_blobs({digest}).empty()) {
    fail_status(404, str_cat("blob ", go_quoted(normalize_digest(digest)), " not found"));
  }
  res.status = 200;
}

void handle_blob_post(ServerContext& ctx, const http::Request& req, http::Response& res,
                      const http::ContentReader& reader) {
  std::string digest = req.matches[1];
  if (!is_valid_digest(digest)) fail_status(400, "invalid digest format");
  std::optional<uint64_t> size;
  if (req.has_header("Content-Length")) {
    size = std::strtoull(req.get_header_value("Content-Length").c_str(), nullptr, 10);
  }
  bool created = ctx.store.receive_blob(
      digest,
      [&](const ModelStore::ByteSink& sink) {
        reader([&](const char* data, size_t size) {
          sink(data, size);
          return true;
        });
      },
      size);
  res.status = created ? 201 : 200;
}

}  // namespace

void add_model_routes(RouteTable& routes, ServerContext& ctx) {
  auto running = [](const http::Request&, http::Response& res) {
    res.set_content("Ollama is running", "text/plain; charset=utf-8");
  };
  routes.get("/", Scope::kOpen, running);
  routes.get("/api/version", Scope::kRead, [](const http::Request&, http::Response& res) {
    OrderedJson body;
    body["version"] = kOllamaCompatVersion;
    send_json(res, body);
  });
  routes.get("/api/tags", Scope::kRead, [&ctx](const http::Request&, http::Response& res) {
    guarded(res, [&] { handle_tags(ctx, res); });
  });
  routes.get("/api/ps", Scope::kRead, [&ctx](const http::Request&, http::Response& res) {
    guarded(res, [&] { handle_ps(ctx, res); });
  });
  routes.post("/api/show", Scope::kRead,
              [&ctx](const http::Request& req, http::Response& res) {
                guarded(res, [&] { handle_show(ctx, req, res); });
              });
  routes.post("/api/copy", Scope::kAdmin,
              [&ctx](const http::Request& req, http::Response& res) {
                guarded(res, [&] { handle_copy(ctx, req, res); });
              });
  routes.del("/api/delete", Scope::kAdmin,
             [&ctx](const http::Request& req, http::Response& res) {
               guarded(res, [&] { handle_delete(ctx, req, res); });
             });
  routes.post("/api/create", Scope::kAdmin,
              [&ctx](const http::Request& req, http::Response& res) {
                guarded(res, [&] { handle_create(ctx, req, res); });
              });
  const std::string blobs = R"(/api/blobs/([^/]+))";
  routes.head(blobs, Scope::kAdmin, [&ctx](const http::Request& req, http::Response& res) {
    guarded(res, [&] { handle_blob_head(ctx, req, res); });
  });
  routes.post_stream(blobs, Scope::kAdmin,
                     [&ctx](const http::Request& req, http::Response& res,
                            const http::ContentReader& reader) {
                       guarded(res, [&] { handle_blob_post(ctx, req, res, reader); });
                     });
}

}  // namespace slimllm
