// The route groups; each registers its paths on the table.
#pragma once

#include "server/route_table.h"
#include "server/server.h"

namespace slimllm {

// /, /api/version, /api/tags, /api/show, /api/ps, /api/copy, /api/delete, /api/create,
// /api/blobs/:digest.
void add_model_routes(RouteTable& routes, ServerContext& context);
// /api/generate, /api/chat.
void add_generate_routes(RouteTable& routes, ServerContext& context);
// /api/embed, /api/embeddings.
void add_embed_routes(RouteTable& routes, ServerContext& context);
// /api/pull, /api/push and the registry's read side (/v2/...) served from the store.
void add_transfer_routes(RouteTable& routes, ServerContext& context);
// /health, /ready, /metrics.
void add_operations_routes(RouteTable& routes, ServerContext& context);
// The OpenAI-compatible API: /v1/chat/completions, /v1/completions, /v1/embeddings,
// /v1/models[/:model].
void add_openai_routes(RouteTable& routes, ServerContext& context);

// The native generation handlers (errors answered in Ollama's shape), which the /v1 routes run
// on translated requests.
void serve_generate(ServerContext& context, const http::Request& req, http::Response& res);
void serve_chat(ServerContext& context, const http::Request& req, http::Response& res);
// The native /api/embed handler, which /v1/embeddings runs.
void serve_embed(ServerContext& context, const http::Request& req, http::Response& res);
// /v1/responses (routes_openai_responses.cpp): the Responses API over serve_chat.
void serve_openai_responses(ServerContext& context, const http::Request& req,
                            http::Response& res);

}  // namespace slimllm
