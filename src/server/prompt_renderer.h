// The seam between the server and the template engine: a request's conversation and the model's
// template become the prompt text the model reads. The lead plugs the Go-template engine in by
// implementing PromptRenderer; PlainPromptRenderer is the stand-in until then.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
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
  nlohmann::json tools;  // the request's tools, or null
  nlohmann::json think;  // the request's think value, or null
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
