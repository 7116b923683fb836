// `slimllm tokenize` with every kind of pre-tokenizer: llama.cpp's test vocabularies (gpt-2,
// falcon, refact, starcoder, deepseek-llm, deepseek-coder, mpt, phi-3) on their longest cases,
// and the gpt-2 vocabulary declaring tekken, gpt-4o and superbpe, must print llama.cpp's ids.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "gguf/reader.h"
#include "gguf/writer.h"
#include "llama_cpp_reference.h"
#include "vocab_fixtures.h"

namespace slimllm {
namespace {

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string single_quoted(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  return out + "'";
}

// The ids `slimllm tokenize --no-bos --no-special` prints, as "[1, 2, 3]".
std::string tokenize(const std::string& vocab, const std::string& text) {
  const std::string command = std::string(SLIMLLM_BINARY) + " tokenize --no-bos --no-special " +
                              vocab + " " + single_quoted(text) + " 2>&1";
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return out;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0) out.append(buffer, n);
  EXPECT_EQ(pclose(pipe), 0) << out;
  return out;
}

std::string as_json_line(const std::vector<int32_t>& ids) {
  std::string out = "[";
  for (size_t i = 0; i < ids.size(); ++i) out += (i ? ", " : "") + std::to_string(ids[i]);
  return out + "]\n";
}

class TokenizeCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(SLIMLLM_BINARY)) GTEST_SKIP() << SLIMLLM_BINARY << " not built";
  }
};

TEST_F(TokenizeCommand, PrintsLlamaCppIdsForEachTestVocabulary) {
  for (const char* name : {"gpt-2", "falcon", "refact", "starcoder", "deepseek-llm",
                           "deepseek-coder", "mpt", "phi-3"}) {
    const std::string vocab =
        testing::tokenizer_testdata(std::string("ggml-vocab-") + name + ".gguf");
    const std::string inputs = read_all(vocab + ".inp");
    std::vector<std::string> cases;
    const std::string separator = "\n__ggml_vocab_test__\n";
    for (size_t at = 0; at < inputs.size();) {
      size_t end = std::min(inputs.find(separator, at), inputs.size());
      cases.push_back(inputs.substr(at, end - at));
      at = end + separator.size();
    }
    std::istringstream lines(read_all(vocab + ".out"));
    std::vector<std::string> expected;
    for (std::string line; std::getline(lines, line);) {
      std::istringstream numbers(line);
      std::vector<int32_t> ids;
      for (int32_t id; numbers >> id;) ids.push_back(id);
      expected.push_back(as_json_line(ids));
    }
    ASSERT_EQ(cases.size(), expected.size()) << name;
    // The four longest cases of each file (code, mixed scripts, whitespace runs).
    std::vector<size_t> order(cases.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return cases[a].size() > cases[b].size(); });
    for (size_t k = 0; k < 4; ++k) {
      const size_t i = order[k];
      EXPECT_EQ(tokenize(vocab, cases[i]), expected[i]) << name << ": \"" << cases[i] << "\"";
    }
  }
}

TEST_F(TokenizeCommand, PrintsLlamaCppIdsForOtherPreTokenizerNames) {
  const nlohmann::json& ref = testing::tokenizer_reference("pre_reference.json");
  ASSERT_TRUE(ref.contains("ids"));
  const GgufFile base = GgufFile::open(testing::tokenizer_testdata("ggml-vocab-gpt-2.gguf"));
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("slimllm-cli-pre-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  for (const char* pre : {"tekken", "gpt-4o", "superbpe", "deepseek-v3", "bloom"}) {
    GgufWriter writer;
    for (const auto& kv : base.metadata()) writer.set_value(kv.key, kv.value);
    writer.set_string("tokenizer.ggml.pre", pre);
    const std::string path = (dir / (std::string(pre) + ".gguf")).string();
    writer.write(path);
    // The strings that tell the patterns apart most: the table after llama.cpp's own cases.
    const nlohmann::json& strings = ref["strings"];
    for (size_t i = strings.size() - 18; i < strings.size(); i += 3) {
      EXPECT_EQ(tokenize(path, strings[i].get<std::string>()),
                as_json_line(ref["ids"][pre][i].get<std::vector<int32_t>>()))
          << pre << ": \"" << strings[i].get<std::string>() << "\"";
    }
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace slimllm
