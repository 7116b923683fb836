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
#include "server/generation.h"
#include "server/server.h"
#include "server/template_prompt_renderer.h"
#include "store/model_store.h"
#include "store/store_janitor.h"

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

  ServerConfig config = ServerConfig::from_env();
  const int64_t grace_ns = config.shutdown_grace_ns;
  ModelStore store(ModelStore::default_root());
  store.set_policy(StorePolicy::from_env());
  SchedulerConfig sched = SchedulerConfig::from_env();
  sched.default_keep_alive_ns = keep_alive_from_env();
  Scheduler scheduler(sched, std::make_shared<GgufRunnerFactory>());
  Server server(std::move(config), store, scheduler, std::make_shared<TemplatePromptRenderer>(),
                builtin_template_detector());
  server.bind();  // tidies the store once (ModelStore::tidy)
  StoreJanitor janitor(store, StoreJanitor::interval_for(store.policy()));
  // The first signal drains (Kubernetes sends SIGTERM, then SIGKILL after its grace period); a
  // second one cuts the grace period short.
  std::thread waiter([&server, signals, grace_ns] {
    int sig = 0;
    sigwait(&signals, &sig);
    log_info("received signal, shutting down", {{"signal", sig}});
    std::thread impatient([&server, signals] {
      int again = 0;
      sigwait(&signals, &again);
      log_warn("second signal: stopping running generations now", {{"signal", again}});
      server.generations().abort();
    });
    impatient.detach();
    server.drain(grace_ns);
  });
  server.listen();
  // listen() also returns when accepting fails; wake the waiter so that it can be joined.
  pthread_kill(waiter.native_handle(), SIGTERM);
  waiter.join();
  scheduler.unload_all();
  log_info("server stopped");
}

}  // namespace

void add_serve_command(CLI::App& app) {
  auto* serve = app.add_subcommand("serve", "Start the server (Ollama's API)");
  serve->alias("start");
  serve->callback([] { run_serve(); });
}

}  // namespace slimllm
