#include "template/thinking.h"

#include <algorithm>

namespace slimllm {
namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// Length of the longest suffix of `text` that is a proper prefix of `tag`.
size_t partial_suffix(std::string_view text, std::string_view tag) {
  for (size_t n = std::min(text.size(), tag.size() - 1); n > 0; --n) {
    if (text.substr(text.size() - n) == tag.substr(0, n)) return n;
  }
  return 0;
}

// The tag written right after a closing tag in the template's text ("</think><response>"): the
// text up to the next action or line end, when it is one tag.
std::string tag_after(std::string_view template_text, std::string_view close) {
  for (size_t at = template_text.find(close); at != std::string_view::npos;
       at = template_text.find(close, at + 1)) {
    std::string_view rest = template_text.substr(at + close.size());
    const size_t end = std::min(rest.find("{{"), rest.find('\n'));
    std::string_view text = rest.substr(0, end);
    if (text.size() > 2 && text.front() == '<' && text.back() == '>' &&
        text.find_first_of("<> \t", 1) == text.size() - 1) {
      return std::string(text);
    }
  }
  return "";
}

}  // namespace

std::optional<ThinkingTags> thinking_tags(std::string_view template_text) {
  for (const auto& [open, close] :
       {std::pair{"<think>", "</think>"}, std::pair{"<thinking>", "</thinking>"}}) {
    if (template_text.find(open) != std::string_view::npos &&
        template_text.find(close) != std::string_view::npos) {
      return ThinkingTags{open, close, tag_after(template_text, close)};
    }
  }
  return std::nullopt;
}

ThinkingParser::ThinkingParser(ThinkingTags tags, bool in_thinking)
    : tags_(std::move(tags)), state_(in_thinking ? State::kAfterOpen : State::kBeforeOpen) {}

ThinkingParser::Split ThinkingParser::add(std::string_view chunk) {
  buffer_.append(chunk);
  return process(false);
}

ThinkingParser::Split ThinkingParser::finish() {
  return process(true);
}

ThinkingParser::Split ThinkingParser::process(bool at_end) {
  Split out;
  while (!buffer_.empty()) {
    switch (state_) {
      case State::kBeforeOpen: {
        // Leading whitespace, then either the opening tag or an answer without thinking.
        size_t first = 0;
        while (first < buffer_.size() && is_space(buffer_[first])) ++first;
        std::string_view rest = std::string_view(buffer_).substr(first);
        if (rest.substr(0, tags_.open.size()) == tags_.open) {
          buffer_.erase(0, first + tags_.open.size());
          state_ = State::kAfterOpen;
          continue;
        }
        if (!at_end && std::string_view(tags_.open).substr(0, rest.size()) == rest) {
          return out;  // all whitespace, or the tag still arriving
        }
        buffer_.erase(0, first);  // an answer without thinking starts at its first character
        state_ = State::kContent;
        continue;
      }
      case State::kAfterOpen: {
        // Whitespace right after the tag is not thinking.
        size_t skip = 0;
        while (skip < buffer_.size() && is_space(buffer_[skip])) ++skip;
        buffer_.erase(0, skip);
        if (buffer_.empty()) return out;
        state_ = State::kThinking;
        continue;
      }
      case State::kThinking: {
        const size_t at = buffer_.find(tags_.close);
        if (at == std::string::npos) {
          // Keep a possible start of the closing tag, and trailing whitespace (it may be the
          // whitespace before the tag, which is not thinking).
          size_t keep = at_end ? 0 : partial_suffix(buffer_, tags_.close);
          size_t end = buffer_.size() - keep;
          while (end > 0 && is_space(buffer_[end - 1])) --end;
          out.thinking += buffer_.substr(0, end);
          buffer_.erase(0, at_end ? buffer_.size() : end);
          return out;
        }
        size_t end = at;
        while (end > 0 && is_space(buffer_[end - 1])) --end;
        out.thinking += buffer_.substr(0, end);
        buffer_.erase(0, at + tags_.close.size());
        state_ = State::kAfterClose;
        continue;
      }
      case State::kAfterClose: {
        size_t skip = 0;
        while (skip < buffer_.size() && is_space(buffer_[skip])) ++skip;
        buffer_.erase(0, skip);
        if (buffer_.empty()) return out;
        if (!tags_.answer_open.empty()) {
          // The answer's own opening tag, whole or (while streaming) still arriving.
          std::string_view tag = tags_.answer_open;
          if (std::string_view(buffer_).starts_with(tag)) {
            buffer_.erase(0, tag.size());
            tags_.answer_open.clear();  // once: whitespace after it is skipped, then content
            continue;
          }
          if (!at_end && tag.starts_with(buffer_)) return out;
        }
        state_ = State::kContent;
        continue;
      }
      case State::kContent:
        out.content += buffer_;
        buffer_.clear();
        return out;
    }
  }
  return out;
}

}  // namespace slimllm
