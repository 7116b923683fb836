// A model of an architecture slimllm does not run is refused when it enters the store — by
// /api/create from an uploaded GGUF and by /api/pull — with a 400 that names the architecture and
// the supported ones, and nothing is written; a supported one (qwen3) goes in.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "base/sha256.h"
#include "gguf/writer.h"
#include "http_helpers.h"
#include "model/architectures.h"
#include "server/model_support.h"
#include "store/store_error.h"
#include "test_server.h"

namespace slimllm {
namespace {

using nlohmann::json;
using testing::ndjson;
using testing::TestServer;

const std::string kQwen3 = std::string(SLIMLLM_DATA) + "/decoders/qwen3-q8_0.gguf";

using testing::read_all;

// A GGUF with only its header and one tensor, declaring `arch` ("" for none), and `key` (a uint)
// when given.
std::string gguf_of(const std::string& dir, const std::string& arch, const std::string& key = "") {
  GgufWriter w;
  if (!arch.empty()) w.set_string("general.architecture", arch);
  if (!key.empty()) w.set_uint32(key, 512);
  w.set_string("general.name", "odd");
  w.add_tensor("token_embd.weight", DType::kF32, {4, 2},
               [](uint8_t* dst, size_t bytes) { std::fill_n(dst, bytes, 0); });
  const std::string path = dir + "/odd-" + arch + ".gguf";
  w.write(path);
  return read_all(path);
}

// Uploads `data` as a blob and creates `name` from it.
httplib::Result create_from(const TestServer& s, const std::string& name, const std::string& data,
                            bool stream) {
  auto c = s.client();
  int uploaded = 0;
  const std::string digest = testing::upload_blob(c, data, &uploaded);
  EXPECT_TRUE(uploaded == 201 || uploaded == 200) << uploaded;  // 200: the blob was there
  return c.Post("/api/create",
                json{{"model", name}, {"files", {{"m.gguf", digest}}}, {"stream", stream}}.dump(),
                "application/json");
}

TEST(ModelSupport, NamesTheArchitectureAndTheSupportedOnes) {
  char dir[] = "/tmp/slimllm-support-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  const std::string path = std::string(dir) + "/m.gguf";
  { std::ofstream(path, std::ios::binary) << gguf_of(dir, "gemma9"); }
  try {
    check_model_supported(GgufFile::open(path));
    FAIL() << "gemma9 accepted";
  } catch (const StoreError& e) {
    EXPECT_EQ(e.kind(), StoreError::Kind::kInvalid);
    // The whole supported list, in registry order (architectures()).
    EXPECT_EQ(std::string(e.what()),
              "unsupported model architecture \"gemma9\" (slimllm supports " +
                  supported_architecture_names() + ")");
    for (const char* arch :
         {"llama, ", "qwen2", "qwen3", "bert", "nomic-bert", "gemma2", "gemma3", "phi3", "granite"})
      EXPECT_NE(std::string(e.what()).find(arch), std::string::npos) << arch;
  }
  EXPECT_NO_THROW(check_model_supported(GgufFile::open(kQwen3)));
  std::filesystem::remove_all(dir);
}

TEST(ModelSupport, CreateRefusesAnUnsupportedArchitecture) {
  TestServer s;
  for (bool stream : {false, true}) {
    auto res = create_from(s, "odd", gguf_of(s.root.string(), "gemma9"), stream);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 400) << res->body;
    const std::string error = json::parse(res->body)["error"];
    EXPECT_NE(error.find("unsupported model architecture \"gemma9\""), std::string::npos) << error;
    EXPECT_NE(error.find("llama, qwen2, qwen3"), std::string::npos) << error;
  }
  auto none = create_from(s, "odd", gguf_of(s.root.string(), ""), false);
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 400) << none->body;
  EXPECT_NE(json::parse(none->body)["error"].get<std::string>().find("general.architecture"),
            std::string::npos);
  EXPECT_FALSE(s.store->find(*ModelName::parse("odd")));

  auto qwen3 = create_from(s, "tiny-qwen3", read_all(kQwen3), false);
  ASSERT_TRUE(qwen3);
  EXPECT_EQ(qwen3->status, 200) << qwen3->body;
  EXPECT_TRUE(s.store->find(*ModelName::parse("tiny-qwen3")));
}

