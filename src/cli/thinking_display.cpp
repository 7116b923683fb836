#include "cli/thinking_display.h"

#include "base/error.h"

namespace slimllm {
namespace {

// Ollama's readline colours.
constexpr const char* kGrey = "\033[38;5;245m";
constexpr const char* kBold = "\033[1m";
constexpr const char* kDefault = "\033[0m";

}  // namespace

void ThinkingDisplay::write(const std::string& text) {
  if (text.empty()) return;
  std::fwrite(text.data(), 1, text.size(), out_);
  std::fflush(out_);
  ends_with_newline_ = text.back() == '\n';
}

void ThinkingDisplay::add(const std::string& thinking, const std::string& content) {
  thinking_ += thinking;
  if (!thinking.empty() && !hide_thinking_) {
    if (!open_) {
      write(plain_ ? std::string("Thinking...\n")
                   : std::string(kGrey) + kBold + "Thinking...\n" + kDefault + kGrey);
      open_ = true;
    }
    write(thinking);
  }
  if (open_ && !content.empty()) {
    if (!ends_with_newline_) write("\n");
    write(plain_ ? std::string("...done thinking.\n\n")
                 : std::string(kGrey) + kBold + "...done thinking.\n\n" + kDefault);
    open_ = false;
  }
  write(content);
}

nlohmann::json think_value(const std::string& flag) {
  if (flag.empty()) return nullptr;
  if (flag == "true") return true;
  if (flag == "false") return false;
  if (flag == "high" || flag == "medium" || flag == "low") return flag;
  fail("invalid value for --think: \"", flag, "\" (must be true, false, high, medium, or low)");
}

}  // namespace slimllm
