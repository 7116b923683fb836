// Splits a thinking model's output into its reasoning and its answer, as Ollama does for models
// whose template uses think tags: text between the opening and closing tag is thinking, the rest
// content; whitespace right around the tags belongs to neither. Works on streamed chunks: a tag
// cut across two chunks is held back until it is decided, so no part of a tag ever reaches the
// content or the thinking.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace slimllm {

struct ThinkingTags {
  std::string open;   // e.g. "<think>"
  std::string close;  // e.g. "</think>"
  // A tag the template writes right after the closing one to open the answer (Granite 3.3's
  // "</think><response>"), or empty. It is not content: Ollama takes "</think><response>" as the
  // closing tag there; it is dropped here also when whitespace separates it from "</think>".
  std::string answer_open = {};
};

// The think tags a template uses, or none when it has no thinking.
std::optional<ThinkingTags> thinking_tags(std::string_view template_text);

class ThinkingParser {
 public:
  // in_thinking: the prompt already opened the thinking (it ends with the opening tag), so the
  // output starts inside it.
  ThinkingParser(ThinkingTags tags, bool in_thinking);

  struct Split {
    std::string thinking;
    std::string content;
  };
  Split add(std::string_view chunk);
  // End of output: what was held back goes where it was heading.
  Split finish();

 private:
  enum class State { kBeforeOpen, kAfterOpen, kThinking, kAfterClose, kContent };
  Split process(bool at_end);

  ThinkingTags tags_;
  State state_;
  std::string buffer_;
};

}  // namespace slimllm
