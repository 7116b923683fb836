// `slimllm template render TEMPLATE_FILE [--data REQUEST.json]`: prints exactly the prompt a
// chat request (messages, tools, system) or a generate request (prompt, system, suffix) produces
// with that template, with no model involved. The request comes from standard input without
// --data. Nothing is added to the prompt, not even a final newline.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "base/error.h"
#include "base/strings.h"
#include "cli/commands.h"
#include "template/prompt.h"
#include "template/template.h"

namespace slimllm {
namespace {

using Json = nlohmann::ordered_json;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("cannot read ", path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string string_of(const Json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return "";
  if (!it->is_string()) fail("request field \"", key, "\" must be a string");
  return it->get<std::string>();
}

size_t image_count(const Json& object) {
  auto it = object.find("images");
  if (it == object.end() || it->is_null()) return 0;
  if (!it->is_array()) fail("request field \"images\" must be an array");
  return it->size();
}

ThinkSetting think_of(const Json& request) {
  ThinkSetting think;
  auto it = request.find("think");
  if (it == request.end() || it->is_null()) return think;
  if (it->is_boolean()) {
    think.think = it->get<bool>();
  } else if (it->is_string()) {
    think.think = true;
    think.level = it->get<std::string>();
  } else {
    fail("request field \"think\" must be a boolean or a string");
  }
  return think;
}

ChatMessage message_of(const Json& m) {
  if (!m.is_object()) fail("each message must be a JSON object");
  ChatMessage out;
  out.role = str_lower(string_of(m, "role"));
  out.content = string_of(m, "content");
  out.thinking = string_of(m, "thinking");
  out.images = image_count(m);
  out.tool_name = string_of(m, "tool_name");
  out.tool_call_id = string_of(m, "tool_call_id");
  if (auto calls = m.find("tool_calls"); calls != m.end() && calls->is_array()) {
    int index = 0;
    for (const auto& c : *calls) {
      if (!c.is_object()) fail("each tool call must be a JSON object");
      ChatToolCall call;
      call.id = string_of(c, "id");
      call.index = index++;
      if (auto fn = c.find("function"); fn != c.end() && fn->is_object()) {
        call.name = string_of(*fn, "name");
        if (auto i = fn->find("index"); i != fn->end() && i->is_number_integer())
          call.index = i->get<int>();
        if (auto args = fn->find("arguments"); args != fn->end()) {
          if (args->is_object()) {
            call.arguments = *args;
          } else if (args->is_string()) {
            call.arguments = Json::parse(args->get<std::string>(), nullptr, false);
            if (!call.arguments.is_object()) fail("tool call arguments must be a JSON object");
          } else if (!args->is_null()) {
            fail("tool call arguments must be a JSON object");
          }
        }
      }
      out.tool_calls.push_back(std::move(call));
    }
  }
  return out;
}

std::string render_request(const Template& tmpl, const Json& request) {
  if (!request.is_object()) fail("the request must be a JSON object");
  if (request.contains("messages")) {
    const Json& list = request["messages"];
    if (!list.is_array()) fail("request field \"messages\" must be an array");
    std::vector<ChatMessage> messages;
    for (const auto& m : list) messages.push_back(message_of(m));
    ChatPromptOptions options;
    options.system = string_of(request, "system");
    options.think = think_of(request);
    if (auto tools = request.find("tools"); tools != request.end() && !tools->is_null()) {
      if (!tools->is_array()) fail("request field \"tools\" must be an array");
      options.tools = *tools;
    }
    return build_chat_prompt(tmpl, std::move(messages), options).prompt;
  }
  return build_generate_prompt(tmpl, string_of(request, "prompt"), string_of(request, "system"),
                               string_of(request, "suffix"), image_count(request),
                               think_of(request));
}

}  // namespace

void add_template_command(CLI::App& app) {
  CLI::App* group = app.add_subcommand("template", "Work with prompt templates");
  group->require_subcommand(1);
  CLI::App* render = group->add_subcommand(
      "render", "Print the prompt a chat or generate request produces with a template");
  auto template_path = std::make_shared<std::string>();
  auto data_path = std::make_shared<std::string>();
  render->add_option("TEMPLATE_FILE", *template_path, "Go template file (Ollama's TEMPLATE)")
      ->required();
  render->add_option("--data", *data_path,
                     "Request JSON (an /api/chat or /api/generate body); default: standard input");
  render->callback([template_path, data_path] {
    Template tmpl = Template::parse(read_file(*template_path));
    std::string body;
    if (data_path->empty()) {
      std::ostringstream in;
      in << std::cin.rdbuf();
      body = in.str();
    } else {
      body = read_file(*data_path);
    }
    Json request = Json::parse(body, nullptr, false);
    if (request.is_discarded())
      fail("request is not valid JSON: ", data_path->empty() ? "<stdin>" : *data_path);
    std::string prompt = render_request(tmpl, request);
    std::fwrite(prompt.data(), 1, prompt.size(), stdout);
    std::fflush(stdout);
  });
}

}  // namespace slimllm
