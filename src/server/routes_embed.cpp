// /api/embed and the legacy /api/embeddings: parse, find the model, lease a runner (any model:
// a generative one embeds with its last token, as Ollama allows), and answer one JSON object.
// All of a request's inputs go to the runner in one call, which batches them. /api/rerank and
// /v1/rerank score documents against a query the same way, on a reranker (pooling rank).
#include "api/api_error.h"
#include "api/embed.h"
#include "api/rerank.h"
#include "base/clock.h"
#include "server/generation.h"
#include "server/http_util.h"
#include "server/metrics.h"
#include "server/native_bridge.h"
#include "server/routes.h"
#include "server/served_model.h"

namespace slimllm {
namespace {

// Runs the items on a leased runner; an input the model cannot take is the client's error.
EmbedResult run_embed(RunnerLease& lease, const EmbedInput& input, int input_error_status) {
  try {
    return lease.runner().embed(input);
  } catch (const EmbedInputError& e) {
    fail_status(input_error_status, e.what());
  }
}

// Both handlers find the model only when scheduling it, as Ollama's do, so they answer with the
// scheduler's words (handleScheduleError).
ServedModel find_model(const ServerContext& ctx, const std::string& requested) {
  if (!ModelName::parse(requested)) fail_status(400, "model is required");
  std::optional<ServedModel> model = find_served_model(ctx, requested);
  if (!model || model->layers.model_path.empty()) {
    fail_status(404, str_cat("model \"", requested, "\" not found, try pulling it first"));
  }
  return std::move(*model);
}

void handle_embed(ServerContext& ctx, const http::Request& req, http::Response& res) {
  const int64_t start = now_ns();
  const api::EmbedRequest r = api::EmbedRequest::from_json(api::parse_body(req.body));
  const ServedModel model = find_model(ctx, r.model);
  const Options options = model.options(ctx.config.context_length, r.options);
  // Counted as in flight, so a draining server waits for it like for a generation.
  const auto ticket = ctx.generations.begin();
  RunnerLease lease =
      ctx.scheduler.acquire(model.spec(), load_options(options), r.keep_alive, client_gone(req));
  const int64_t load_ns = now_ns() - start;

  api::EmbedResponse out;
  out.model = r.model;
  if (r.input.empty() && r.tokens.empty()) {
    // An empty request loads the model, as Ollama's does (and reports no durations).
    lease.release();
    send_json(res, out.to_json());
    return;
  }
  EmbedInput input;
  input.truncate = r.truncate.value_or(true);
  input.num_ctx = load_options(options).num_ctx;
  for (const std::string& text : r.input) input.items.push_back(EmbedItem::of_text(text));
  for (const auto& ids : r.tokens) input.items.push_back(EmbedItem::of_tokens(ids));
  EmbedResult result = run_embed(lease, input, 400);
  lease.release();
  ctx.metrics.add_tokens(model.name.display(), result.prompt_eval_count, 0);

  for (auto& e : result.embeddings) {
    out.embeddings.push_back(api::finish_embedding(std::move(e), r.dimensions));
  }
  out.total_duration = now_ns() - start;
  out.load_duration = load_ns;
  out.prompt_eval_count = result.prompt_eval_count;
  send_json(res, out.to_json());
}

void handle_embeddings(ServerContext& ctx, const http::Request& req, http::Response& res) {
  const api::EmbeddingRequest r = api::EmbeddingRequest::from_json(api::parse_body(req.body));
  const ServedModel model = find_model(ctx, r.model);
  const Options options = model.options(ctx.config.context_length, r.options);
  const auto ticket = ctx.generations.begin();
  RunnerLease lease =
      ctx.scheduler.acquire(model.spec(), load_options(options), r.keep_alive, client_gone(req));
  api::EmbeddingResponse out;
  if (r.prompt.empty()) {
    lease.release();
    send_json(res, out.to_json());
    return;
  }
  // Ollama's legacy handler neither truncates nor normalizes, and answers a runner error
  // (an input longer than the context among them) with 500.
  EmbedInput input;
  input.truncate = false;
  input.num_ctx = load_options(options).num_ctx;
  input.items.push_back(EmbedItem::of_text(r.prompt));
  EmbedResult result = run_embed(lease, input, 500);
  lease.release();
  ctx.metrics.add_tokens(model.name.display(), result.prompt_eval_count, 0);
  out.embedding = std::move(result.embeddings.at(0));
  send_json(res, out.to_json());
}

void handle_rerank(ServerContext& ctx, const http::Request& req, http::Response& res) {
  const api::RerankRequest r = api::RerankRequest::from_json(api::parse_body(req.body));
  const ServedModel model = find_model(ctx, r.model);
  if (!has(capabilities_of(model), "rerank")) {
    fail_status(400, str_cat("\"", r.model, "\" does not support reranking"));
  }
  const Options options = model.options(ctx.config.context_length, r.options);
  const auto ticket = ctx.generations.begin();
  RunnerLease lease =
      ctx.scheduler.acquire(model.spec(), load_options(options), r.keep_alive, client_gone(req));
  RerankInput input;
  input.query = r.query;
  input.documents = r.documents;
  input.truncate = r.truncate.value_or(true);
  RerankResult result;
  try {
    result = lease.runner().rerank(input);
  } catch (const EmbedInputError& e) {
    fail_status(400, e.what());
  }
  lease.release();
  ctx.metrics.add_tokens(model.name.display(), result.prompt_eval_count, 0);
  api::RerankResponse out;
  out.model = r.model;
  out.logits = std::move(result.logits);
  out.prompt_tokens = result.prompt_eval_count;
  send_json(res, out.to_json(r));
}

}  // namespace

void serve_embed(ServerContext& ctx, const http::Request& req, http::Response& res) {
  guarded(res, [&] { handle_embed(ctx, req, res); });
}

void add_embed_routes(RouteTable& routes, ServerContext& ctx) {
  routes.post(
      "/api/embed", Scope::kGenerate,
      [&ctx](const http::Request& req, http::Response& res) { serve_embed(ctx, req, res); });
  routes.post("/api/embeddings", Scope::kGenerate,
              [&ctx](const http::Request& req, http::Response& res) {
                guarded(res, [&] { handle_embeddings(ctx, req, res); });
              });
  // Not in Ollama: the same handler answers both, with each API's error shape.
  routes.post("/api/rerank", Scope::kGenerate,
              [&ctx](const http::Request& req, http::Response& res) {
                guarded(res, [&] { handle_rerank(ctx, req, res); });
              });
  routes.post("/v1/rerank", Scope::kGenerate,
              [&ctx](const http::Request& req, http::Response& res) {
                openai_guarded(res, [&] { handle_rerank(ctx, req, res); });
              });
}

}  // namespace slimllm
