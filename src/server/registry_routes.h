// Registry mode: the read side of the registry protocol served from this server's own store, so
// one replica (or a machine with internet) can feed others with
// `slimllm pull --insecure host:11434/library/model:tag`.
//   GET       /v2/                                   API version check ({})
//   GET       /v2/<ns>/<model>/manifests/<tag>       the manifest's stored bytes
//   GET/HEAD  /v2/<ns>/<model>/blobs/sha256:<hex>    the blob, with Range support
// and, with SLIMLLM_REGISTRY_UPLOADS=1, the upload side for push (registry_uploads.cpp).
#pragma once

#include <optional>
#include <string>

#include "server/route_table.h"
#include "server/server.h"

namespace slimllm {

void add_registry_routes(RouteTable& routes, ServerContext& context);
// The write side (uploads and manifests, for push), added by add_registry_routes when
// ServerConfig::registry_uploads is on (registry_uploads.cpp).
void add_registry_upload_routes(RouteTable& routes, ServerContext& context);

// Docker distribution's error body: {"errors":[{"code":...,"message":...}]}.
void send_registry_error(http::Response& res, int status, const std::string& code,
                         const std::string& message);

// The stored model answering ns/model:tag: the default registry host's first, else any host's.
std::optional<StoredModel> find_registry_model(const ModelStore& store, const std::string& ns,
                                               const std::string& model, const std::string& tag);

}  // namespace slimllm
