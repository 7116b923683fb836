// The time stamp of the server log's lines (Ollama's slog shape): local time with milliseconds
// and the UTC offset, e.g. "2026-12-06T19:51:00.232Z" or "...00.232+01:00". Other logs the
// operator reads beside it (the audit log) use the same.
#pragma once

#include <string>

namespace slimllm {

std::string log_timestamp();

}  // namespace slimllm
