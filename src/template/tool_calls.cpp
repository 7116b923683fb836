#include "template/tool_calls.h"

#include <algorithm>

namespace slimllm {

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// End of the JSON object starting at text[start] == '{', or npos while it is incomplete.
size_t object_end(std::string_view text, size_t start) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = start; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{') {
      ++depth;
    } else if (c == '}') {
      if (--depth == 0) return i + 1;
    }
  }
  return std::string_view::npos;
}

// Longest suffix of text that is a proper prefix of tag (it may complete in the next chunk).
size_t partial_tag(std::string_view text, std::string_view tag) {
  for (size_t n = std::min(text.size(), tag.size() - 1); n > 0; --n)
    if (text.substr(text.size() - n) == tag.substr(0, n)) return n;
  return 0;
}

}  // namespace

ToolCallParser::ToolCallParser(std::string prefix, std::vector<std::string> tool_names)
    : prefix_(prefix.empty() ? "{" : std::move(prefix)), tool_names_(std::move(tool_names)) {}

ToolCallParser ToolCallParser::for_template(const Template& tmpl,
                                            const nlohmann::ordered_json& tools) {
  std::vector<std::string> names;
  if (tools.is_array()) {
    for (const auto& t : tools) {
      if (!t.is_object()) continue;
      auto fn = t.find("function");
      if (fn != t.end() && fn->is_object() && fn->contains("name") && (*fn)["name"].is_string())
        names.push_back((*fn)["name"].get<std::string>());
    }
  }
  return ToolCallParser(tmpl.tool_call_prefix(), std::move(names));
}

bool ToolCallParser::accept(const nlohmann::ordered_json& object,
                            std::vector<ParsedToolCall>* calls) const {
  if (!object.is_object()) return false;
  const nlohmann::ordered_json* source = &object;
  // {"function": {"name": ..., "arguments": ...}} is accepted too.
  if (!object.contains("name") && object.contains("function") && object["function"].is_object())
    source = &object["function"];
  auto name = source->find("name");
  if (name == source->end() || !name->is_string() || name->get<std::string>().empty()) return false;
  if (!tool_names_.empty() && std::find(tool_names_.begin(), tool_names_.end(),
                                        name->get<std::string>()) == tool_names_.end())
    return false;
  ParsedToolCall call;
  call.name = name->get<std::string>();
  for (const char* key : {"arguments", "parameters"}) {
    auto args = source->find(key);
    if (args == source->end()) continue;
    if (args->is_object()) {
      call.arguments = *args;
    } else if (args->is_string()) {
      auto parsed = nlohmann::ordered_json::parse(args->get<std::string>(), nullptr, false);
      if (!parsed.is_object()) return false;
      call.arguments = parsed;
    } else if (!args->is_null()) {
      return false;
    }
    break;
  }
  calls->push_back(std::move(call));
  return true;
}

std::string ToolCallParser::process(std::vector<ParsedToolCall>* calls, bool at_end) {
  std::string content;
  while (true) {
    if (state_ == State::kContent) {
      content += buffer_;
      buffer_.clear();
      return content;
    }
    if (state_ == State::kSearching) {
      if (prefix_ == "{") {
        // No prefix in the template: only output that starts with JSON is tried.
        size_t first = buffer_.find_first_not_of(" \t\r\n");
        if (first == std::string::npos && !seen_call_) {
          if (at_end) {
            content += buffer_;
            buffer_.clear();
          }
          return content;
        }
        if (first != std::string::npos && (buffer_[first] == '{' || buffer_[first] == '[') &&
            !seen_call_) {
          held_ = buffer_.substr(0, first);
          buffer_.erase(0, first);
          state_ = State::kInCall;
          continue;
        }
        state_ = State::kContent;
        continue;
      }
      size_t at = buffer_.find(prefix_);
      if (at == std::string::npos) {
        size_t keep = at_end ? 0 : partial_tag(buffer_, prefix_);
        content += buffer_.substr(0, buffer_.size() - keep);
        buffer_.erase(0, buffer_.size() - keep);
        return content;
      }
      content += buffer_.substr(0, at);
      held_ = prefix_;
      buffer_.erase(0, at + prefix_.size());
      state_ = State::kInCall;
      continue;
    }
    // In a call: JSON objects, optionally in a [...] list, separated by commas or newlines.
    size_t i = 0;
    while (i < buffer_.size() && (is_space(buffer_[i]) || buffer_[i] == '[' || buffer_[i] == ','))
      ++i;
    if (i == buffer_.size()) {
      if (at_end) {
        content += seen_call_ ? std::string() : held_;
        content += seen_call_ ? std::string() : buffer_;
        buffer_.clear();
        held_.clear();
      }
      return content;
    }
    if (buffer_[i] != '{') {
      if (seen_call_) {
        // After the calls: a closing tag or bracket, then maybe more text and more calls.
        std::string rest = buffer_.substr(i);
        std::string closing =
            prefix_.size() > 2 && prefix_[0] == '<' ? "</" + prefix_.substr(1) : std::string();
        if (!closing.empty() && rest.compare(0, closing.size(), closing) == 0) {
          rest.erase(0, closing.size());
        } else if (!closing.empty() && !at_end && closing.compare(0, rest.size(), rest) == 0) {
          return content;  // a closing tag still arriving
        } else if (rest[0] == ']') {
          rest.erase(0, 1);
        }
        buffer_ = rest;
        held_.clear();
        state_ = prefix_ == "{" ? State::kContent : State::kSearching;
        continue;
      }
      // Not JSON after the prefix: it was content after all.
      content += held_;
      held_.clear();
      state_ = State::kContent;
      continue;
    }
    size_t end = object_end(buffer_, i);
    if (end == std::string::npos) {
      if (!at_end) return content;
      content += (seen_call_ ? std::string() : held_) + buffer_;
      buffer_.clear();
      held_.clear();
      state_ = State::kContent;
      return content;
    }
    auto parsed = nlohmann::ordered_json::parse(buffer_.substr(i, end - i), nullptr, false);
    if (parsed.is_discarded() || !accept(parsed, calls)) {
      if (!seen_call_) content += held_;
      held_.clear();
      state_ = State::kContent;
      continue;
    }
    seen_call_ = true;
    held_ += buffer_.substr(0, end);
    buffer_.erase(0, end);
  }
}

std::string ToolCallParser::add(std::string_view chunk, std::vector<ParsedToolCall>* calls) {
  buffer_.append(chunk);
  return process(calls, false);
}

std::string ToolCallParser::finish(std::vector<ParsedToolCall>* calls) {
  return process(calls, true);
}

ParsedOutput parse_tool_calls(std::string_view output, const std::string& prefix,
                              const std::vector<std::string>& tool_names) {
  ToolCallParser parser(prefix, tool_names);
  ParsedOutput out;
  out.content = parser.add(output, &out.calls);
  out.content += parser.finish(&out.calls);
  return out;
}

}  // namespace slimllm
