// `slimllm health` against the real server for every exit code: 0 healthy, 1 API unreachable
// (the server stopped), 2 unknown model, 3 a broken model (valid GGUF without tensors, created
// through the API), 4 a time limit no generation can meet, 64 bad usage.
#include <gtest/gtest.h>

#include "gguf/writer.h"
#include "operations_process.h"

namespace slimllm {
namespace {

using testing::CommandResult;
using testing::run_slimllm;
using testing::ServeProcess;

void expect_lines(const CommandResult& r, const std::vector<std::string>& lines) {
  for (const std::string& line : lines) {
    EXPECT_NE(r.output.find(line), std::string::npos) << "missing: " << line << "\n" << r.output;
  }
}

TEST(HealthCommand, EveryExitCodeAgainstARealServer) {
  ServeProcess serve;
  ASSERT_GT(serve.port, 0) << serve.log_text();
  ASSERT_EQ(serve.create_model("stories", testing::kStoriesModelFile), 200) << serve.log_text();
  GgufWriter empty;
  empty.set_string("general.architecture", "llama");
  empty.set_string("general.name", "no tensors");
  std::string broken_file = (serve.root / "broken.gguf").string();
  empty.write(broken_file);
  ASSERT_EQ(serve.create_model("broken", broken_file), 200) << serve.log_text();
  const std::string url = serve.url();

  CommandResult healthy =
      run_slimllm({"health", "--url", url, "--model", "stories", "--max-seconds", "60"});
  EXPECT_EQ(healthy.exit_code, 0) << healthy.output;
  expect_lines(healthy, {"=== slimllm health: " + url + " ===\n",
                         "[PASS] API reachable: " + url + " (version 0.13.5)\n",
                         "[PASS] model available: stories\n", "[PASS] inference: ", " tokens in ",
                         "s (limit 60s)\n", "Passed: 3  Failed: 0\nHEALTH: OK\n"});

  CommandResult api_only = run_slimllm({"health", "--url", url + "/"});
  EXPECT_EQ(api_only.exit_code, 0) << api_only.output;
  expect_lines(api_only, {"[SKIP] model available: no --model given\n",
                          "[SKIP] inference: no --model given\n", "Passed: 1  Failed: 0\n"});

  CommandResult from_env = run_slimllm(
      {"health"},
      {{"OLLAMA_HOST", "0.0.0.0:" + std::to_string(serve.port)}, {"HEALTH_MODEL", "stories"}});
  EXPECT_EQ(from_env.exit_code, 0) << from_env.output;
  expect_lines(from_env,
               {"=== slimllm health: " + url + " ===\n", "[PASS] model available: stories\n"});

  CommandResult unknown = run_slimllm({"health", "--url", url, "--model", "nosuch"});
  EXPECT_EQ(unknown.exit_code, 2) << unknown.output;
  expect_lines(unknown,
               {"[FAIL] model available: nosuch (HTTP 404: model 'nosuch' not found)\n",
                "[SKIP] inference: model not available\n", "Passed: 1  Failed: 1\nHEALTH: FAIL\n"});

  CommandResult broken =
      run_slimllm({"health", "--url", url, "--model", "broken", "--max-seconds", "60"});
  EXPECT_EQ(broken.exit_code, 3) << broken.output;
  expect_lines(broken, {"[FAIL] ", "HEALTH: FAIL\n"});

  CommandResult slow =
      run_slimllm({"health", "--url", url, "--model", "stories", "--max-seconds", "0.000001"});
  EXPECT_EQ(slow.exit_code, 4) << slow.output;
  expect_lines(slow, {"[PASS] model available: stories\n", "[FAIL] inference: ", "0.000001s",
                      "Passed: 2  Failed: 1\nHEALTH: FAIL\n"});

  CommandResult usage = run_slimllm({"health", "--url", url, "--max-seconds", "0"});
  EXPECT_EQ(usage.exit_code, 64) << usage.output;
  expect_lines(usage, {"--max-seconds must be a positive number, got '0'"});

  ASSERT_EQ(kill(serve.pid, SIGTERM), 0);
  int status = serve.wait_exit();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << serve.log_text();
  CommandResult stopped = run_slimllm({"health", "--url", url, "--model", "stories"});
  EXPECT_EQ(stopped.exit_code, 1) << stopped.output;
  expect_lines(stopped,
               {"[FAIL] API reachable: no answer from " + url + "\n",
                "[SKIP] model available: API unreachable\n", "[SKIP] inference: API unreachable\n",
                "Passed: 0  Failed: 1\nHEALTH: FAIL\n"});
}

}  // namespace
}  // namespace slimllm
