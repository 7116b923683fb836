#include "base/log.h"
#include "base/log_time.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <mutex>

#include "base/strings.h"

namespace slimllm {
namespace {

std::atomic<int> g_level{static_cast<int>(LogLevel::kInfo)};
std::mutex g_mutex;
std::function<void(LogLevel, const std::string&)> g_sink;

const char* level_name(LogLevel level) {
  switch (level) {
    case LogLevel::kTrace:
      return "TRACE";
    case LogLevel::kDebug:
      return "DEBUG";
    case LogLevel::kInfo:
      return "INFO";
    case LogLevel::kWarn:
      return "WARN";
    case LogLevel::kError:
      return "ERROR";
  }
  return "INFO";
}

}  // namespace

std::string log_timestamp() {
  auto now = std::chrono::system_clock::now();
  auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  std::tm local{};
  localtime_r(&seconds, &local);
  char date[40];
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &local);
  long offset = local.tm_gmtoff;
  if (offset == 0) return str_printf("%s.%03dZ", date, static_cast<int>(millis));
  char sign = offset < 0 ? '-' : '+';
  if (offset < 0) offset = -offset;
  return str_printf("%s.%03d%c%02ld:%02ld", date, static_cast<int>(millis), sign, offset / 3600,
                    (offset % 3600) / 60);
}

namespace {

std::string_view basename(const char* path) {
  std::string_view p(path);
  size_t slash = p.find_last_of('/');
  return slash == std::string_view::npos ? p : p.substr(slash + 1);
}

}  // namespace

std::string LogField::format_double(double v) {
  return str_printf("%g", v);
}

void log_set_level(LogLevel level) {
  g_level = static_cast<int>(level);
}
LogLevel log_level() {
  return static_cast<LogLevel>(g_level.load());
}
bool log_enabled(LogLevel level) {
  return static_cast<int>(level) >= g_level.load();
}

void log_level_from_env() {
  const char* value = std::getenv("OLLAMA_DEBUG");
  std::string v = value ? str_lower(str_trim(value)) : "";
  if (v == "2") {
    log_set_level(LogLevel::kTrace);
  } else if (v == "1" || v == "true") {
    log_set_level(LogLevel::kDebug);
  } else {
    log_set_level(LogLevel::kInfo);
  }
}

void log_set_sink(std::function<void(LogLevel, const std::string&)> sink) {
  std::lock_guard lock(g_mutex);
  g_sink = std::move(sink);
}

void log_write(LogLevel level, std::string_view message, std::initializer_list<LogField> fields,
               const char* file, int source_line) {
  std::string line = "time=" + log_timestamp() + " level=" + level_name(level) +
                     " source=" + std::string(basename(file)) + ":" + std::to_string(source_line) +
                     " msg=" + quote_if_needed(message);
  for (const LogField& field : fields) {
    line += ' ';
    line += quote_if_needed(field.key);
    line += '=';
    line += quote_if_needed(field.value);
  }
  std::lock_guard lock(g_mutex);
  if (g_sink) {
    g_sink(level, line);
    return;
  }
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace slimllm
