// A pulling process for tests to kill: `pull_child STORE_ROOT NAME` pulls NAME (an insecure
// registry on 127.0.0.1) into the store at STORE_ROOT with the tests' small checkpoints, and exits
// 0 when the model is in, 1 with the error on stderr otherwise. It is a program of its own, started
// with posix_spawn, so the process a test kills mid-download is a fresh one and not a fork() of a
// test process that runs a registry's server threads.
#include <cstdio>
#include <exception>

#include "store/model_name.h"
#include "store/model_store.h"
#include "store/pull.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: pull_child STORE_ROOT NAME\n");
    return 2;
  }
  try {
    auto name = slimllm::ModelName::parse(argv[2]);
    if (!name) {
      std::fprintf(stderr, "pull_child: not a model name: %s\n", argv[2]);
      return 2;
    }
    slimllm::ModelStore store(argv[1]);
    slimllm::PullOptions o;
    o.registry.insecure = true;
    o.download.retry_delay = std::chrono::milliseconds(0);
    o.download.checkpoint_bytes = 64 * 1024;
    o.download.lock_poll = std::chrono::milliseconds(10);
    slimllm::pull_model(store, *name, o);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "pull_child: pull failed: %s\n", e.what());
    return 1;
  }
  return 0;
}
