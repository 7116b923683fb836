#include "cli/run_interactive.h"

#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "api/api_error.h"
#include "api/options.h"
#include "base/strings.h"
#include "cli/line_reader.h"
#include "cli/model_text.h"
#include "cli/run_summary.h"
#include "cli/thinking_display.h"

namespace slimllm {
namespace {

constexpr const char* kHelp =
    "Available Commands:\n"
    "  /set            Set session variables\n"
    "  /show           Show model information\n"
    "  /load <model>   Load a session or model\n"
    "  /save <model>   Save your current session\n"
    "  /clear          Clear session context\n"
    "  /bye            Exit\n"
    "  /?, /help       Help for a command\n"
    "  /? shortcuts    Help for keyboard shortcuts\n"
    "\n"
    "Use \"\"\" to begin a multi-line message.\n\n";

constexpr const char* kSetHelp =
    "Available Commands:\n"
    "  /set parameter ...     Set a parameter\n"
    "  /set system <string>   Set system message\n"
    "  /set history           Enable history\n"
    "  /set nohistory         Disable history\n"
    "  /set wordwrap          Enable wordwrap\n"
    "  /set nowordwrap        Disable wordwrap\n"
    "  /set format json       Enable JSON mode\n"
    "  /set noformat          Disable formatting\n"
    "  /set verbose           Show LLM stats\n"
    "  /set quiet             Disable LLM stats\n\n";

constexpr const char* kShowHelp =
    "Available Commands:\n"
    "  /show info         Show details for this model\n"
    "  /show license      Show model license\n"
    "  /show modelfile    Show Modelfile for this model\n"
    "  /show parameters   Show parameters for this model\n"
    "  /show system       Show system message\n"
    "  /show template     Show prompt template\n\n";

constexpr const char* kShortcutsHelp =
    "Available keyboard shortcuts:\n"
    "  Ctrl + c           Stop the model from responding\n"
    "  Ctrl + d           Exit ollama (/bye)\n\n";

class ChatSession {
 public:
  ChatSession(api::Client& client, const RunArgs& args, nlohmann::json options)
      : client_(client),
        model_(args.model),
        options_(std::move(options)),
        format_(args.format),
        keep_alive_(args.keep_alive),
        think_(think_value(args.think)),
        hide_thinking_(args.hide_thinking),
        verbose_(args.verbose) {}

  // Loads the model (an empty generate) so the first answer does not carry the load time.
  void load() {
    nlohmann::json request = {{"model", model_}};
    if (!keep_alive_.empty()) request["keep_alive"] = keep_alive_;
    client_.post("/api/generate", request);
  }

  void run() {
    LineReader reader(STDIN_FILENO);
    std::string text;
    while (true) {
      const auto status = reader.read_message(">>> ", "... ", text);
      if (status == LineReader::Status::kEnd) {
        std::fputs("\n", stdout);
        return;
      }
      if (status == LineReader::Status::kInterrupted) {
        std::fputs("\nUse Ctrl + d or /bye to exit.\n", stdout);
        continue;
      }
      const std::string_view line = str_trim(text);
      if (line.empty()) continue;
      if (line[0] == '/' && text.rfind("\n") == std::string::npos) {
        if (!command(std::string(line))) return;
        continue;
      }
      chat(text);
    }
  }

