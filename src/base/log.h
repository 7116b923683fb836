// Structured logs in the shape Ollama's server writes them (Go slog text format):
//   time=2026-01-21T07:58:24.397Z level=INFO source=scheduler.cpp:120 msg="model loaded" model=x
// Lines go to stderr; tests can install a sink to read them.
#pragma once

#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <type_traits>

namespace slimllm {

enum class LogLevel : int { kTrace = -8, kDebug = -4, kInfo = 0, kWarn = 4, kError = 8 };

// One key=value pair of a log line; numbers and strings convert implicitly.
struct LogField {
  std::string key;
  std::string value;

  LogField(std::string k, std::string v) : key(std::move(k)), value(std::move(v)) {}
  LogField(std::string k, std::string_view v) : key(std::move(k)), value(v) {}
  LogField(std::string k, const char* v) : key(std::move(k)), value(v ? v : "") {}
  LogField(std::string k, bool v) : key(std::move(k)), value(v ? "true" : "false") {}
  template <typename T, typename = std::enable_if_t<std::is_arithmetic_v<T>>>
  LogField(std::string k, T v) : key(std::move(k)), value(number(v)) {}

 private:
  template <typename T>
  static std::string number(T v) {
    if constexpr (std::is_floating_point_v<T>) {
      return format_double(static_cast<double>(v));
    } else {
      return std::to_string(v);
    }
  }
  static std::string format_double(double v);
};

void log_set_level(LogLevel level);
LogLevel log_level();
bool log_enabled(LogLevel level);
// Sets the level from OLLAMA_DEBUG: "1"/"true" ⇒ DEBUG, "2" ⇒ TRACE, else INFO.
void log_level_from_env();
// Replaces stderr as the destination (nullptr restores it). For tests.
void log_set_sink(std::function<void(LogLevel, const std::string& line)> sink);

// `file` and `line` default to the caller's (GCC and clang builtins; std::source_location is not
// usable from clang 14 with libstdc++ 12).
void log_write(LogLevel level, std::string_view message, std::initializer_list<LogField> fields,
               const char* file, int line);

inline void log_trace(std::string_view message, std::initializer_list<LogField> fields = {},
                      const char* file = __builtin_FILE(), int line = __builtin_LINE()) {
  if (log_enabled(LogLevel::kTrace)) log_write(LogLevel::kTrace, message, fields, file, line);
}
inline void log_debug(std::string_view message, std::initializer_list<LogField> fields = {},
                      const char* file = __builtin_FILE(), int line = __builtin_LINE()) {
  if (log_enabled(LogLevel::kDebug)) log_write(LogLevel::kDebug, message, fields, file, line);
}
inline void log_info(std::string_view message, std::initializer_list<LogField> fields = {},
                     const char* file = __builtin_FILE(), int line = __builtin_LINE()) {
  if (log_enabled(LogLevel::kInfo)) log_write(LogLevel::kInfo, message, fields, file, line);
}
inline void log_warn(std::string_view message, std::initializer_list<LogField> fields = {},
                     const char* file = __builtin_FILE(), int line = __builtin_LINE()) {
  if (log_enabled(LogLevel::kWarn)) log_write(LogLevel::kWarn, message, fields, file, line);
}
inline void log_error(std::string_view message, std::initializer_list<LogField> fields = {},
                      const char* file = __builtin_FILE(), int line = __builtin_LINE()) {
  if (log_enabled(LogLevel::kError)) log_write(LogLevel::kError, message, fields, file, line);
}

}  // namespace slimllm
