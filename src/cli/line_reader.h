// Reads the interactive prompt's input from a terminal (or any file descriptor) line by line,
// with Ollama's """ multi-line messages. The terminal's own line editing (canonical mode) does the
// editing; Ctrl-C arrives as SIGINT and is reported as kInterrupted, Ctrl-D as kEnd.
#pragma once

#include <atomic>
#include <string>

namespace slimllm {

// Set by the SIGINT handler that install_interrupt_handler() installs; cleared by whoever acts
// on it.
extern std::atomic<bool> g_interrupted;

// SIGINT sets g_interrupted (and wakes a LineReader waiting for input) instead of killing the
// process.
void install_interrupt_handler();
// Forgets a Ctrl-C that has been dealt with (an answer it stopped).
void clear_interrupt();

class LineReader {
 public:
  enum class Status { kLine, kInterrupted, kEnd };

  explicit LineReader(int fd) : fd_(fd) {}

  // Prints `prompt` (and `continuation` before each further line of a """ message) to stdout and
  // reads one message into `text` (without its newline or the quotes).
  Status read_message(const char* prompt, const char* continuation, std::string& text);

 private:
  Status read_line(std::string& line);

  int fd_;
  std::string pending_;  // bytes read past the last line
  bool eof_ = false;
};

}  // namespace slimllm
