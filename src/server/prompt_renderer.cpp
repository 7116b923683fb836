#include "server/prompt_renderer.h"

namespace slimllm {

std::string PlainPromptRenderer::render(const PromptRequest& request) {
  if (request.kind != PromptRequest::Kind::kMessages) return request.prompt;
  std::string out;
  for (const api::Message& m : request.messages) {
    if (m.role == "system") continue;
    if (!out.empty()) out += "\n";
    out += m.content;
  }
  return out;
}

}  // namespace slimllm
