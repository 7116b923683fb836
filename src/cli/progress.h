// Progress display for pull/push/create streams, like Ollama's client: on a terminal one line per
// status, redrawn in place, with a bar per layer (percentage, size, speed, time left); otherwise
// each status printed once as a plain line (a layer's when it completes).
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "api/client.h"

namespace slimllm {

class ProgressDisplay {
 public:
  // `terminal`: redraw with ANSI escapes (isatty of `out`, normally).
  ProgressDisplay(std::FILE* out, bool terminal);
  // One message of the stream: status, and for a layer its total and completed bytes.
  void update(const std::string& status, uint64_t total, uint64_t completed);
  // Draws the final state.
  void finish();

  // "pulling abc: 45% ▕████      ▏ 900 MB/2.0 GB  10 MB/s  1m30s" for `width` bar cells.
  static std::string bar_line(const std::string& status, uint64_t total, uint64_t completed,
                              double bytes_per_second, int width);

 private:
  struct Line {
    std::string status;
    uint64_t total = 0, completed = 0;
    uint64_t first_completed = 0;
    std::chrono::steady_clock::time_point first_seen;
    bool printed_plain = false;
  };
  std::string render(const Line& line) const;
  void redraw(bool force);

  std::FILE* out_;
  bool terminal_;
  std::vector<Line> lines_;
  size_t drawn_ = 0;
  std::chrono::steady_clock::time_point last_draw_{};
};

// POSTs `body` to `path` and shows the NDJSON progress stream on stdout (bars on a terminal).
void post_with_progress(api::Client& client, const std::string& path, const nlohmann::json& body);

}  // namespace slimllm