// Mamba (a state-space model llama.cpp runs) is refused at create, not at its first request.
TEST(ModelSupport, CreateRefusesMamba) {
  TestServer s;
  auto res = create_from(s, "mamba", gguf_of(s.root.string(), "mamba"), false);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400) << res->body;
  EXPECT_EQ(json::parse(res->body)["error"],
            "unsupported model architecture \"mamba\" (slimllm supports " +
                supported_architecture_names() + ")");
  EXPECT_FALSE(s.store->find(*ModelName::parse("mamba")));
}

// A gemma3 file without its sliding window (which gemma3 has no default for) is refused at
// create with the key named, and nothing is stored; with the key, it goes in.
TEST(ModelSupport, CreateRefusesGemma3WithoutItsSlidingWindow) {
  TestServer s;
  for (bool stream : {false, true}) {
    auto res = create_from(s, "gemma-nowindow", gguf_of(s.root.string(), "gemma3"), stream);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 400) << res->body;
    const std::string error = json::parse(res->body)["error"];
    EXPECT_NE(error.find("the gemma3 model file has no gemma3.attention.sliding_window"),
              std::string::npos)
        << error;
    EXPECT_EQ(error.find(s.root.string()), std::string::npos) << error;  // no server path
  }
  EXPECT_FALSE(s.store->find(*ModelName::parse("gemma-nowindow")));
  auto ok =
      create_from(s, "gemma-window",
                  gguf_of(s.root.string(), "gemma3", "gemma3.attention.sliding_window"), false);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200) << ok->body;
  EXPECT_TRUE(s.store->find(*ModelName::parse("gemma-window")));
  // Gemma 2 has a default window: its file goes in without the key.
  auto gemma2 = create_from(s, "gemma2-nowindow", gguf_of(s.root.string(), "gemma2"), false);
  ASSERT_TRUE(gemma2);
  EXPECT_EQ(gemma2->status, 200) << gemma2->body;
}

TEST(ModelSupport, PullRefusesAnUnsupportedArchitecture) {
  // The source serves its store in registry mode; its odd model went in through the store API,
  // which does not vet architectures.
  TestServer source;
  const std::string data = gguf_of(source.root.string(), "gemma9");
  const std::string file = source.root.string() + "/odd.gguf";
  std::ofstream(file, std::ios::binary) << data;
  CreateSpec spec;
  spec.name = *ModelName::parse("odd");
  spec.files["odd.gguf"] = source.store->add_blob_file(file, kMediaModel).digest;
  create_model(*source.store, spec, {});

  TestServer target;
  const std::string remote = "127.0.0.1:" + std::to_string(source.port) + "/library/odd:latest";
  auto c = target.client();
  auto quiet =
      c.Post("/api/pull", json{{"model", remote}, {"insecure", true}, {"stream", false}}.dump(),
             "application/json");
  ASSERT_TRUE(quiet);
  EXPECT_EQ(quiet->status, 400) << quiet->body;
  EXPECT_NE(json::parse(quiet->body)["error"].get<std::string>().find(
                "unsupported model architecture \"gemma9\""),
            std::string::npos)
      << quiet->body;
  // Streamed, the refusal is the last line, after the download's progress.
  auto streamed =
      c.Post("/api/pull", json{{"model", remote}, {"insecure", true}}.dump(), "application/json");
  ASSERT_TRUE(streamed);
  const std::vector<json> lines = ndjson(streamed->body);
  ASSERT_FALSE(lines.empty());
  EXPECT_NE(lines.back().value("error", "").find("gemma9"), std::string::npos) << streamed->body;
  for (const json& line : lines) EXPECT_NE(line.value("status", ""), "writing manifest");
  EXPECT_FALSE(target.store->find(*ModelName::parse(remote)));

  // The supported model of the same source pulls.
  const std::string stories =
      "127.0.0.1:" + std::to_string(source.port) + "/library/stories:latest";
  auto ok =
      c.Post("/api/pull", json{{"model", stories}, {"insecure", true}, {"stream", false}}.dump(),
             "application/json");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200) << ok->body;
  EXPECT_TRUE(target.store->find(*ModelName::parse(stories)));
}

}  // namespace
}  // namespace slimllm
