// Go durations as Ollama's API reads and prints them: keep_alive accepts "5m", "1h30m", "0",
// numbers of seconds, negatives meaning forever; logs print Go's Duration.String() ("1m54s").
#pragma once

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace slimllm {

inline constexpr int64_t kForever = std::numeric_limits<int64_t>::max();
inline constexpr int64_t kNsPerSecond = 1'000'000'000;

// Go's time.ParseDuration, in nanoseconds; throws Error with Go's message
// (`time: missing unit in duration "-1"`).
int64_t parse_go_duration(std::string_view text);
// Go's Duration.String(): "0s", "414.019µs", "1.2s", "5m0s", "1h30m0s".
std::string format_go_duration(int64_t ns);

// keep_alive from a request: a duration string or a number of seconds; a negative value is
// forever. Throws Error with Go's message for anything else.
int64_t parse_keep_alive(const nlohmann::json& value);
// OLLAMA_KEEP_ALIVE (duration or integer seconds), default 5m.
int64_t keep_alive_from_env();

}  // namespace slimllm
