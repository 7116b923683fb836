// Long operations that report progress (/api/pull, /api/push, /api/create when it pulls its
// base): NDJSON progress lines while streaming, else one {"status":"success"}; a client that goes
// away cancels the operation.
#pragma once

#include "http/message.h"

#include <atomic>
#include <functional>
#include <string>

#include "server/metrics.h"
#include "store/pull.h"

namespace slimllm {

using Progress = std::function<void(const PullProgress&)>;
// The operation: reports through `progress` (empty when not streaming) and stops when `cancel`
// (null when not streaming) turns true. Throws on failure.
using ProgressTask = std::function<void(const Progress& progress, const std::atomic<bool>* cancel)>;

// Runs `task` answering as Ollama does: when streaming, in the response's own thread with a
// final {"error"} line on failure; else at once, the failure becoming the error response. `what`
// names the operation in the logs.
void respond_with_progress(http::Response& res, bool stream, const std::string& what,
                           ProgressTask task);

// Pulls `name` into `store` as a ProgressTask does (/api/pull, and /api/create for a missing
// base), counting the bytes received in `metrics`.
void pull_with_progress(ModelStore& store, Metrics& metrics, const ModelName& name, bool insecure,
                        const Progress& progress, const std::atomic<bool>* cancel);

}  // namespace slimllm
