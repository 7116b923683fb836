#include <gtest/gtest.h>

#include "store/model_name.h"

namespace slimllm {
namespace {

TEST(ModelName, FillsDefaults) {
  auto n = ModelName::parse("llama3.2");
  ASSERT_TRUE(n);
  EXPECT_EQ(n->full(), "registry.ollama.ai/library/llama3.2:latest");
  EXPECT_EQ(n->display(), "llama3.2:latest");
  EXPECT_EQ(n->relative_path(), "registry.ollama.ai/library/llama3.2/latest");
}

TEST(ModelName, ParsesHostsNamespacesAndTags) {
  auto a = ModelName::parse("hf.co/bartowski/X-GGUF:Q4_K_M");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "hf.co");
  EXPECT_EQ(a->ns, "bartowski");
  EXPECT_EQ(a->model, "X-GGUF");
  EXPECT_EQ(a->tag, "Q4_K_M");
  EXPECT_EQ(a->display(), "hf.co/bartowski/X-GGUF:Q4_K_M");
  auto b = ModelName::parse("localhost:5000/me/m");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->host, "localhost:5000");
  EXPECT_EQ(b->tag, "latest");
  auto c = ModelName::parse("me/m:1b");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->display(), "me/m:1b");
  auto d = ModelName::parse("https://example.com/ns/m:t");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->host, "example.com");
}

TEST(ModelName, RejectsNamesThatEscapeTheStore) {
  for (const char* bad :
       {"", "..", "../x", "../../etc/passwd", "/etc/passwd", "a/../b", "a//b", "m:", "m:..",
        "ns.x/m", ".hidden", "-dash", "a b", "m:t/x", "x/y/z/w", "a\\b", "m:ta\x01g"}) {
    EXPECT_FALSE(ModelName::parse(bad)) << bad;
  }
}

TEST(ModelName, ComparesIgnoringCase) {
  auto a = ModelName::parse("Llama3.2:Latest");
  auto b = ModelName::parse("llama3.2");
  ASSERT_TRUE(a && b);
  EXPECT_TRUE(a->equals_ignore_case(*b));
  EXPECT_FALSE(*a == *b);
}

}  // namespace
}  // namespace slimllm
