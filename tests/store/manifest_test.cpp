// Manifests and config blobs must serialize byte for byte as Ollama's Go code does: the digests
// below are the ones the reference verified for library/llama3.2:latest.
#include <gtest/gtest.h>

#include "base/error.h"
#include "base/sha256.h"
#include "store/go_json.h"
#include "store/manifest.h"

namespace slimllm {
namespace {

Manifest llama32_manifest() {
  Manifest m;
  m.config = {std::string(kConfigMediaType),
              "sha256:34bb5ab01051a11372a91f95f3fbbc51173eed8e7f13ec395b9ae9b8bd0e242b", 561, ""};
  m.layers = {
      {std::string(kMediaModel),
       "sha256:dde5aa3fc5ffc17176b5e8bdc82f587b24b2678c6c66101bf7da77af9f7ccdff", 2019377376, ""},
      {std::string(kMediaTemplate),
       "sha256:966de95ca8a62200913e3f8bfbf84c8494536f1b94b49166851e76644e966396", 1429, ""},
      {std::string(kMediaLicense),
       "sha256:fcc5a6bec9daf9b561a68827b67ab6088e1dba9d1fa2a50d7bbcc8384e0a265d", 7711, ""},
      {std::string(kMediaLicense),
       "sha256:a70ff7e570d97baaf4e62ac6e6ad9975e04caa6d900d3742d37698494479e0cd", 6016, ""},
      {std::string(kMediaParams),
       "sha256:56bb8bd477a519ffa694fc449c2413c6f0e1d3b1c88fa7e3c9d88d3ae49d4dcb", 96, ""},
  };
  return m;
}

TEST(Manifest, SerializesLikeOllamaPull) {
  Manifest m = llama32_manifest();
  std::string text = m.serialize(false);
  EXPECT_EQ(Sha256::hex(text), "a80c4f17acd55265feec403c7aef86be0c25983ab279d83f3bcd3abbcb5b8b72");
  EXPECT_EQ(m.total_size(), 2019393189u);
  EXPECT_EQ(m.serialize(true), text + "\n");
}

TEST(Manifest, RoundTripsThroughParse) {
  Manifest m = llama32_manifest();
  m.layers[0].from = "/tmp/x.gguf";
  Manifest back = Manifest::parse(m.serialize(true), "test");
  EXPECT_EQ(back.serialize(true), m.serialize(true));
  EXPECT_EQ(back.layers[0].from, "/tmp/x.gguf");
  ASSERT_NE(back.find_layer(kMediaParams), nullptr);
  EXPECT_EQ(back.find_layer(kMediaParams)->size, 96u);
}

TEST(Manifest, RejectsBadInput) {
  EXPECT_THROW(Manifest::parse("not json", "x"), Error);
  EXPECT_THROW(Manifest::parse(R"({"config":{"digest":"sha256:../../etc"}})", "x"), Error);
}

TEST(ConfigBlob, SerializesLikeOllama) {
  ConfigBlob c;
  c.model_family = "llama";
  c.model_families = {"llama"};
  c.model_type = "3.2B";
  c.file_type = "Q4_K_M";
  for (const Layer& l : llama32_manifest().layers) c.diff_ids.push_back(l.digest);
  std::string text = c.serialize();
  EXPECT_EQ(text.size(), 561u);
  EXPECT_EQ(Sha256::hex(text), "34bb5ab01051a11372a91f95f3fbbc51173eed8e7f13ec395b9ae9b8bd0e242b");
  ConfigBlob back = ConfigBlob::parse(text, "x");
  EXPECT_EQ(back.serialize(), text);
}

TEST(GoJson, EscapesLikeGo) {
  nlohmann::json params = {{"stop", {"<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"}}};
  std::string text = go_json(params) + "\n";
  EXPECT_EQ(text,
            "{\"stop\":[\"\\u003c|start_header_id|\\u003e\",\"\\u003c|end_header_id|\\u003e\","
            "\"\\u003c|eot_id|\\u003e\"]}\n");
  EXPECT_EQ(text.size(), 96u);
  EXPECT_EQ(Sha256::hex(text), "56bb8bd477a519ffa694fc449c2413c6f0e1d3b1c88fa7e3c9d88d3ae49d4dcb");
  EXPECT_EQ(go_json(nlohmann::json("a&b\xE2\x80\xA8")), "\"a\\u0026b\\u2028\"");
  // Invalid UTF-8 becomes U+FFFD instead of throwing.
  EXPECT_EQ(go_json(nlohmann::json(std::string("a\xff"))), "\"a\xEF\xBF\xBD\"");
}

TEST(Digest, ValidatesAndNormalizes) {
  std::string hex(64, 'a');
  EXPECT_TRUE(is_valid_digest("sha256:" + hex));
  EXPECT_TRUE(is_valid_digest("sha256-" + hex));
  EXPECT_FALSE(is_valid_digest("sha256:" + hex.substr(1)));
  EXPECT_FALSE(is_valid_digest("sha256:../" + hex.substr(3)));
  EXPECT_FALSE(is_valid_digest("md5:" + hex));
  EXPECT_EQ(normalize_digest("sha256-" + std::string(64, 'A')), "sha256:" + hex);
  EXPECT_THROW(normalize_digest("bad"), Error);
}

}  // namespace
}  // namespace slimllm
