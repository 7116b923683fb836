// Running the slimllm binary from a test: its exit status and its stdout and stderr together,
// and the JSON objects among its lines (`--json` output amid the log).
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/strings.h"

namespace slimllm::testing {

struct CliRun {
  int status;
  std::string output;
};

// Runs `env slimllm args` (env: "NAME=value ..." or empty).
inline CliRun run_binary(const std::string& env, const std::string& args) {
  const std::string command = env + " " + SLIMLLM_BINARY + " " + args + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return {-1, ""};
  std::string output;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) output.append(buffer, n);
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

// The lines of `text` that are JSON objects, parsed.
inline std::vector<nlohmann::json> json_lines_of(const std::string& text) {
  std::vector<nlohmann::json> objects;
  for (const std::string& line : str_split(text, '\n'))
    if (!line.empty() && line[0] == '{') objects.push_back(nlohmann::json::parse(line));
  return objects;
}

}  // namespace slimllm::testing
