// /health, /ready, /metrics. Placeholder until the operations issue.
#include "server/routes.h"

namespace slimllm {

void add_operations_routes(RouteTable& routes, ServerContext& context) {
  (void)routes;
  (void)context;
}

}  // namespace slimllm
