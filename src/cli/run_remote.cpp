// `slimllm run NAME [PROMPT]` through the server at OLLAMA_HOST, as Ollama's CLI does it: make sure
// the model is there (pulling it when it is not), then either answer one prompt (arguments, and
// standard input when it is not a terminal) through /api/generate, or open the interactive chat.
// An embedding model prints the prompt's vector instead (/api/embed).
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <iterator>

#include "api/api_error.h"
#include "api/client.h"
#include "api/options.h"
#include "base/error.h"
#include "base/strings.h"
#include "cli/line_reader.h"
#include "cli/run_args.h"
#include "cli/run_interactive.h"
#include "cli/run_summary.h"
#include "cli/thinking_display.h"

namespace slimllm {
namespace {

// --parameter key=value flags as typed options (num_predict=8 → 8); repeated keys collect (stop).
nlohmann::json parameter_options(const std::vector<std::string>& parameters) {
  std::vector<std::pair<std::string, std::vector<std::string>>> grouped;
  for (const std::string& p : parameters) {
    const size_t eq = p.find('=');
    if (eq == std::string::npos) fail("--parameter '", p, "' is not of the form key=value");
    std::string key(str_trim(std::string_view(p).substr(0, eq)));
    std::string value = p.substr(eq + 1);
    auto it =
        std::find_if(grouped.begin(), grouped.end(), [&](const auto& g) { return g.first == key; });
    if (it == grouped.end()) {
      grouped.push_back({key, {value}});
    } else {
      it->second.push_back(value);
    }
  }
  nlohmann::json options = nlohmann::json::object();
  for (const auto& [key, values] : grouped) options[key] = parse_parameter(key, values);
  return options;
}

void pull_model(api::Client& client, const RunArgs& args) {
  std::string last;
  client.post_stream("/api/pull", {{"model", args.model}, {"insecure", args.insecure}},
                     [&](const nlohmann::json& line) {
                       const std::string status = line.value("status", "");
                       if (status != last) std::fprintf(stderr, "%s\n", status.c_str());
                       last = status;
                     });
}

// /api/show, pulling the model first when the server does not have it; its capabilities.
std::vector<std::string> ensure_model(api::Client& client, const RunArgs& args) {
  nlohmann::json show;
  try {
    show = client.post("/api/show", {{"model", args.model}});
  } catch (const ApiError& e) {
    if (e.status() != 404) throw;
    pull_model(client, args);
    show = client.post("/api/show", {{"model", args.model}});
  }
  std::vector<std::string> caps;
  if (show.contains("capabilities") && show["capabilities"].is_array()) {
    for (const auto& c : show["capabilities"]) {
      if (c.is_string()) caps.push_back(c.get<std::string>());
    }
  }
  return caps;
}

bool has_capability(const std::vector<std::string>& caps, const char* cap) {
  return std::find(caps.begin(), caps.end(), cap) != caps.end();
}

// An embedding model answers a prompt with its vector (/api/embed), printed as a JSON array on
// one line, as Ollama's CLI does.
void embed_one(api::Client& client, const RunArgs& args, const std::string& text,
               const nlohmann::json& options) {
  nlohmann::json request = {{"model", args.model}, {"input", text}, {"options", options}};
  if (!args.keep_alive.empty()) request["keep_alive"] = args.keep_alive;
  if (args.dimensions > 0) request["dimensions"] = args.dimensions;
  if (!args.truncate.empty()) {
    if (args.truncate != "true" && args.truncate != "false")
      fail("invalid value \"", args.truncate, "\" for flag --truncate: expected true or false");
    request["truncate"] = args.truncate == "true";
  }
  const nlohmann::json answer = client.post("/api/embed", request);
  const nlohmann::json& embeddings = answer.value("embeddings", nlohmann::json::array());
  if (embeddings.empty()) fail("no embeddings generated");
  for (const auto& v : embeddings) std::printf("%s\n", v.dump().c_str());
  std::fflush(stdout);
}

void one_shot(api::Client& client, const RunArgs& args, const std::string& prompt,
              const nlohmann::json& options) {
  nlohmann::json request = {{"model", args.model}, {"prompt", prompt}, {"options", options}};
  if (!args.format.empty()) request["format"] = args.format;
  if (!args.keep_alive.empty()) request["keep_alive"] = args.keep_alive;
  if (nlohmann::json think = think_value(args.think); !think.is_null()) request["think"] = think;
  nlohmann::json last;
  ThinkingDisplay display(stdout, args.hide_thinking, isatty(STDOUT_FILENO) == 0);
  const bool finished = client.post_stream(
      "/api/generate", request,
      [&](const nlohmann::json& line) {
        display.add(line.value("thinking", ""), line.value("response", ""));
        last = line;
      },
      [] { return !g_interrupted.load(); });
  if (!display.ends_with_newline()) std::fputs("\n", stdout);
  std::fflush(stdout);
  if (finished && args.verbose) print_run_summary(timings_from_response(last));
}

}  // namespace

void run_model_remote(const RunArgs& args) {
  api::Client client = api::Client::from_env();
  const nlohmann::json options = parameter_options(args.parameters);
  think_value(args.think);  // a bad --think value fails before anything is asked of the server
  const std::vector<std::string> caps = ensure_model(client, args);
  const bool embedder = has_capability(caps, "embedding") && !has_capability(caps, "completion");
  std::string prompt;
  for (const std::string& word : args.prompt) prompt += (prompt.empty() ? "" : " ") + word;
  const bool terminal = isatty(STDIN_FILENO) != 0;
  if (!terminal) {
    // Piped input comes first, then the arguments (Ollama's order).
    std::string input((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
    if (!input.empty()) prompt = prompt.empty() ? input : input + " " + prompt;
  }
  if (embedder) {
    if (str_trim(prompt).empty()) {
      fail("embedding models require input text. Usage: slimllm run ", args.model, " [TEXT]");
    }
    embed_one(client, args, prompt, options);
    return;
  }
  install_interrupt_handler();
  if (!prompt.empty() || !terminal) {
    one_shot(client, args, prompt, options);
    return;
  }
  run_interactive(client, args, options);
}

}  // namespace slimllm
