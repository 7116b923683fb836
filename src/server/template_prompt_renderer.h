// The real PromptRenderer: the model's Go template (or the request's) through the template
// engine, with Ollama's conversation rules (src/template/prompt.h).
#pragma once

#include <mutex>
#include <string>
#include <unordered_map>

#include "server/prompt_renderer.h"
#include "store/create.h"
#include "template/template.h"

namespace slimllm {

class TemplatePromptRenderer : public PromptRenderer {
 public:
  std::string render(const PromptRequest& request) override;

 private:
  // Templates are parsed once per distinct text (a model's template layer rarely changes).
  Template parsed(const std::string& text);

  std::mutex mutex_;
  std::unordered_map<std::string, Template> cache_;
};

// Detects the built-in template an imported GGUF's tokenizer.chat_template matches (with its stop
// list), for `create` without a TEMPLATE.
TemplateDetector builtin_template_detector();

}  // namespace slimllm
