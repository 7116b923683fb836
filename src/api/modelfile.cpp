#include "api/modelfile.h"

#include <cstdlib>
#include <filesystem>

#include "api/api_error.h"
#include "api/options.h"
#include "base/strings.h"

namespace slimllm::api {
namespace {

bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\r';
}

class Scanner {
 public:
  explicit Scanner(std::string_view text) : s_(text) {}
  bool done() const { return pos_ >= s_.size(); }
  int line() const { return line_; }
  char peek() const { return s_[pos_]; }
  void advance() {
    if (s_[pos_] == '\n') ++line_;
    ++pos_;
  }
  void skip_blanks() {
    while (!done() && is_blank(peek())) advance();
  }
  void skip_line() {
    while (!done() && peek() != '\n') advance();
  }
  std::string word() {
    std::string out;
    while (!done() && !is_blank(peek()) && peek() != '\n') {
      out += peek();
      advance();
    }
    return out;
  }
  bool starts_with(std::string_view p) const { return s_.substr(pos_, p.size()) == p; }
  // A plain, "quoted" or """triple-quoted""" value.
  std::string value() {
    skip_blanks();
    std::string out;
    if (starts_with("\"\"\"")) {
      for (int i = 0; i < 3; ++i) advance();
      while (!done() && !starts_with("\"\"\"")) {
        out += peek();
        advance();
      }
      if (done()) fail_status(400, str_cat("(line ", line_, "): unterminated \"\"\" string"));
      for (int i = 0; i < 3; ++i) advance();
      finish_line();
      return out;
    }
    if (!done() && peek() == '"') {
      advance();
      while (!done() && peek() != '"') {
        if (peek() == '\\' && pos_ + 1 < s_.size() && s_[pos_ + 1] == '"') advance();
        out += peek();
        advance();
      }
      if (done()) fail_status(400, str_cat("(line ", line_, "): unterminated quoted string"));
      advance();
      finish_line();
      return out;
    }
    while (!done() && peek() != '\n') {
      out += peek();
      advance();
    }
    return std::string(str_trim(out));
  }

 private:
  void finish_line() {
    skip_blanks();
    if (!done() && peek() != '\n')
      fail_status(400, str_cat("(line ", line_, "): unexpected text after closing quote"));
  }
  std::string_view s_;
  size_t pos_ = 0;
  int line_ = 1;
};

std::string expand_home(const std::string& path) {
  if (path == "~" || str_starts_with(path, "~/")) {
    const char* home = std::getenv("HOME");
    return std::string(home ? home : "") + path.substr(1);
  }
  return path;
}

}  // namespace

std::vector<ModelfileCommand> parse_modelfile(std::string_view text) {
  if (text.size() > kMaxModelfileBytes) {
    fail_status(400, str_cat("the Modelfile is ", text.size(), " bytes, over the limit of ",
                             kMaxModelfileBytes, " bytes (16 MiB)"));
  }
  if (str_starts_with(text, "\xEF\xBB\xBF")) text.remove_prefix(3);
  Scanner scan(text);
  std::vector<ModelfileCommand> commands;
  bool has_from = false;
  while (!scan.done()) {
    scan.skip_blanks();
    if (scan.done()) break;
    if (scan.peek() == '\n') {
      scan.advance();
      continue;
    }
    if (scan.peek() == '#') {
      scan.skip_line();
      continue;
    }
    int line = scan.line();
    std::string instruction = str_lower(scan.word());
    ModelfileCommand cmd;
    if (instruction == "from" || instruction == "template" || instruction == "system" ||
        instruction == "adapter" || instruction == "license" || instruction == "renderer" ||
        instruction == "parser") {
      cmd.name = instruction == "from" ? "model" : instruction;
      cmd.args = scan.value();
      has_from = has_from || instruction == "from";
    } else if (instruction == "parameter") {
      scan.skip_blanks();
      cmd.name = str_lower(scan.word());
      cmd.args = scan.value();
    } else if (instruction == "message") {
      scan.skip_blanks();
      cmd.name = "message";
      cmd.role = str_lower(scan.word());
      if (cmd.role != "system" && cmd.role != "user" && cmd.role != "assistant") {
        fail_status(400, "message role must be one of \"system\", \"user\", or \"assistant\"");
      }
      cmd.args = scan.value();
    } else {
      fail_status(400,
                  str_cat("(line ", line,
                          "): command must be one of \"from\", \"license\", \"template\", "
                          "\"system\", \"adapter\", \"renderer\", \"parser\", \"parameter\", or "
                          "\"message\""));
    }
    commands.push_back(cmd);
  }
  if (!has_from) fail_status(400, "no FROM line");
  return commands;
}

namespace {

// "sha256:<64 hex>" or "sha256-<64 hex>".
bool is_blob_digest(const std::string& s) {
  if (s.size() != 71 || s.compare(0, 6, "sha256") != 0 || (s[6] != ':' && s[6] != '-'))
    return false;
  for (size_t i = 7; i < s.size(); ++i) {
    char c = s[i];
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return false;
  }
  return true;
}

}  // namespace

ModelfileCreate modelfile_to_create(const std::vector<ModelfileCommand>& commands,
                                    const std::string& base_dir) {
  ModelfileCreate out;
  CreateRequest& r = out.request;
  std::map<std::string, std::vector<std::string>> params;
  std::vector<std::string> param_order;
  Json messages = Json::array();
  for (const ModelfileCommand& c : commands) {
    if (c.name == "model") {
      std::filesystem::path path = expand_home(c.args);
      if (path.is_relative()) path = std::filesystem::path(base_dir) / path;
      std::error_code ec;
      if (is_blob_digest(c.args)) {
        // FROM sha256:<hex>: a blob already in the server's store (uploaded or pulled).
        std::string digest = c.args;
        digest[6] = ':';
        r.files["model.gguf"] = digest;
      } else if (std::filesystem::is_regular_file(path, ec)) {
        out.from_file = std::filesystem::absolute(path).lexically_normal().string();
      } else if (std::filesystem::is_directory(path, ec)) {
        fail_status(400,
                    str_cat("importing safetensors directories is not supported: ", path.string()));
      } else {
        r.from = c.args;
      }
    } else if (c.name == "template") {
      r.template_text = c.args;
    } else if (c.name == "system") {
      r.system = c.args;
    } else if (c.name == "license") {
      r.license.push_back(c.args);
    } else if (c.name == "adapter") {
      fail_status(400, "ADAPTER is not supported yet");
    } else if (c.name == "renderer" || c.name == "parser") {
      continue;
    } else if (c.name == "message") {
      messages.push_back({{"role", c.role}, {"content", c.args}});
    } else {
      if (!params.count(c.name)) param_order.push_back(c.name);
      params[c.name].push_back(c.args);
    }
  }
  Json typed = Json::object();
  for (const std::string& key : param_order) {
    Json value = parse_parameter(key, params[key]);
    if (!value.is_null()) typed[key] = value;
  }
  if (!typed.empty()) r.parameters = typed;
  if (!messages.empty()) r.messages = messages;
  return out;
}

}  // namespace slimllm::api
