// `slimllm serve`: the Ollama-compatible server on OLLAMA_HOST with the store at OLLAMA_MODELS.
#include <pthread.h>
#include <signal.h>

#include <memory>
#include <thread>

#include "api/duration.h"
#include "base/error.h"
#include "base/log.h"
#include "cli/commands.h"
#include "engine/gguf_runner.h"
#include "engine/scheduler.h"
#include "server/server.h"
#include "server/template_prompt_renderer.h"
#include "store/model_store.h"

namespace slimllm {
namespace {

void run_serve() {
  // SIGINT/SIGTERM are taken by one thread with sigwait so that stopping is not done from a
  // signal handler; every thread started after this inherits the blocked mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  ModelStore store(ModelStore::default_root());
  SchedulerConfig sched = SchedulerConfig::from_env();
  sched.default_keep_alive_ns = keep_alive_from_env();
  Scheduler scheduler(sched, std::make_shared<GgufRunnerFactory>());
  Server server(ServerConfig::from_env(), store, scheduler,
                std::make_shared<TemplatePromptRenderer>(), builtin_template_detector());
  server.bind();
  std::thread waiter([&server, signals] {
    int sig = 0;
    sigwait(&signals, &sig);
    log_info("received signal, shutting down", {{"signal", sig}});
    server.stop();
  });
  waiter.detach();
  server.listen();
  scheduler.unload_all();
}

}  // namespace

void add_serve_command(CLI::App& app) {
  auto* serve = app.add_subcommand("serve", "Start the server (Ollama's API)");
  serve->alias("start");
  serve->callback([] { run_serve(); });
}

}  // namespace slimllm
