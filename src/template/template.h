// A model's prompt template: Go's text/template language as Ollama runs it (missingkey=zero,
// Go's builtins plus json, currentDate, yesterdayDate, toTypeScriptType).
//
//   Template t = Template::parse(text);           // throws TemplateError naming line and column
//   std::string s = t.render(data);                // const and thread-safe; throws TemplateError
//
// A Template is cheap to copy (the parse tree is shared and immutable).
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>

#include "base/error.h"
#include "template/exec.h"
#include "template/value.h"

namespace slimllm {

namespace tmpl {
struct Tree;
}

// A template that does not parse, or fails as it runs over some data: the server answers 400 (the
// template or the data came with a request, or the model's template was accepted by create).
class TemplateError : public Error {
 public:
  using Error::Error;
};

class Template {
 public:
  static Template parse(std::string_view text);

  std::string render(const Value& data, const tmpl::RenderLimits& limits = {}) const;
  // JSON objects become Go maps, integers Go ints, other numbers float64.
  std::string render(const nlohmann::ordered_json& data,
                     const tmpl::RenderLimits& limits = {}) const;

  // Ollama's legacy final turn: the template with everything after the first reference to
  // .Response removed, so the prompt ends where the model's answer starts.
  std::string render_until_response(const Value& data, const tmpl::RenderLimits& limits = {}) const;

  // Field names referenced anywhere (.Messages, $.Tools, .Function.Name ...), lower-cased, as
  // Ollama's Vars() reports them: "messages", "tools", "function", "name".
  const std::set<std::string>& vars() const { return vars_; }
  bool uses(std::string_view lower_name) const { return vars_.count(std::string(lower_name)) > 0; }

  // The text before a tool call in the template (e.g. "<tool_call>"), "{" when there is none:
  // what Ollama's tool-call parser looks for in model output.
  const std::string& tool_call_prefix() const { return tool_call_prefix_; }

  const std::string& text() const { return text_; }

 private:
  std::shared_ptr<const tmpl::Tree> tree_;
  std::shared_ptr<const tmpl::Tree> until_response_;
  std::string text_;
  std::set<std::string> vars_;
  std::string tool_call_prefix_;
};

}  // namespace slimllm
