// The real `slimllm serve` (SLIMLLM_BINARY) as a child process on 127.0.0.1 with a port the
// kernel picks (read back from its "Listening on" log line) and a temporary OLLAMA_MODELS, plus
// helpers to put models in its store through the API and to run other slimllm commands.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "base/sha256.h"

extern char** environ;

namespace slimllm::testing {

inline const std::string kStoriesModelFile = std::string(SLIMLLM_DATA) + "/models/stories260K.gguf";

// The current environment with `overrides` applied, as "KEY=VALUE" strings.
inline std::vector<std::string> environment_with(
    const std::map<std::string, std::string>& overrides) {
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) {
    std::string entry = *e;
    std::string key = entry.substr(0, entry.find('='));
    if (!overrides.count(key)) env.push_back(entry);
  }
  for (const auto& [k, v] : overrides) env.push_back(k + "=" + v);
  return env;
}

class ServeProcess {
 public:
  explicit ServeProcess(std::map<std::string, std::string> env = {}) {
    char tmpl[] = "/tmp/slimllm-ops-XXXXXX";
    if (!mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
    root = tmpl;
    env["OLLAMA_HOST"] = "127.0.0.1:0";
    // A store given by the test outlives the process (restart drills); the default goes with it.
    if (!env.count("OLLAMA_MODELS")) env["OLLAMA_MODELS"] = (root / "models").string();
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 2);
    std::vector<std::string> vars = environment_with(env);
    std::vector<char*> envp;
    for (std::string& v : vars) envp.push_back(v.data());
    envp.push_back(nullptr);
    std::string binary = SLIMLLM_BINARY, serve = "serve";
    char* argv[] = {binary.data(), serve.data(), nullptr};
    int rc = posix_spawn(&pid, binary.c_str(), &actions, nullptr, argv, envp.data());
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    if (rc != 0) {
      close(fds[0]);
      pid = -1;
      throw std::runtime_error("cannot start " + binary);
    }
    reader = std::thread([this, fd = fds[0]] {
      char buf[4096];
      for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n <= 0) break;
        std::lock_guard lock(mutex);
        log.append(buf, static_cast<size_t>(n));
        changed.notify_all();
      }
      close(fd);
      std::lock_guard lock(mutex);
      log_closed = true;
      changed.notify_all();
    });
    std::smatch m;
    std::string text;
    if (wait_for_log(std::regex(R"(Listening on 127\.0\.0\.1:([0-9]+))"), &text)) {
      std::regex_search(text, m, std::regex(R"(Listening on 127\.0\.0\.1:([0-9]+))"));
      port = std::stoi(m[1]);
    }
  }
  ~ServeProcess() {
    if (pid > 0 && !exited) {
      kill(pid, SIGKILL);
      int status = 0;
      waitpid(pid, &status, 0);
    }
    if (reader.joinable()) reader.join();
    std::error_code ec;
    std::filesystem::remove_all(root, ec);
  }

  // Waits until the log matches `pattern` or the server's stderr closes (it exited); bounded so
  // that a bug fails the test instead of hanging it.
  bool wait_for_log(const std::regex& pattern, std::string* text = nullptr) {
    std::unique_lock lock(mutex);
    changed.wait_for(lock, std::chrono::minutes(2),
                     [&] { return std::regex_search(log, pattern) || log_closed; });
    if (text) *text = log;
    return std::regex_search(log, pattern);
  }
  std::string log_text() {
    std::lock_guard lock(mutex);
    return log;
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port); }
  httplib::Client client() const {
    httplib::Client c("127.0.0.1", port);
    c.set_read_timeout(300);
    return c;
  }

  // Uploads `file` as a blob and creates `name` from it; returns the /api/create status.
  int create_model(const std::string& name, const std::string& file) {
    std::string digest = "sha256:" + Sha256::hex_file(file);
    std::ifstream in(file, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto blob = client().Post(("/api/blobs/" + digest).c_str(), bytes, "application/octet-stream");
    if (!blob || (blob->status != 201 && blob->status != 200)) return blob ? blob->status : -1;
    nlohmann::json body = {{"model", name},
                           {"files", {{std::filesystem::path(file).filename().string(), digest}}},
                           {"stream", false}};
    auto created = client().Post("/api/create", body.dump(), "application/json");
    return created ? created->status : -1;
  }

  // Waits for the process to end; its wait status.
  int wait_exit() {
    int status = 0;
    waitpid(pid, &status, 0);
    exited = true;
    return status;
  }

  std::filesystem::path root;
  pid_t pid = -1;
  int port = 0;
  bool exited = false;

 private:
  std::mutex mutex;
  std::condition_variable changed;
  std::string log;
  bool log_closed = false;
  std::thread reader;
};

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

// Runs `slimllm ARGS...` and captures its output and exit code.
inline CommandResult run_slimllm(const std::vector<std::string>& args,
                                 const std::map<std::string, std::string>& env = {}) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return {};
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 2);
  std::vector<std::string> vars = environment_with(env);
  std::vector<char*> envp;
  for (std::string& v : vars) envp.push_back(v.data());
  envp.push_back(nullptr);
  std::vector<std::string> words = {SLIMLLM_BINARY};
  words.insert(words.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  pid_t child = -1;
  int rc = posix_spawn(&child, SLIMLLM_BINARY, &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  CommandResult result;
  if (rc != 0) {
    close(fds[0]);
    return result;
  }
  char buf[4096];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;)
    result.output.append(buf, static_cast<size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(child, &status, 0);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

}  // namespace slimllm::testing
