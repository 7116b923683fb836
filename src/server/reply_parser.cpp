#include "server/reply_parser.h"

#include <random>

namespace slimllm {
namespace {

// Ollama's tool call ids: "call_" and 8 random lower-case letters or digits.
std::string tool_call_id() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  static const char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string id = "call_";
  for (int i = 0; i < 8; ++i) id += kAlphabet[rng() % 36];
  return id;
}

OrderedJson bytes_of(const std::string& text) {
  OrderedJson bytes = OrderedJson::array();
  for (unsigned char c : text) bytes.push_back(static_cast<int>(c));
  return bytes;
}

}  // namespace

void ReplyDelta::append(ReplyDelta&& more) {
  content += more.content;
  thinking += more.thinking;
  for (auto& call : more.tool_calls) tool_calls.push_back(std::move(call));
  for (auto& lp : more.logprobs) logprobs.push_back(std::move(lp));
}

ReplyDelta ReplyParser::route(ThinkingParser::Split split, bool at_end) {
  ReplyDelta delta;
  delta.thinking = std::move(split.thinking);
  if (!tools_) {
    delta.content = std::move(split.content);
    return delta;
  }
  std::vector<ParsedToolCall> calls;
  delta.content = tools_->add(split.content, &calls);
  if (at_end) delta.content += tools_->finish(&calls);
  for (ParsedToolCall& call : calls) {
    OrderedJson c;
    c["id"] = tool_call_id();
    c["function"]["index"] = next_call_index_++;
    c["function"]["name"] = call.name;
    c["function"]["arguments"] = std::move(call.arguments);
    delta.tool_calls.push_back(std::move(c));
  }
  return delta;
}

ReplyDelta ReplyParser::add(const GeneratedPiece& piece) {
  ThinkingParser::Split split;
  if (thinking_) {
    split = thinking_->add(piece.text);
  } else {
    split.content = std::string(piece.text);
  }
  ReplyDelta delta = route(std::move(split), false);
  delta.logprobs.assign(piece.logprobs.begin(), piece.logprobs.end());
  return delta;
}

ReplyDelta ReplyParser::finish() {
  ThinkingParser::Split split;
  if (thinking_) split = thinking_->finish();
  return route(std::move(split), true);
}

OrderedJson logprobs_json(const std::vector<TokenLogprob>& logprobs) {
  OrderedJson out = OrderedJson::array();
  for (const TokenLogprob& lp : logprobs) {
    OrderedJson entry;
    entry["token"] = lp.token;
    entry["logprob"] = lp.logprob;
    entry["bytes"] = bytes_of(lp.token);
    if (!lp.top.empty()) {
      OrderedJson top = OrderedJson::array();
      for (const TokenAlternative& alt : lp.top) {
        OrderedJson a;
        a["token"] = alt.token;
        a["logprob"] = alt.logprob;
        a["bytes"] = bytes_of(alt.token);
        top.push_back(std::move(a));
      }
      entry["top_logprobs"] = std::move(top);
    }
    out.push_back(std::move(entry));
  }
  return out;
}

}  // namespace slimllm
