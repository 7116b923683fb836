// `slimllm create NAME -f Modelfile`: parses the Modelfile, uploads a local GGUF through
// /api/blobs (skipped when the server already has it), then POSTs /api/create and prints the
// server's progress, as Ollama's client does.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "api/client.h"
#include "api/modelfile.h"
#include "base/error.h"
#include "base/sha256.h"
#include "cli/commands.h"
#include "cli/progress.h"

namespace slimllm {
namespace {

void run_create(const std::string& name, const std::string& file, const std::string& quantize) {
  std::ifstream in(file, std::ios::binary);
  if (!in) fail("open ", file, ": no such file or directory");
  std::ostringstream text;
  text << in.rdbuf();
  std::filesystem::path base = std::filesystem::absolute(file).parent_path();
  api::ModelfileCreate create =
      api::modelfile_to_create(api::parse_modelfile(text.str()), base.string());
  api::CreateRequest& request = create.request;
  request.model = name;
  request.quantize = quantize;
  api::Client client = api::Client::from_env();
  if (!create.from_file.empty()) {
    std::printf("gathering model components\n");
    std::string digest = "sha256:" + Sha256::hex_file(create.from_file);
    if (client.head("/api/blobs/" + digest) != 200) {
      std::printf("copying file %s 100%%\n", digest.c_str());
      client.post_file("/api/blobs/" + digest, create.from_file);
    }
    request.files[std::filesystem::path(create.from_file).filename().string()] = digest;
  }
  // A base model the server lacks is pulled first: its layers' progress shows as `pull`'s does.
  post_with_progress(client, "/api/create", nlohmann::json::parse(request.to_json().dump()));
}

}  // namespace

void add_create_command(CLI::App& app) {
  static std::string name, file = "Modelfile", quantize;
  auto* create = app.add_subcommand("create", "Create a model from a Modelfile");
  create->add_option("model", name, "Name of the new model")->required();
  create->add_option("-f,--file", file, "Name of the Modelfile")->capture_default_str();
  create->add_option("-q,--quantize", quantize, "Quantize model to this level (e.g. q4_K_M)");
  create->callback([] { run_create(name, file, quantize); });
}

}  // namespace slimllm
