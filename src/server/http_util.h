// Answers in Ollama's shapes: JSON bodies written as Go writes them, {"error": ...} with the
// status an exception maps to, and NDJSON streams.
#pragma once

#include "http/message.h"

#include <exception>
#include <functional>
#include <string>

#include "store/go_json.h"

namespace slimllm {

void send_json(http::Response& res, const OrderedJson& body, int status = 200);
void send_error(http::Response& res, int status, const std::string& message);
// Maps the exception being handled (ApiError, StoreError, SchedulerError, Error, other) to
// Ollama's status and error body. Call from a catch block.
void send_current_exception(http::Response& res);
// The status the current exception maps to, and its message.
int current_exception_status(std::string& message);

// Error texts go to clients without the server's absolute paths: a registered store root (and
// the '/' after it) is cut from them, so a blob reads "blobs/sha256-..." and a manifest
// "manifests/registry.ollama.ai/library/m/latest". current_exception_status applies it.
void register_private_root(const std::string& root);
void unregister_private_root(const std::string& root);
std::string without_private_roots(std::string message);

// Runs `handler`, turning any exception into an error response.
void guarded(http::Response& res, const std::function<void()>& handler);

// A predicate for Scheduler::acquire and a running generation: true once the request's client has
// hung up (the HTTP layer's peek at the socket; under TLS the kernel's connection table, at most
// every 250 ms), so a request waiting in the queue leaves it and a running one stops.
std::function<bool()> client_gone(const http::Request& req);

// Writes one NDJSON line; false when the client has gone away.
bool write_line(http::DataSink& sink, const OrderedJson& chunk);

}  // namespace slimllm
