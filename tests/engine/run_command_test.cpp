// `slimllm run` end to end: the stories260K greedy goldens through the built binary.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include <unistd.h>

namespace slimllm {
namespace {

struct Output {
  std::string out;
  std::string err;
  int status = -1;
};

Output run_binary(const std::string& args, const std::string& stdin_text = "") {
  // Unique per process: ctest runs the tests of this file in parallel processes.
  static int calls = 0;
  const std::string tag = std::to_string(::getpid()) + "-" + std::to_string(++calls);
  const std::string err_path = ::testing::TempDir() + "/run-stderr-" + tag + ".txt";
  const std::string in_path = ::testing::TempDir() + "/run-stdin-" + tag + ".txt";
  std::ofstream(in_path) << stdin_text;
  const std::string command =
      std::string(SLIMLLM_BINARY) + " run " + args + " <" + in_path + " 2>" + err_path;
  Output o;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return o;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) o.out.append(buffer, n);
  o.status = pclose(pipe);
  std::stringstream err;
  err << std::ifstream(err_path).rdbuf();
  o.err = err.str();
  std::remove(err_path.c_str());
  std::remove(in_path.c_str());
  return o;
}

const std::string kModel = std::string(SLIMLLM_TESTDATA) + "/models/stories260K.gguf";

class RunGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(RunGolden, GreedyTextMatchesLlamaCppByteForByte) {
  std::ifstream in(std::string(SLIMLLM_TESTDATA) + "/expected/stories260K-" + GetParam() + ".json");
  ASSERT_TRUE(in);
  const nlohmann::json expected = nlohmann::json::parse(in);
  const Output o = run_binary(kModel + " '" + expected["prompt"].get<std::string>() +
                              "' --parameter temperature=0 --parameter num_predict=" +
                              std::to_string(expected["num_predict"].get<int>()));
  ASSERT_EQ(o.status, 0) << o.err;
  EXPECT_EQ(o.out, expected["gen_text"].get<std::string>() + "\n");
}

INSTANTIATE_TEST_SUITE_P(Expected, RunGolden, ::testing::Values("dog", "lily", "once"));

TEST(RunCommand, ReadsThePromptFromStdinAndPrintsTimingsWhenVerbose) {
  const Output o =
      run_binary(kModel + " --verbose --parameter temperature=0 --parameter num_predict=8",
                 "Once upon a time");
  ASSERT_EQ(o.status, 0) << o.err;
  EXPECT_EQ(o.out, ", there was a little girl\n");  // the "once" golden's first 8 tokens
  EXPECT_NE(o.err.find("eval count:           8 token(s)"), std::string::npos) << o.err;
  EXPECT_NE(o.err.find("prompt eval count:    5 token(s)"), std::string::npos) << o.err;
  EXPECT_NE(o.err.find("total duration:"), std::string::npos);
  EXPECT_NE(o.err.find("eval rate:"), std::string::npos);
}

TEST(RunCommand, StopStringEndsTheOutputBeforeIt) {
  const Output o = run_binary(kModel +
                              " 'Once upon a time' --parameter temperature=0 --parameter "
                              "num_predict=64 --parameter stop=Lily");
  ASSERT_EQ(o.status, 0) << o.err;
  EXPECT_EQ(o.out, ", there was a little girl named \n");
}

TEST(RunCommand, BadParameterAndMissingFileFail) {
  Output o = run_binary(kModel + " hi --parameter temprature=0");
  EXPECT_NE(o.status, 0);
  EXPECT_NE(o.err.find("temprature"), std::string::npos) << o.err;
  o = run_binary("/nonexistent/model.gguf hi");
  EXPECT_NE(o.status, 0);
  EXPECT_NE(o.err.find("not found"), std::string::npos) << o.err;
}

}  // namespace
}  // namespace slimllm
