#include "api/duration.h"

#include <cmath>
#include <cstdlib>

#include "base/error.h"
#include "base/strings.h"

namespace slimllm {
namespace {

std::string go_quote(std::string_view s) {
  return "\"" + std::string(s) + "\"";
}

int64_t unit_ns(std::string_view unit) {
  if (unit == "ns") return 1;
  if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs") return 1000;
  if (unit == "ms") return 1000000;
  if (unit == "s") return kNsPerSecond;
  if (unit == "m") return 60 * kNsPerSecond;
  if (unit == "h") return 3600 * kNsPerSecond;
  return 0;
}

// "1.500" → "1.5", "2.000" → "2".
std::string trim_fraction(std::string s) {
  if (s.find('.') == std::string::npos) return s;
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

std::string fixed(uint64_t value, uint64_t unit) {
  uint64_t whole = value / unit;
  uint64_t frac = value % unit;
  if (frac == 0) return std::to_string(whole);
  int digits = 0;
  for (uint64_t u = unit; u > 1; u /= 10) ++digits;
  return trim_fraction(str_printf("%llu.%0*llu", static_cast<unsigned long long>(whole), digits,
                                  static_cast<unsigned long long>(frac)));
}

}  // namespace

int64_t parse_go_duration(std::string_view orig) {
  std::string_view s = orig;
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return 0;
  if (s.empty()) fail("time: invalid duration ", go_quote(orig));
  double total = 0;
  while (!s.empty()) {
    size_t i = 0;
    bool digits = false;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i, digits = true;
    std::string number(s.substr(0, i));
    if (i < s.size() && s[i] == '.') {
      ++i;
      size_t start = i;
      while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
      digits = digits || i > start;
      number = std::string(s.substr(0, i));
    }
    if (!digits) fail("time: invalid duration ", go_quote(orig));
    s.remove_prefix(i);
    size_t u = 0;
    while (u < s.size() && s[u] != '.' && !(s[u] >= '0' && s[u] <= '9')) ++u;
    if (u == 0) fail("time: missing unit in duration ", go_quote(orig));
    std::string_view unit = s.substr(0, u);
    int64_t scale = unit_ns(unit);
    if (scale == 0) fail("time: unknown unit ", go_quote(unit), " in duration ", go_quote(orig));
    total += std::strtod(number.c_str(), nullptr) * static_cast<double>(scale);
    if (total > 9.2e18) fail("time: invalid duration ", go_quote(orig));
    s.remove_prefix(u);
  }
  int64_t ns = static_cast<int64_t>(std::llround(total));
  return negative ? -ns : ns;
}

std::string format_go_duration(int64_t ns) {
  if (ns == 0) return "0s";
  std::string sign = ns < 0 ? "-" : "";
  uint64_t u = ns < 0 ? static_cast<uint64_t>(-(ns + 1)) + 1 : static_cast<uint64_t>(ns);
  if (u < 1000) return sign + std::to_string(u) + "ns";
  if (u < 1000000) return sign + fixed(u, 1000) + "\xC2\xB5s";
  if (u < 1000000000) return sign + fixed(u, 1000000) + "ms";
  uint64_t hours = u / (3600ULL * kNsPerSecond);
  u -= hours * 3600ULL * kNsPerSecond;
  uint64_t minutes = u / (60ULL * kNsPerSecond);
  u -= minutes * 60ULL * kNsPerSecond;
  std::string out = sign;
  if (hours > 0) out += std::to_string(hours) + "h";
  if (hours > 0 || minutes > 0) out += std::to_string(minutes) + "m";
  out += fixed(u, kNsPerSecond) + "s";
  return out;
}

int64_t parse_keep_alive(const nlohmann::json& value) {
  if (value.is_number()) {
    double seconds = value.get<double>();
    if (seconds < 0) return kForever;
    if (seconds * 1e9 > 9.2e18) return kForever;
    return static_cast<int64_t>(seconds * 1e9);
  }
  if (value.is_string()) {
    int64_t ns = parse_go_duration(value.get<std::string>());
    return ns < 0 ? kForever : ns;
  }
  const char* type = value.is_boolean()  ? "bool"
                     : value.is_array()  ? "[]interface {}"
                     : value.is_object() ? "map[string]interface {}"
                                         : "<nil>";
  fail("Unsupported type: '", type, "'");
}

int64_t keep_alive_from_env() {
  const char* env = std::getenv("OLLAMA_KEEP_ALIVE");
  if (!env) return 5 * 60 * kNsPerSecond;
  std::string text(str_trim(env));
  while (!text.empty() && (text.front() == '"' || text.front() == '\'')) text.erase(0, 1);
  while (!text.empty() && (text.back() == '"' || text.back() == '\'')) text.pop_back();
  if (text.empty()) return 5 * 60 * kNsPerSecond;
  try {
    int64_t ns = parse_go_duration(text);
    return ns < 0 ? kForever : ns;
  } catch (const Error&) {
  }
  char* end = nullptr;
  long long seconds = std::strtoll(text.c_str(), &end, 10);
  if (end && *end == '\0') {
    if (seconds < 0) return kForever;
    return seconds * kNsPerSecond;
  }
  return 5 * 60 * kNsPerSecond;
}

}  // namespace slimllm
