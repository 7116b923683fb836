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

}  // namespace slimllm
