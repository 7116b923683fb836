// Timestamps as Go's time.Time marshals them: RFC3339 with nanoseconds, trailing zeros trimmed.
#pragma once

#include <chrono>
#include <string>

namespace slimllm {

// "2023-08-04T19:22:45.499127Z" (created_at).
std::string rfc3339_utc(std::chrono::system_clock::time_point t);
// "2025-05-04T17:37:44.706015396-07:00" (modified_at, expires_at: the server's local offset).
std::string rfc3339_local(std::chrono::system_clock::time_point t);

}  // namespace slimllm
