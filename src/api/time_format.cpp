#include "api/time_format.h"

#include <ctime>

#include "base/strings.h"

namespace slimllm {
namespace {

std::string format(std::chrono::system_clock::time_point t, bool utc) {
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  std::time_t seconds = static_cast<std::time_t>(ns / 1000000000);
  long frac = static_cast<long>(ns % 1000000000);
  if (frac < 0) {
    frac += 1000000000;
    --seconds;
  }
  std::tm tm{};
  if (utc) {
    gmtime_r(&seconds, &tm);
  } else {
    localtime_r(&seconds, &tm);
  }
  char date[40];
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
  std::string out = date;
  if (frac != 0) {
    std::string digits = str_printf("%09ld", frac);
    while (!digits.empty() && digits.back() == '0') digits.pop_back();
    out += "." + digits;
  }
  long offset = utc ? 0 : tm.tm_gmtoff;
  if (offset == 0) return out + "Z";
  char sign = offset < 0 ? '-' : '+';
  if (offset < 0) offset = -offset;
  return out + str_printf("%c%02ld:%02ld", sign, offset / 3600, (offset % 3600) / 60);
}

}  // namespace

std::string rfc3339_utc(std::chrono::system_clock::time_point t) {
  return format(t, true);
}
std::string rfc3339_local(std::chrono::system_clock::time_point t) {
  return format(t, false);
}

}  // namespace slimllm
