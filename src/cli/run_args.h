// What `slimllm run` was asked for, shared by its two paths: a GGUF file runs in this process
// (run_local.cpp); a model name goes through the server (run_remote.cpp, run_interactive.cpp).
#pragma once

#include <string>
#include <vector>

namespace slimllm {

struct RunArgs {
  std::string model;
  std::vector<std::string> prompt;      // words joined by spaces
  bool verbose = false;                 // print the timing block after each answer
  std::vector<std::string> parameters;  // key=value model options
  std::string keep_alive;               // --keepalive: how long the server keeps the model
  std::string format;                   // --format json
  bool insecure = false;                // pulls over plain HTTP when the model is missing
  bool nowordwrap = false;              // accepted for Ollama's CLI; answers are never wrapped
  std::string think;                    // --think[=true|false|high|medium|low]; "" when not given
  bool hide_thinking = false;           // --hidethinking: print only the answer
  std::string truncate;                 // embedding models: --truncate[=true|false]; "" unset
  int dimensions = 0;                   // embedding models: --dimensions N (0: the model's)
};

void run_model_file(const RunArgs& args);
void run_model_remote(const RunArgs& args);

}  // namespace slimllm
