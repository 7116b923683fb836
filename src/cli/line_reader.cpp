#include "cli/line_reader.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

namespace slimllm {

std::atomic<bool> g_interrupted{false};

namespace {

// The handler also writes a byte here, so a reader waiting in poll() wakes up even when the
// signal arrived just before it started waiting.
int g_interrupt_pipe[2] = {-1, -1};

void on_interrupt(int) {
  g_interrupted.store(true);
  if (g_interrupt_pipe[1] >= 0) {
    const char byte = 1;
    [[maybe_unused]] ssize_t n = ::write(g_interrupt_pipe[1], &byte, 1);
  }
}

void drain_interrupt_pipe() {
  char buffer[64];
  while (g_interrupt_pipe[0] >= 0 && ::read(g_interrupt_pipe[0], buffer, sizeof buffer) > 0) {
  }
}

constexpr const char* kQuotes = R"(""")";

bool ends_with_quotes(const std::string& s) {
  return s.size() >= 3 && s.compare(s.size() - 3, 3, kQuotes) == 0;
}

}  // namespace

void install_interrupt_handler() {
  if (g_interrupt_pipe[0] < 0 && ::pipe(g_interrupt_pipe) == 0) {
    for (int fd : g_interrupt_pipe) {
      ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
      ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    }
  }
  struct sigaction action;
  std::memset(&action, 0, sizeof action);
  action.sa_handler = on_interrupt;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;  // no SA_RESTART: a blocking read returns EINTR
  sigaction(SIGINT, &action, nullptr);
}

void clear_interrupt() {
  g_interrupted.store(false);
  drain_interrupt_pipe();
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
    pollfd fds[2] = {{fd_, POLLIN, 0}, {g_interrupt_pipe[0], POLLIN, 0}};
    const int ready = ::poll(fds, g_interrupt_pipe[0] >= 0 ? 2 : 1, -1);
    if (g_interrupted.exchange(false)) {
      drain_interrupt_pipe();
      pending_.clear();  // the terminal discards the typed line on Ctrl-C too
      return Status::kInterrupted;
    }
    if (ready < 0 || (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
    char buffer[4096];
    const ssize_t n = ::read(fd_, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
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
