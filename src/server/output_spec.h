// What a generate or chat request asks of its answer, decided before generating: the grammar the
// output must follow (`format`, a forced tool call) and how the text is read back (thinking split
// off, tool calls parsed). Requests that ask for what cannot be done fail here, with a 400,
// before any byte of the answer is sent.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "engine/runner.h"
#include "server/reply_parser.h"
#include "template/thinking.h"

namespace slimllm {

// Ollama's `format`: null or "" ⇒ none; "json" ⇒ any JSON object; a JSON Schema object ⇒ its
// grammar. Anything else, or a schema with keywords that cannot be enforced ⇒ ApiError 400.
OutputGrammar format_grammar(const nlohmann::ordered_json& format);

struct ToolChoice {
  enum class Kind { kAuto, kNone, kRequired, kFunction };
  Kind kind = Kind::kAuto;
  std::string function;  // kFunction: the tool that must be called
};
// null / "auto" / "none" / "required" / {"type":"function","function":{"name":...}}; anything
// else ⇒ ApiError 400.
ToolChoice parse_tool_choice(const nlohmann::json& value);

// The think setting the template sees: unset stays unset unless the template thinks, in which
// case it is on (Ollama's default for thinking-capable models).
nlohmann::json effective_think(const nlohmann::json& requested,
                               const std::optional<ThinkingTags>& tags);
// Whether the answer's thinking is split off: thinking is on and the template has tags.
bool thinking_on(const nlohmann::json& think, const std::optional<ThinkingTags>& tags);

// The parser of an answer to `prompt`: thinking split off when on (starting inside the thinking
// when the prompt ends with its opening tag), tool calls parsed when `tool_prefix` is given.
ReplyParser reply_parser(const std::string& prompt, bool thinking,
                         const std::optional<ThinkingTags>& tags,
                         const std::optional<ToolCallParser>& tool_parser);

}  // namespace slimllm
