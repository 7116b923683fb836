#include "engine/stop_strings.h"

#include <algorithm>

namespace slimllm {

StopStrings::StopStrings(std::vector<std::string> stops) {
  for (std::string& s : stops) {
    if (!s.empty()) stops_.push_back(std::move(s));
  }
}

StopStrings::Result StopStrings::push(std::string_view text) {
  pending_ += text;
  Result r;
  // The earliest stop string in the text wins.
  size_t first = std::string::npos;
  for (const std::string& s : stops_) first = std::min(first, pending_.find(s));
  if (first != std::string::npos) {
    r.text = pending_.substr(0, first);
    r.stopped = true;
    pending_.clear();
    return r;
  }
  // Keep the longest tail that is a proper prefix of some stop string.
  size_t held = 0;
  for (const std::string& s : stops_) {
    for (size_t len = std::min(s.size() - 1, pending_.size()); len > held; --len) {
      if (pending_.compare(pending_.size() - len, len, s, 0, len) == 0) {
        held = len;
        break;
      }
    }
  }
  r.text = pending_.substr(0, pending_.size() - held);
  pending_.erase(0, pending_.size() - held);
  return r;
}

std::string StopStrings::flush() {
  std::string out;
  out.swap(pending_);
  return out;
}

}  // namespace slimllm