 private:
  // Returns false to leave.
  bool command(const std::string& line) {
    std::vector<std::string> words;
    for (const std::string& w : str_split(line, ' ')) {
      if (!w.empty()) words.push_back(w);
    }
    const std::string& verb = words[0];
    if (verb == "/bye" || verb == "/exit") return false;
    if (verb == "/?" || verb == "/help") {
      if (words.size() > 1 && (words[1] == "shortcut" || words[1] == "shortcuts")) {
        std::fputs(kShortcutsHelp, stdout);
      } else {
        std::fputs(kHelp, stdout);
      }
    } else if (verb == "/clear") {
      messages_ = nlohmann::json::array();
      std::puts("Cleared session context");
    } else if (verb == "/set") {
      set(line, words);
    } else if (verb == "/show") {
      show(words);
    } else if (verb == "/load") {
      if (words.size() != 2) {
        std::puts("Usage:\n  /load <modelname>");
      } else {
        model_ = words[1];
        messages_ = nlohmann::json::array();
        std::printf("Loading model '%s'\n", model_.c_str());
        guarded([&] { load(); });
      }
    } else if (verb == "/save") {
      if (words.size() != 2) {
        std::puts("Usage:\n  /save <modelname>");
      } else {
        guarded([&] { save(words[1]); });
      }
    } else {
      std::printf("Unknown command '%s'. Type /? for help\n", verb.c_str());
    }
    return true;
  }

  void set(const std::string& line, const std::vector<std::string>& words) {
    if (words.size() < 2) {
      std::fputs(kSetHelp, stdout);
      return;
    }
    const std::string& what = words[1];
    if (what == "parameter") {
      if (words.size() < 4) {
        std::puts("Usage: /set parameter <name> <value>");
        return;
      }
      const std::vector<std::string> values(words.begin() + 3, words.end());
      try {
        options_[words[2]] = parse_parameter(words[2], values);
      } catch (const Error& e) {
        std::printf("Couldn't set parameter: \"%s\"\n\n", e.what());
        return;
      }
      std::string joined;
      for (const std::string& v : values) joined += (joined.empty() ? "" : ", ") + v;
      std::printf("Set parameter '%s' to '%s'\n\n", words[2].c_str(), joined.c_str());
    } else if (what == "system") {
      const size_t at = line.find("system") + 6;
      std::string system(str_trim(std::string_view(line).substr(at)));
      if (system.size() >= 6 && system.rfind(R"(""")", 0) == 0 &&
          system.compare(system.size() - 3, 3, R"(""")") == 0) {
        system = system.substr(3, system.size() - 6);
      } else if (system.size() >= 2 && system.front() == '"' && system.back() == '"') {
        system = system.substr(1, system.size() - 2);
      }
      system_ = system;
      std::puts("Set system message.\n");
    } else if (what == "verbose") {
      verbose_ = true;
      std::puts("Set 'verbose' mode.\n");
    } else if (what == "quiet") {
      verbose_ = false;
      std::puts("Set 'quiet' mode.\n");
    } else if (what == "format") {
      if (words.size() < 3 || words[2] != "json") {
        std::puts("Invalid or missing format. For 'json' mode use '/set format json'\n");
        return;
      }
      format_ = "json";
      std::puts("Set format to 'json' mode.\n");
    } else if (what == "noformat") {
      format_.clear();
      std::puts("Disabled format.\n");
    } else if (what == "wordwrap" || what == "nowordwrap" || what == "history" ||
               what == "nohistory") {
      std::printf("Set '%s' mode.\n\n", what.c_str());
    } else {
      std::printf("Unknown command '/set %s'. Type /? for help\n", what.c_str());
    }
  }

  void show(const std::vector<std::string>& words) {
    if (words.size() < 2) {
      std::fputs(kShowHelp, stdout);
      return;
    }
    nlohmann::json r;
    if (!guarded([&] { r = client_.post("/api/show", {{"model", model_}}); })) return;
    auto text = [&](const char* key) { return r.value(key, std::string()); };
    const std::string& what = words[1];
    if (what == "info") {
      std::fputs(format_show_info(r, false).c_str(), stdout);
    } else if (what == "license") {
      print_or(text("license"), "No license was specified for this model.");
    } else if (what == "modelfile") {
      std::printf("%s\n", text("modelfile").c_str());
    } else if (what == "parameters") {
      if (!options_.empty()) {
        std::puts("User defined parameters:");
        for (const auto& [key, value] : options_.items()) {
          std::printf("%-30s %s\n", key.c_str(),
                      value.is_string() ? value.get<std::string>().c_str() : value.dump().c_str());
        }
        std::puts("");
      }
      if (!text("parameters").empty()) {
        std::printf("Model defined parameters:\n%s\n", text("parameters").c_str());
      } else if (options_.empty()) {
        std::puts("No parameters were specified for this model.");
      }
    } else if (what == "system") {
      print_or(system_.empty() ? text("system") : system_,
               "No system message was specified for this model.");
    } else if (what == "template") {
      print_or(text("template"), "No prompt template was specified for this model.");
    } else {
      std::printf("Unknown command '/show %s'. Type /? for help\n", what.c_str());
    }
  }

