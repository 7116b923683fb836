#include "cli/progress.h"

#include <unistd.h>

#include <cmath>

#include "base/strings.h"

namespace slimllm {
namespace {

std::string duration_text(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "";
  auto s = static_cast<uint64_t>(seconds + 0.5);
  if (s >= 3600)
    return str_printf("%lluh%02llum", (unsigned long long)(s / 3600),
                      (unsigned long long)(s / 60 % 60));
  if (s >= 60)
    return str_printf("%llum%02llus", (unsigned long long)(s / 60), (unsigned long long)(s % 60));
  return str_printf("%llus", (unsigned long long)s);
}

}  // namespace

ProgressDisplay::ProgressDisplay(std::FILE* out, bool terminal) : out_(out), terminal_(terminal) {}

std::string ProgressDisplay::bar_line(const std::string& status, uint64_t total, uint64_t completed,
                                      double bytes_per_second, int width) {
  completed = std::min(completed, total);
  int percent = total ? static_cast<int>(completed * 100 / total) : 100;
  int filled = total ? static_cast<int>(completed * static_cast<uint64_t>(width) / total) : width;
  std::string bar;
  for (int i = 0; i < width; ++i) bar += i < filled ? "█" : " ";
  std::string text = str_printf("%s: %3d%% ▕%s▏ ", status.c_str(), percent, bar.c_str());
  if (completed >= total) return text + human_bytes(total);
  text += human_bytes(completed) + "/" + human_bytes(total);
  if (bytes_per_second > 0) {
    text += "  " + human_bytes(static_cast<uint64_t>(bytes_per_second)) + "/s";
    text += "  " + duration_text(static_cast<double>(total - completed) / bytes_per_second);
  }
  return text;
}

std::string ProgressDisplay::render(const Line& line) const {
  if (line.total == 0) return line.status;
  double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - line.first_seen).count();
  double speed =
      elapsed > 0.5 ? static_cast<double>(line.completed - line.first_completed) / elapsed : 0.0;
  return bar_line(line.status, line.total, line.completed, speed, 40);
}

void ProgressDisplay::update(const std::string& status, uint64_t total, uint64_t completed) {
  Line* line = nullptr;
  for (Line& l : lines_) {
    if (l.status == status) line = &l;
  }
  bool is_new = line == nullptr;
  if (is_new) {
    lines_.push_back(Line{status, total, completed, completed, std::chrono::steady_clock::now()});
    line = &lines_.back();
  }
  line->total = total;
  line->completed = std::max(line->completed, completed);
  if (!terminal_) {
    // Plain output: a status once; a layer once it is complete.
    bool done = line->total == 0 || line->completed >= line->total;
    if (done && !line->printed_plain) {
      std::fprintf(out_, "%s\n", render(*line).c_str());
      std::fflush(out_);
      line->printed_plain = true;
    }
    return;
  }
  redraw(is_new);
}

void ProgressDisplay::redraw(bool force) {
  auto now = std::chrono::steady_clock::now();
  if (!force && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  std::string text;
  if (drawn_ > 0) text += str_printf("\x1b[%zuA", drawn_);
  for (const Line& l : lines_) text += "\r\x1b[2K" + render(l) + "\n";
  drawn_ = lines_.size();
  std::fputs(text.c_str(), out_);
  std::fflush(out_);
}

void ProgressDisplay::finish() {
  if (terminal_) {
    redraw(true);
    return;
  }
  for (Line& l : lines_) {
    if (!l.printed_plain) {
      std::fprintf(out_, "%s\n", render(l).c_str());
      l.printed_plain = true;
    }
  }
  std::fflush(out_);
}

void post_with_progress(api::Client& client, const std::string& path, const nlohmann::json& body) {
  ProgressDisplay display(stdout, isatty(fileno(stdout)) != 0);
  try {
    client.post_stream(path, body, [&](const nlohmann::json& line) {
      auto number = [&](const char* key) -> uint64_t {
        return line.contains(key) && line[key].is_number_unsigned() ? line[key].get<uint64_t>() : 0;
      };
      display.update(line.value("status", std::string()), number("total"), number("completed"));
    });
  } catch (...) {
    display.finish();
    throw;
  }
  display.finish();
}

}  // namespace slimllm
