#include "server/output_spec.h"

#include "api/api_error.h"
#include "base/strings.h"
#include "grammar/grammar.h"
#include "grammar/json_schema.h"

namespace slimllm {

OutputGrammar format_grammar(const nlohmann::ordered_json& format) {
  OutputGrammar g;
  if (format.is_null() || (format.is_string() && format.get<std::string>().empty())) return g;
  if (format.is_string() && format.get<std::string>() == "json") {
    g.gbnf = grammar::json_object_gbnf();
    return g;
  }
  if (!format.is_object()) {
    std::string quoted = "\"";
    // Go's %q of the raw JSON text; a format of megabytes is cut rather than echoed whole.
    std::string text = format.dump();
    if (text.size() > 200) text = text.substr(0, 200) + "...";
    for (char c : text) {
      if (c == '"' || c == '\\') quoted += '\\';
      quoted += c;
    }
    quoted += "\"";
    fail_status(400, str_cat("invalid format: ", quoted,
                             "; expected \"json\" or a valid JSON Schema object"));
  }
  try {
    g.gbnf = grammar::json_schema_gbnf(format);
    grammar::compile_gbnf(g.gbnf, g.root);  // a schema the grammar cannot hold fails here, as 400
  } catch (const ApiError&) {
    throw;
  } catch (const Error& e) {
    fail_status(400, str_cat("invalid format: ", e.what()));
  }
  return g;
}

ToolChoice parse_tool_choice(const nlohmann::json& value) {
  ToolChoice choice;
  if (value.is_null()) return choice;
  if (value.is_string()) {
    const std::string s = value.get<std::string>();
    if (s == "auto") return choice;
    if (s == "none") {
      choice.kind = ToolChoice::Kind::kNone;
      return choice;
    }
    if (s == "required") {
      choice.kind = ToolChoice::Kind::kRequired;
      return choice;
    }
  } else if (value.is_object() && value.value("type", "") == "function" &&
             value.contains("function") && value["function"].is_object() &&
             value["function"].contains("name") && value["function"]["name"].is_string()) {
    choice.kind = ToolChoice::Kind::kFunction;
    choice.function = value["function"]["name"].get<std::string>();
    return choice;
  }
  fail_status(400, str_cat("invalid tool_choice: ", value.dump(),
                           " (must be \"none\", \"auto\", \"required\", or "
                           "{\"type\":\"function\",\"function\":{\"name\":...}})"));
}

nlohmann::json effective_think(const nlohmann::json& requested,
                               const std::optional<ThinkingTags>& tags) {
  if (requested.is_null() && tags) return true;
  return requested;
}

bool thinking_on(const nlohmann::json& think, const std::optional<ThinkingTags>& tags) {
  if (!tags) return false;
  return think.is_string() || (think.is_boolean() && think.get<bool>());
}

ReplyParser reply_parser(const std::string& prompt, bool thinking,
                         const std::optional<ThinkingTags>& tags,
                         const std::optional<ToolCallParser>& tool_parser) {
  std::optional<ThinkingParser> think_parser;
  if (thinking && tags) {
    think_parser.emplace(*tags, str_trim(prompt).ends_with(tags->open));
  }
  return ReplyParser(std::move(think_parser), tool_parser);
}

}  // namespace slimllm
