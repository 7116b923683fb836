// How `slimllm run` shows a thinking model's answer, as Ollama's CLI does: the thinking under a
// "Thinking..." heading, closed by "...done thinking." before the answer starts (grey and bold on
// a terminal, plain text when the output is piped), or only the answer with --hidethinking.
#pragma once

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

namespace slimllm {

class ThinkingDisplay {
 public:
  // `plain`: no terminal colours (output that is not a terminal).
  ThinkingDisplay(std::FILE* out, bool hide_thinking, bool plain)
      : out_(out), hide_thinking_(hide_thinking), plain_(plain) {}

  // Prints one streamed chunk: its thinking, then its content.
  void add(const std::string& thinking, const std::string& content);

  // Whatever was printed last ended a line (so the caller knows whether to add one).
  bool ends_with_newline() const { return ends_with_newline_; }
  // All the thinking received (kept in the chat history, as Ollama's CLI keeps it).
  const std::string& thinking() const { return thinking_; }

 private:
  void write(const std::string& text);

  std::FILE* out_;
  bool hide_thinking_;
  bool plain_;
  bool open_ = false;  // the "Thinking..." heading is printed and not yet closed
  bool ends_with_newline_ = false;
  std::string thinking_;
};

// Parses --think's value (true, false, high, medium, low) into the request's `think` field:
// a bool, or the level string. Throws Error with Ollama's text for anything else.
// An empty value means the flag was not given: the result is null (the server decides).
nlohmann::json think_value(const std::string& flag);

}  // namespace slimllm
