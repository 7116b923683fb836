// An in-process server on 127.0.0.1 (a free port) over a temporary store that holds stories260K,
// with the fake runner behind the scheduler.
#pragma once

#include <httplib.h>
#include <stdlib.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>

#include "fake_runner.h"
#include "server/server.h"
#include "store/create.h"
#include "store/model_store.h"
#include "store/store_fixtures.h"

namespace slimllm::testing {


// Records what the server asked to render and answers with a marked-up prompt.
class RecordingRenderer : public PromptRenderer {
 public:
  std::string render(const PromptRequest& request) override {
    std::lock_guard lock(mutex);
    requests.push_back(request);
    if (request.kind != PromptRequest::Kind::kMessages) return "[legacy]" + request.prompt;
    std::string out;
    for (const auto& m : request.messages) out += "<" + m.role + ">" + m.content;
    return out;
  }
  std::mutex mutex;
  std::vector<PromptRequest> requests;
};

class TestServer {
 public:
  // `start`: false leaves binding and serving to the test.
  // `detect`: the server's template detector for created models (none by default).
  explicit TestServer(SchedulerConfig sched = default_config(),
                      const std::function<void(ServerConfig&)>& configure = {}, bool start = true,
                      TemplateDetector detect = {}) {
    char tmpl[] = "/tmp/slimllm-server-XXXXXX";
    if (!mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
    root = tmpl;
    store = std::make_unique<ModelStore>(root / "models");
    Layer blob = store->add_blob_file(kStoriesGguf, kMediaModel);
    CreateSpec spec;
    spec.name = *ModelName::parse("stories");
    spec.files["stories260K.gguf"] = blob.digest;
    spec.template_text = "{{ .Prompt }}";
    spec.parameters = {{"stop", {"<end>"}}, {"temperature", 0.5}};
    create_model(*store, spec, {});
    scheduler = std::make_unique<Scheduler>(sched, std::make_shared<FakeFactory>(state));
    renderer = std::make_shared<RecordingRenderer>();
    ServerConfig config;
    config.address = parse_ollama_host("127.0.0.1:0");
    config.access_log = false;
    if (configure) configure(config);
    server = std::make_unique<Server>(config, *store, *scheduler, renderer, std::move(detect));
    if (start) server->start();
    port = server->port();
  }
  ~TestServer() {
    state.open_gate();
    server->stop();
    server.reset();
    scheduler.reset();
    std::filesystem::remove_all(root);
  }
  // Another model over the same GGUF, with its own template.
  void add_model(const std::string& name, const std::string& template_text) {
    Layer blob = store->add_blob_file(kStoriesGguf, kMediaModel);
    CreateSpec spec;
    spec.name = *ModelName::parse(name);
    spec.files["stories260K.gguf"] = blob.digest;
    spec.template_text = template_text;
    create_model(*store, spec, {});
  }
  static SchedulerConfig default_config() {
    SchedulerConfig c;
    c.memory_budget = 1ULL << 30;
    return c;
  }
  httplib::Client client() const {
    httplib::Client c("127.0.0.1", port);
    c.set_read_timeout(60);
    return c;
  }

  std::filesystem::path root;
  FakeState state;
  std::unique_ptr<ModelStore> store;
  std::unique_ptr<Scheduler> scheduler;
  std::shared_ptr<RecordingRenderer> renderer;
  std::unique_ptr<Server> server;
  int port = 0;
};

}  // namespace slimllm::testing
