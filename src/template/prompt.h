// Ollama's conversation → prompt rules on top of a Template:
// - messages-style templates (they reference .Messages) get .System (all system messages joined
//   by "\n\n"), .Messages (consecutive same-role messages merged, except tool results), .Tools;
// - legacy templates (.System/.Prompt/.Response) run once per turn, the last turn cut after
//   .Response; a template naming neither .Messages nor .Response gets .Response appended;
// - a generate request with a suffix renders the fill-in-the-middle form (.Prompt, .Suffix);
// - images become [img-N] tags; the oldest messages are dropped until the prompt fits num_ctx,
//   never the system messages and never the last message.
#pragma once

#include <cstddef>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "template/template.h"

namespace slimllm {

struct ChatToolCall {
  std::string id;
  int index = 0;
  std::string name;
  nlohmann::ordered_json arguments = nlohmann::ordered_json::object();  // key order kept
};

struct ChatMessage {
  std::string role;  // system, user, assistant, tool
  std::string content;
  std::string thinking;
  size_t images = 0;  // images attached to this message (their data stays with the caller)
  std::vector<ChatToolCall> tool_calls;
  std::string tool_name;
  std::string tool_call_id;
};

struct ThinkSetting {
  std::optional<bool> think;  // unset: .IsThinkSet is false
  std::string level;          // "high", "medium", "low" for models that take levels
};

struct ChatPromptOptions {
  std::string system;  // the model's SYSTEM, used when the first message is not a system one
  nlohmann::ordered_json tools = nlohmann::ordered_json::array();
  ThinkSetting think;
  // Fitting: when num_ctx > 0 and truncate, the oldest messages are dropped until
  // count_tokens(prompt) + image_tokens * images <= num_ctx.
  size_t num_ctx = 0;
  bool truncate = true;
  std::function<size_t(std::string_view)> count_tokens;
  size_t image_tokens = 0;  // per image, for models with a vision projector (Ollama: 768)
};

struct ChatPrompt {
  std::string prompt;
  size_t images = 0;         // [img-0] .. [img-(images-1)] appear in the prompt, in order
  size_t first_message = 0;  // index of the oldest non-system message kept
};

// The prompt for /api/chat. Throws Error when the template fails to render.
ChatPrompt build_chat_prompt(const Template& tmpl, std::vector<ChatMessage> messages,
                             const ChatPromptOptions& options);

// The prompt for /api/generate (not raw): fill-in-the-middle when both prompt and suffix are
// given, otherwise the system (if any) and one user message rendered like a chat.
std::string build_generate_prompt(const Template& tmpl, std::string_view prompt,
                                  std::string_view system, std::string_view suffix,
                                  size_t images = 0, const ThinkSetting& think = {});

// One execution of Ollama's Template.Execute: the messages as given (no fitting, no image tags).
std::string render_messages(const Template& tmpl, const std::vector<ChatMessage>& messages,
                            const nlohmann::ordered_json& tools, const ThinkSetting& think = {});

// Template capabilities Ollama derives: "tools" when the template uses .Tools, "insert" when
// it uses .Suffix.
bool template_supports_tools(const Template& tmpl);
bool template_supports_insert(const Template& tmpl);

}  // namespace slimllm
