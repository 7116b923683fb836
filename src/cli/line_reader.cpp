#include "cli/line_reader.h"

#include <errno.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

namespace slimllm {

std::atomic<bool> g_interrupted{false};

namespace {

void on_interrupt(int) {
  g_interrupted.store(true);
}

constexpr const char* kQuotes = R"(""")";

bool ends_with_quotes(const std::string& s) {
  return s.size() >= 3 && s.compare(s.size() - 3, 3, kQuotes) == 0;
}

}  // namespace

void install_interrupt_handler() {
  struct sigaction action;
  std::memset(&action, 0, sizeof action);
  action.sa_handler = on_interrupt;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;  // no SA_RESTART: a blocking read returns EINTR
  sigaction(SIGINT, &action, nullptr);
}

LineReader::Status LineReader::read_line(std::string& line) {
  line.clear();
  while (true) {
    const size_t newline = pending_.find('\n');
    if (newline != std::string::npos) {
      line = pending_.substr(0, newline);
      pending_.erase(0, newline + 1);
      return Status::kLine;
    }
    if (eof_) {
      if (pending_.empty()) return Status::kEnd;
      line = std::move(pending_);
      pending_.clear();
      return Status::kLine;
    }
    char buffer[4096];
    const ssize_t n = ::read(fd_, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) {
      if (g_interrupted.exchange(false)) {
        pending_.clear();  // the terminal discards the typed line on Ctrl-C too
        return Status::kInterrupted;
      }
      continue;
    }
    if (n <= 0) {
      eof_ = true;
      continue;
    }
    pending_.append(buffer, static_cast<size_t>(n));
  }
}

LineReader::Status LineReader::read_message(const char* prompt, const char* continuation,
                                            std::string& text) {
  text.clear();
  std::fputs(prompt, stdout);
  std::fflush(stdout);
  std::string line;
  Status status = read_line(line);
  if (status != Status::kLine) return status;
  if (line.rfind(kQuotes, 0) != 0) {
    text = line;
    return Status::kLine;
  }
  // """ opens a message that runs until a line ending in """; the lines keep their newlines
  // (as Ollama's: the text after the opening quotes is the first line).
  std::string rest = line.substr(3);
  while (!ends_with_quotes(rest)) {
    text += rest + "\n";
    std::fputs(continuation, stdout);
    std::fflush(stdout);
    status = read_line(rest);
    if (status != Status::kLine) return status;
  }
  text += rest.substr(0, rest.size() - 3);
  return Status::kLine;
}

}  // namespace slimllm
