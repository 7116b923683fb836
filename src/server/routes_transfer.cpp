// /api/pull, /api/push and the registry's read side. Placeholder until the transfer issue.
#include "server/routes.h"

namespace slimllm {

void add_transfer_routes(RouteTable& routes, ServerContext& context) {
  (void)routes;
  (void)context;
}

}  // namespace slimllm
