#include "store/store_policy.h"

#include <cmath>
#include <cstdlib>

#include "base/error.h"
#include "base/strings.h"
#include "store/model_name.h"

namespace slimllm {
namespace {

bool env_true(const char* name) {
  const char* v = std::getenv(name);
  if (!v) return false;
  std::string s = str_lower(str_trim(v));
  return s == "1" || s == "true" || s == "yes" || s == "on";
}

// "host:port" → host, port ("" when none); "[v6]:port" keeps the brackets off.
std::pair<std::string, std::string> split_host(std::string_view text) {
  std::string s = str_lower(str_trim(text));
  for (std::string_view scheme : {"https://", "http://"}) {
    if (str_starts_with(s, scheme)) s = s.substr(scheme.size());
  }
  while (!s.empty() && s.back() == '/') s.pop_back();
  if (size_t slash = s.find('/'); slash != std::string::npos) s = s.substr(0, slash);
  if (!s.empty() && s[0] == '[') {
    size_t close = s.find(']');
    if (close == std::string::npos) return {s, ""};
    std::string port = close + 2 <= s.size() && s[close + 1] == ':' ? s.substr(close + 2) : "";
    return {s.substr(1, close - 1), port};
  }
  size_t colon = s.rfind(':');
  if (colon == std::string::npos || s.find(':') != colon) return {s, ""};
  return {s.substr(0, colon), s.substr(colon + 1)};
}

bool matches(const std::string& entry, std::string_view target) {
  auto [eh, ep] = split_host(entry);
  auto [th, tp] = split_host(target);
  if (eh != th) return false;
  return ep.empty() || ep == tp;
}

}  // namespace

std::optional<uint64_t> parse_byte_size(std::string_view text) {
  std::string s(str_trim(text));
  if (s.empty()) return std::nullopt;
  size_t end = 0;
  while (end < s.size() && (std::isdigit(static_cast<unsigned char>(s[end])) || s[end] == '.')) {
    ++end;
  }
  if (end == 0) return std::nullopt;
  char* stop = nullptr;
  std::string number = s.substr(0, end);
  double value = std::strtod(number.c_str(), &stop);
  if (!stop || *stop != '\0' || !(value >= 0)) return std::nullopt;
  std::string unit = str_lower(str_trim(std::string_view(s).substr(end)));
  double scale = 0;
  static const std::pair<const char*, double> kUnits[] = {
      {"", 1},          {"b", 1},          {"k", 1e3},        {"kb", 1e3},
      {"m", 1e6},       {"mb", 1e6},       {"g", 1e9},        {"gb", 1e9},
      {"t", 1e12},      {"tb", 1e12},      {"ki", 1024.0},    {"kib", 1024.0},
      {"mi", 1048576.0}, {"mib", 1048576.0}, {"gi", 1073741824.0}, {"gib", 1073741824.0},
      {"ti", 1099511627776.0}, {"tib", 1099511627776.0}};
  for (const auto& [name, factor] : kUnits) {
    if (unit == name) scale = factor;
  }
  if (scale == 0) return std::nullopt;
  double bytes = std::floor(value * scale);
  if (bytes >= 1.8e19) return std::nullopt;
  return static_cast<uint64_t>(bytes);
}

std::optional<std::chrono::seconds> parse_grace(std::string_view text) {
  std::string s(str_trim(text));
  if (s.empty()) return std::nullopt;
  char* stop = nullptr;
  double plain = std::strtod(s.c_str(), &stop);
  if (stop && *stop == '\0') {
    if (!(plain >= 0) || plain > 1e9) return std::nullopt;
    return std::chrono::seconds(static_cast<int64_t>(plain));
  }
  double total = 0;
  size_t at = 0;
  while (at < s.size()) {
    size_t begin = at;
    while (at < s.size() && (std::isdigit(static_cast<unsigned char>(s[at])) || s[at] == '.')) ++at;
    if (at == begin) return std::nullopt;
    double value = std::strtod(s.substr(begin, at - begin).c_str(), nullptr);
    size_t unit_begin = at;
    while (at < s.size() && std::isalpha(static_cast<unsigned char>(s[at]))) ++at;
    std::string unit = s.substr(unit_begin, at - unit_begin);
    if (unit == "h") {
      total += value * 3600;
    } else if (unit == "m") {
      total += value * 60;
    } else if (unit == "s") {
      total += value;
    } else if (unit == "ms") {
      total += value / 1000;
    } else {
      return std::nullopt;
    }
  }
  if (total > 1e9) return std::nullopt;
  return std::chrono::seconds(static_cast<int64_t>(total));
}

StorePolicy StorePolicy::from_env() {
  StorePolicy p;
  if (const char* grace = std::getenv("SLIMLLM_BLOB_GRACE"); grace && *str_trim(grace).data()) {
    std::optional<std::chrono::seconds> g = parse_grace(grace);
    if (!g) {
      fail("SLIMLLM_BLOB_GRACE: \"", str_trim(grace),
           "\" is not a duration; give one like \"1h\", \"30m\" or seconds");
    }
    p.blob_grace = *g;
  }
  p.noprune = env_true("OLLAMA_NOPRUNE");
  if (const char* quota = std::getenv("SLIMLLM_STORE_QUOTA"); quota && !str_trim(quota).empty()) {
    std::optional<uint64_t> q = parse_byte_size(quota);
    if (!q) {
      fail("SLIMLLM_STORE_QUOTA: \"", str_trim(quota),
           "\" is not a size; give one like \"50GB\", \"20GiB\" or bytes");
    }
    p.quota_bytes = *q;
  }
  return p;
}

PullAllowList PullAllowList::from_env() {
  const char* spec = std::getenv("SLIMLLM_PULL_ALLOW");
  return spec ? PullAllowList(spec) : PullAllowList();
}

PullAllowList::PullAllowList(std::string_view spec) {
  for (const std::string& part : str_split(std::string(spec), ',')) {
    std::string entry = str_lower(str_trim(part));
    if (entry.empty()) continue;
    if (entry == "*") {
      entries_.clear();
      restricted_ = false;
      return;
    }
    entries_.push_back(entry);
  }
  restricted_ = !entries_.empty();
}

bool PullAllowList::allows(std::string_view host, std::string_view mirror) const {
  if (!restricted_) return true;
  if (split_host(host).first == kDefaultHost) return true;
  if (!mirror.empty() && split_host(mirror) == split_host(host)) return true;
  for (const std::string& entry : entries_) {
    if (matches(entry, host)) return true;
  }
  return false;
}

std::string PullAllowList::refusal(std::string_view host) const {
  return str_cat("registry host \"", str_lower(host),
                 "\" is not allowed on this server: pulls and pushes may reach ", kDefaultHost,
                 ", the mirror (SLIMLLM_REGISTRY_MIRROR) and the hosts in SLIMLLM_PULL_ALLOW; ask "
                 "the operator to add it there");
}

}  // namespace slimllm