  static void print_or(const std::string& text, const char* empty) {
    std::printf("%s\n\n", text.empty() ? empty : text.c_str());
  }

  // Runs fn, printing a server error instead of leaving the chat.
  template <typename F>
  static bool guarded(F&& fn) {
    try {
      fn();
      return true;
    } catch (const Error& e) {
      std::printf("error: %s\n", e.what());
      return false;
    }
  }

  nlohmann::json conversation() const {
    nlohmann::json all = nlohmann::json::array();
    if (!system_.empty()) all.push_back({{"role", "system"}, {"content", system_}});
    for (const auto& m : messages_) all.push_back(m);
    return all;
  }

  void chat(const std::string& text) {
    messages_.push_back({{"role", "user"}, {"content", text}});
    nlohmann::json request = {{"model", model_}, {"messages", conversation()}};
    if (!options_.empty()) request["options"] = options_;
    if (!format_.empty()) request["format"] = format_;
    if (!keep_alive_.empty()) request["keep_alive"] = keep_alive_;
    if (!think_.is_null()) request["think"] = think_;
    std::string answer;
    nlohmann::json last;
    ThinkingDisplay display(stdout, hide_thinking_, /*plain=*/false);
    clear_interrupt();
    bool finished = false;
    const bool ok = guarded([&] {
      finished = client_.post_stream(
          "/api/chat", request,
          [&](const nlohmann::json& line) {
            if (line.contains("message") && line["message"].is_object()) {
              const std::string piece = line["message"].value("content", "");
              display.add(line["message"].value("thinking", ""), piece);
              answer += piece;
            }
            last = line;
          },
          [] { return !g_interrupted.load(); });
    });
    clear_interrupt();
    if (!ok) {
      messages_.erase(messages_.end() - 1);
      return;
    }
    // A stopped answer is not kept: the next message continues from the question.
    if (finished) {
      nlohmann::json reply = {{"role", "assistant"}, {"content", answer}};
      if (!display.thinking().empty()) reply["thinking"] = display.thinking();
      messages_.push_back(reply);
    }
    std::fputs(display.ends_with_newline() ? "\n" : "\n\n", stdout);
    std::fflush(stdout);
    if (finished && verbose_) print_run_summary(timings_from_response(last));
  }

  void save(const std::string& name) {
    nlohmann::json request = {{"model", name}, {"from", model_}};
    if (!system_.empty()) request["system"] = system_;
    if (!options_.empty()) request["parameters"] = options_;
    if (!messages_.empty()) request["messages"] = messages_;
    request["stream"] = false;
    client_.post("/api/create", request);
    std::printf("Created new model '%s'\n", name.c_str());
  }

  api::Client& client_;
  std::string model_;
  nlohmann::json options_;
  std::string format_;
  std::string keep_alive_;
  nlohmann::json think_;  // null: not given, the server decides
  bool hide_thinking_;
  bool verbose_;
  std::string system_;
  nlohmann::json messages_ = nlohmann::json::array();
};

}  // namespace

void run_interactive(api::Client& client, const RunArgs& args, nlohmann::json options) {
  ChatSession session(client, args, std::move(options));
  session.load();
  session.run();
}

}  // namespace slimllm
