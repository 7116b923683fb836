// `slimllm tokenize FILE.gguf TEXT [--no-special] [--no-bos]` prints the ids of TEXT as a JSON
// array ("[1, 403, 407]"); `slimllm detokenize FILE.gguf ID... [--no-special]` prints the text of
// the ids followed by a newline. FILE is any GGUF carrying a vocabulary (vocab-only files work).
// Scripts read this output: keep its shape.
#include <charconv>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "base/error.h"
#include "cli/commands.h"
#include "gguf/reader.h"
#include "tokenizer/tokenizer.h"

namespace slimllm {
namespace {

struct TokenizeOptions {
  std::string path;
  std::string text;
  bool no_special = false;
  bool no_bos = false;
};

struct DetokenizeOptions {
  std::string path;
  std::vector<std::string> ids;
  bool no_special = false;
};

void run_tokenize(const TokenizeOptions& options) {
  Tokenizer tokenizer = Tokenizer::from_gguf(GgufFile::open(options.path));
  std::vector<int32_t> ids = tokenizer.encode(options.text, !options.no_bos, !options.no_special);
  std::string out = "[";
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i) out += ", ";
    out += std::to_string(ids[i]);
  }
  out += "]\n";
  std::fwrite(out.data(), 1, out.size(), stdout);
}

int32_t parse_id(const std::string& text) {
  int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < 0 || value > INT32_MAX)
    fail("'", text, "' is not a token id (a whole number from 0)");
  return static_cast<int32_t>(value);
}

void run_detokenize(const DetokenizeOptions& options) {
  Tokenizer tokenizer = Tokenizer::from_gguf(GgufFile::open(options.path));
  std::vector<int32_t> ids;
  ids.reserve(options.ids.size());
  for (const std::string& id : options.ids) ids.push_back(parse_id(id));
  std::string text = tokenizer.decode(ids, !options.no_special) + "\n";
  std::fwrite(text.data(), 1, text.size(), stdout);
}

}  // namespace

void add_tokenize_commands(CLI::App& app) {
  auto tokenize = std::make_shared<TokenizeOptions>();
  auto* cmd = app.add_subcommand("tokenize", "Print the token ids of a text as a JSON array");
  cmd->add_option("file", tokenize->path, "GGUF file with a vocabulary")->required();
  cmd->add_option("text", tokenize->text, "Text to tokenize")->required();
  cmd->add_flag("--no-special", tokenize->no_special,
                "Tokenize special-token texts such as <|im_start|> as plain text");
  cmd->add_flag("--no-bos", tokenize->no_bos,
                "Do not add the BOS/EOS tokens the vocabulary asks for");
  cmd->callback([tokenize] { run_tokenize(*tokenize); });

  auto detokenize = std::make_shared<DetokenizeOptions>();
  auto* back = app.add_subcommand("detokenize", "Print the text of token ids");
  back->add_option("file", detokenize->path, "GGUF file with a vocabulary")->required();
  back->add_option("ids", detokenize->ids, "Token ids")->required();
  back->add_flag("--no-special", detokenize->no_special,
                 "Leave control tokens such as <|eot_id|> out of the text");
  back->callback([detokenize] { run_detokenize(*detokenize); });
}

}  // namespace slimllm
