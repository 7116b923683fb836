// Finds tool calls in model output the way Ollama does for template-based models: after the
// template's tool-call prefix (e.g. "<tool_call>"), or at the very start when the template has
// none ("{"), JSON objects with a "name" and "arguments" (or "parameters"). Output that does
// not parse as a tool call stays content. Works on streamed chunks: text that might still turn
// into a tool call is held back until it is decided.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "template/template.h"

namespace slimllm {

struct ParsedToolCall {
  std::string name;
  nlohmann::ordered_json arguments = nlohmann::ordered_json::object();
};

class ToolCallParser {
 public:
  // tool_names: the request's tools; a call naming another tool is not a call (empty: any).
  ToolCallParser(std::string prefix, std::vector<std::string> tool_names);
  static ToolCallParser for_template(const Template& tmpl, const nlohmann::ordered_json& tools);

  // Feeds a chunk; returns the content that can be shown now and appends finished calls.
  std::string add(std::string_view chunk, std::vector<ParsedToolCall>* calls);
  // End of output: anything held back that did not become a call is returned as content.
  std::string finish(std::vector<ParsedToolCall>* calls);

  const std::string& prefix() const { return prefix_; }

 private:
  enum class State { kSearching, kInCall, kContent };
  std::string process(std::vector<ParsedToolCall>* calls, bool at_end);
  bool accept(const nlohmann::ordered_json& object, std::vector<ParsedToolCall>* calls) const;

  std::string prefix_;
  std::vector<std::string> tool_names_;
  State state_ = State::kSearching;
  std::string buffer_;
  std::string held_;  // text consumed into a call attempt (the prefix and parsed calls)
  bool seen_call_ = false;
};

// Whole-output form of the parser.
struct ParsedOutput {
  std::string content;
  std::vector<ParsedToolCall> calls;
};
ParsedOutput parse_tool_calls(std::string_view output, const std::string& prefix,
                              const std::vector<std::string>& tool_names = {});

}  // namespace slimllm
