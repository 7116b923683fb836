// The seam between the server and the template engine: a request's conversation and the model's
// template become the prompt text the model reads. The lead plugs the Go-template engine in by
// implementing PromptRenderer; PlainPromptRenderer is the stand-in until then.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "api/types.h"

namespace slimllm {

struct PromptRequest {
  enum class Kind {
    kMessages,  // chat, and generate without a `template` override: render .Messages etc.
    kLegacy,    // generate with a `template` override: one turn of .System/.Prompt/.Response
    kFim,       // generate with a suffix: .Prompt/.Suffix
  };
  Kind kind = Kind::kMessages;
  std::string template_text;  // the model's TEMPLATE layer or the request's; "" ⇒ {{ .Prompt }}
  // kMessages: the whole conversation, system messages included (model SYSTEM and MESSAGE
  // layers already merged in as Ollama does).
  std::vector<api::Message> messages;
  nlohmann::ordered_json tools;  // the request's tools (their property order kept), or null
  nlohmann::json think;          // the request's think value, or null
  // kMessages: when num_ctx > 0, the oldest messages (never system ones, never the last) are
  // dropped until the prompt's count_tokens fits num_ctx.
  size_t num_ctx = 0;
  std::function<size_t(std::string_view)> count_tokens;
  // kLegacy / kFim.
  std::string system;
  std::string prompt;
  std::string suffix;
};

class PromptRenderer {
 public:
  virtual ~PromptRenderer() = default;
  // Throws Error (the server answers 500 with its message) when the template fails.
  virtual std::string render(const PromptRequest& request) = 0;
};

// Without a template engine: the prompt alone (generate), or the user and assistant contents
// joined by newlines (chat). Correct for models whose template is {{ .Prompt }}.
class PlainPromptRenderer : public PromptRenderer {
 public:
  std::string render(const PromptRequest& request) override;
};

}  // namespace slimllm
