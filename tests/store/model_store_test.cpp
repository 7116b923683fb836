#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "base/sha256.h"
#include "store/create.h"
#include "store/model_info.h"
#include "store/model_layers.h"
#include "store/model_store.h"
#include "store/store_error.h"
#include "store/store_fixtures.h"

namespace fs = std::filesystem;

namespace slimllm {
namespace {

const std::string& kGguf = testing::kStoriesGguf;
const std::string kGgufDigest =
    "sha256:270cba1bd5109f42d03350f60406024560464db173c0e387d91f0426d3bd256d";

class StoreTest : public testing::TempStoreTest {
 protected:
  StoreTest() : TempStoreTest("store") {}

  ModelName name(const char* text) { return *ModelName::parse(text); }

  std::string create(const char* model, std::optional<std::string> tmpl = std::nullopt) {
    Layer blob = store_->add_blob_file(kGguf, kMediaModel);
    CreateSpec spec;
    spec.name = name(model);
    spec.files["stories260K.gguf"] = blob.digest;
    spec.template_text = tmpl;
    return create_model(*store_, spec, {});
  }
};

TEST_F(StoreTest, ImportsGgufUnderItsDigest) {
  Layer layer = store_->add_blob_file(kGguf, kMediaModel);
  EXPECT_EQ(layer.digest, kGgufDigest);
  EXPECT_EQ(layer.size, fs::file_size(kGguf));
  EXPECT_TRUE(fs::exists(
      root_ /
      "models/blobs/sha256-270cba1bd5109f42d03350f60406024560464db173c0e387d91f0426d3bd256d"));
  EXPECT_EQ(store_->count_blobs(), 1u);
  // Importing again reuses the blob and leaves no temporary files behind.
  store_->add_blob_file(kGguf, kMediaModel);
  size_t files = 0;
  for (const auto& e : fs::directory_iterator(root_ / "models/blobs")) files += e.is_regular_file();
  EXPECT_EQ(files, 1u);
}

TEST_F(StoreTest, CreatesModelWithOllamasLayersAndDigests) {
  std::vector<std::string> statuses;
  Layer blob = store_->add_blob_file(kGguf, kMediaModel);
  CreateSpec spec;
  spec.name = name("stories");
  spec.files["stories260K.gguf"] = blob.digest;
  spec.template_text = "{{ .Prompt }}";
  spec.system = "You are a storyteller.";
  spec.parameters = {{"stop", {"<|end|>"}}, {"temperature", 0.7}};
  spec.messages = nlohmann::json::array({{{"role", "user"}, {"content", "hi"}}});
  std::string digest =
      create_model(*store_, spec, [&](const std::string& s) { statuses.push_back(s); });
  ASSERT_FALSE(statuses.empty());
  EXPECT_EQ(statuses.front(), "parsing GGUF");
  EXPECT_EQ(statuses.back(), "success");

  StoredModel m = store_->get(name("stories"));
  EXPECT_EQ(m.digest, digest);
  EXPECT_EQ(m.name.display(), "stories:latest");
  fs::path manifest = root_ / "models/manifests/registry.ollama.ai/library/stories/latest";
  ASSERT_TRUE(fs::exists(manifest));
  std::ifstream in(manifest, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(Sha256::hex(text), digest);
  EXPECT_EQ(text.back(), '\n');

  ASSERT_EQ(m.manifest.layers.size(), 5u);
  EXPECT_EQ(m.manifest.layers[0].media_type, kMediaModel);
  EXPECT_EQ(m.manifest.layers[0].digest, kGgufDigest);
  EXPECT_EQ(m.manifest.layers[1].media_type, kMediaTemplate);
  EXPECT_EQ(m.manifest.layers[1].digest, "sha256:" + Sha256::hex("{{ .Prompt }}"));
  EXPECT_EQ(m.manifest.layers[2].media_type, kMediaSystem);
  EXPECT_EQ(m.manifest.layers[2].digest, "sha256:" + Sha256::hex("You are a storyteller."));
  EXPECT_EQ(m.manifest.layers[3].media_type, kMediaParams);
  const std::string params = "{\"stop\":[\"\\u003c|end|\\u003e\"],\"temperature\":0.7}\n";
  EXPECT_EQ(store_->read_blob(m.manifest.layers[3].digest), params);
  EXPECT_EQ(m.manifest.layers[4].media_type, kMediaMessages);
  EXPECT_EQ(store_->read_blob(m.manifest.layers[4].digest),
            "[{\"role\":\"user\",\"content\":\"hi\"}]\n");

  // The config blob names the family and lists the layers in order.
  ConfigBlob config = ConfigBlob::parse(store_->read_blob(m.manifest.config.digest), "config");
  EXPECT_EQ(config.model_family, "llama");
  EXPECT_EQ(config.model_format, "gguf");
  ASSERT_EQ(config.diff_ids.size(), 5u);
  EXPECT_EQ(config.diff_ids[0], kGgufDigest);
  EXPECT_EQ(store_->read_blob(m.manifest.config.digest), config.serialize());

  ModelLayers layers = read_model_layers(*store_, m);
  EXPECT_EQ(layers.template_text, "{{ .Prompt }}");
  EXPECT_EQ(layers.system, "You are a storyteller.");
  EXPECT_EQ(layers.params["temperature"], 0.7);
  EXPECT_EQ(layers.messages.size(), 1u);
}

TEST_F(StoreTest, FindsModelsIgnoringCase) {
  create("Stories:Big");
  auto found = store_->find(name("stories:big"));
  ASSERT_TRUE(found);
  EXPECT_EQ(found->name.display(), "Stories:Big");
  EXPECT_FALSE(store_->find(name("stories:small")));
  EXPECT_THROW(store_->get(name("nothing")), StoreError);
}

TEST_F(StoreTest, ListsNewestFirstAndIgnoresStrayFiles) {
  create("a");
  create("b");
  fs::last_write_time(root_ / "models/manifests/registry.ollama.ai/library/a/latest",
                      fs::file_time_type::clock::now() + std::chrono::hours(1));
  // A Modelfile left by a Helm hook, a partial download and a broken manifest.
  std::ofstream(root_ / "models/Modelfile") << "FROM x";
  std::ofstream(root_ / "models/manifests/registry.ollama.ai/library/Modelfile") << "FROM x";
  std::ofstream(root_ / "models/blobs/sha256-abc-partial") << "xx";
  fs::create_directories(root_ / "models/manifests/registry.ollama.ai/library/broken");
  std::ofstream(root_ / "models/manifests/registry.ollama.ai/library/broken/latest") << "{not json";
  std::vector<StoredModel> models = store_->list();
  ASSERT_EQ(models.size(), 2u);
  EXPECT_EQ(models[0].name.display(), "a:latest");
  EXPECT_EQ(models[1].name.display(), "b:latest");
  EXPECT_EQ(store_->count_blobs(), 2u);  // the GGUF and the shared config
}

TEST_F(StoreTest, CopiesAndDeletesKeepingSharedBlobs) {
  create("stories", "{{ .Prompt }}");
  store_->copy(name("stories"), name("backup:v1"));
  StoredModel copy = store_->get(name("backup:v1"));
  EXPECT_EQ(copy.digest, store_->get(name("stories")).digest);

  store_->remove(name("stories"));
  EXPECT_FALSE(store_->find(name("stories")));
  EXPECT_FALSE(fs::exists(root_ / "models/manifests/registry.ollama.ai/library/stories"));
  EXPECT_TRUE(store_->has_blob(kGgufDigest));  // still used by backup:v1

  store_->remove(name("backup:v1"));
  EXPECT_FALSE(store_->has_blob(kGgufDigest));
  EXPECT_EQ(store_->count_blobs(), 0u);
  EXPECT_THROW(store_->remove(name("backup:v1")), StoreError);
  EXPECT_THROW(store_->copy(name("gone"), name("x")), StoreError);
}

TEST_F(StoreTest, CreateFromAnotherModelMergesParameters) {
  Layer blob = store_->add_blob_file(kGguf, kMediaModel);
  CreateSpec base;
  base.name = name("base");
  base.files["m.gguf"] = blob.digest;
  base.parameters = {{"stop", {"a"}}, {"top_k", 10}};
  create_model(*store_, base, {});
  CreateSpec derived;
  derived.name = name("derived");
  derived.from = "base";
  derived.system = "be brief";
  derived.parameters = {{"top_k", 20}};
  create_model(*store_, derived, {});
  ModelLayers layers = read_model_layers(*store_, store_->get(name("derived")));
  EXPECT_EQ(layers.params, (nlohmann::json{{"stop", {"a"}}, {"top_k", 20}}));
  EXPECT_EQ(layers.system, "be brief");
  EXPECT_EQ(layers.model_path, store_->blob_path(kGgufDigest).string());
}

TEST_F(StoreTest, CreateRejectsBadInput) {
  CreateSpec spec;
  spec.name = name("x");
  EXPECT_THROW(create_model(*store_, spec, {}), StoreError);  // neither from nor files
  spec.files["../evil.gguf"] = kGgufDigest;
  EXPECT_THROW(create_model(*store_, spec, {}), StoreError);
  spec.files.clear();
  spec.files["m.gguf"] = kGgufDigest;  // not uploaded
  EXPECT_THROW(create_model(*store_, spec, {}), StoreError);
  Layer text = store_->add_blob("not a gguf", kMediaModel);
  spec.files["m.gguf"] = text.digest;
  try {
    create_model(*store_, spec, {});
    FAIL();
  } catch (const StoreError& e) {
    EXPECT_STREQ(e.what(), "supplied file was not in GGUF format");
  }
  spec.files.clear();
  spec.from = "missing";
  EXPECT_THROW(create_model(*store_, spec, {}), StoreError);
  EXPECT_FALSE(fs::exists(root_ / "models/manifests"));
}

TEST_F(StoreTest, ReceivesBlobsVerifyingTheDigest) {
  std::string data = "hello blob";
  std::string digest = "sha256:" + Sha256::hex(data);
  auto produce = [&](const ModelStore::ByteSink& sink) { sink(data.data(), data.size()); };
  EXPECT_TRUE(store_->receive_blob(digest, produce));
  EXPECT_FALSE(store_->receive_blob(digest, produce));
  EXPECT_EQ(store_->read_blob(digest), data);
  std::string wrong = "sha256:" + std::string(64, '0');
  try {
    store_->receive_blob(wrong, produce);
    FAIL();
  } catch (const StoreError& e) {
    EXPECT_EQ(std::string(e.what()),
              "digest mismatch, expected \"" + wrong + "\", got \"" + digest + "\"");
  }
  EXPECT_FALSE(store_->has_blob(wrong));
  EXPECT_THROW(store_->blob_path("sha256:../../etc/passwd"), StoreError);
}

TEST(ModelInfo, FormatsLikeOllama) {
  EXPECT_EQ(human_number(3212749888), "3.2B");
  EXPECT_EQ(human_number(8000000000), "8B");
  EXPECT_EQ(human_number(999890000), "999.89M");
  EXPECT_EQ(human_number(292000), "292K");
  EXPECT_EQ(human_number(512), "512");
  GgufFile gguf = GgufFile::open(kGguf);
  nlohmann::json info = gguf_model_info(gguf, false);
  EXPECT_EQ(info["general.architecture"], "llama");
  EXPECT_FALSE(info.contains("general.name"));
  EXPECT_TRUE(info["tokenizer.ggml.tokens"].empty());
  EXPECT_EQ(gguf_model_info(gguf, true)["tokenizer.ggml.tokens"].size(), 512u);
  EXPECT_EQ(model_capabilities(gguf, "{{ .Prompt }}"), std::vector<std::string>{"completion"});
  EXPECT_EQ(model_capabilities(gguf, "{{ .Suffix }}{{ .Tools }}"),
            (std::vector<std::string>{"completion", "tools", "insert"}));
}

}  // namespace
}  // namespace slimllm
