// What a generation's text becomes in an answer: the thinking split from the content (thinking
// models), tool calls parsed out of the content (chat with tools), and the log-probabilities
// that came with the text. One ReplyParser per generation, fed piece by piece; each piece gives
// a ReplyDelta for a streamed chunk, and the deltas appended make the whole answer.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/runner.h"
#include "store/go_json.h"
#include "template/thinking.h"
#include "template/tool_calls.h"

namespace slimllm {

struct ReplyDelta {
  std::string content;
  std::string thinking;
  OrderedJson tool_calls = OrderedJson::array();  // native ToolCall objects
  std::vector<TokenLogprob> logprobs;

  bool empty() const {
    return content.empty() && thinking.empty() && tool_calls.empty() && logprobs.empty();
  }
  void append(ReplyDelta&& more);
};

class ReplyParser {
 public:
  ReplyParser() = default;
  ReplyParser(std::optional<ThinkingParser> thinking, std::optional<ToolCallParser> tools)
      : thinking_(std::move(thinking)), tools_(std::move(tools)) {}

  ReplyDelta add(const GeneratedPiece& piece);
  ReplyDelta finish();

 private:
  ReplyDelta route(ThinkingParser::Split split, bool at_end);

  std::optional<ThinkingParser> thinking_;
  std::optional<ToolCallParser> tools_;
  int next_call_index_ = 0;
};

// Ollama's logprobs array: [{token, logprob, bytes, top_logprobs: [{token, logprob, bytes}]}].
OrderedJson logprobs_json(const std::vector<TokenLogprob>& logprobs);

}  // namespace slimllm
