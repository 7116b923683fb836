#include "server/tool_grammar.h"

#include "api/api_error.h"
#include "base/strings.h"
#include "grammar/gbnf_text.h"
#include "grammar/json_schema.h"

namespace slimllm {

OutputGrammar forced_tool_call_grammar(std::string_view prefix, std::string_view template_text,
                                       const nlohmann::ordered_json& tools,
                                       const std::string& only) {
  // The key the template's own examples use for the arguments.
  const bool parameters = template_text.find("\"parameters\"") != std::string_view::npos &&
                          template_text.find("\"arguments\"") == std::string_view::npos;
  const char* args_key = parameters ? "parameters" : "arguments";
  nlohmann::ordered_json choices = nlohmann::ordered_json::array();
  if (tools.is_array()) {
    for (const auto& tool : tools) {
      if (!tool.is_object() || !tool.contains("function") || !tool["function"].is_object())
        continue;
      const auto& fn = tool["function"];
      if (!fn.contains("name") || !fn["name"].is_string()) continue;
      const std::string name = fn["name"].get<std::string>();
      if (!only.empty() && name != only) continue;
      nlohmann::ordered_json args = fn.contains("parameters") && fn["parameters"].is_object()
                                        ? fn["parameters"]
                                        : nlohmann::ordered_json{{"type", "object"}};
      nlohmann::ordered_json call;
      call["type"] = "object";
      call["properties"]["name"]["const"] = name;
      call["properties"][args_key] = args;
      call["required"] = {"name", args_key};
      choices.push_back(std::move(call));
    }
  }
  if (choices.empty()) {
    fail_status(400, only.empty()
                         ? std::string("tool_choice requires a tool call but no tools were given")
                         : str_cat("tool_choice names the function '", only,
                                   "', which is not among the request's tools"));
  }
  nlohmann::ordered_json schema =
      choices.size() == 1 ? choices[0] : nlohmann::ordered_json{{"anyOf", choices}};
  OutputGrammar g;
  try {
    g.gbnf = grammar::json_schema_gbnf(schema);
  } catch (const ApiError&) {
    throw;
  } catch (const Error& e) {
    fail_status(400, str_cat("tool parameters: ", e.what()));
  }
  // The call wrapped as the template writes it: after an XML-like tag on its own line, closed by
  // the matching tag; after another prefix as is; bare JSON when the template has no prefix.
  std::string p(prefix);
  if (p.empty() || p == "{") {
    g.root = "root";
    return g;
  }
  std::string wrapped = "tool-call ::= " + grammar::gbnf_literal(p);
  if (p.size() > 2 && p.front() == '<' && p.back() == '>') {
    wrapped += " \"\\n\"? root \"\\n\"? " + grammar::gbnf_literal("</" + p.substr(1));
  } else {
    wrapped += " \" \"? root";
  }
  g.gbnf += "\n" + wrapped + "\n";
  g.root = "tool-call";
  return g;
}

}  // namespace slimllm
