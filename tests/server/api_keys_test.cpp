#include "server/api_keys.h"

#include <gtest/gtest.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "base/error.h"
#include "server/authorize.h"

namespace slimllm {
namespace {

const std::string kReader = "reader-key-0123456789";
const std::string kWriter = "writer-key-0123456789";

std::string error_of(std::string_view text) {
  try {
    parse_api_keys(text, "keys.txt");
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(ApiKeys, ParsesKeysScopesIdsAndComments) {
  const std::vector<ApiKey> keys = parse_api_keys(
      "# who may use this server\n"
      "\n" +
          kReader + " read  dashboards   # the grafana box\n" + kWriter +
          "\tread,generate,admin\r\n"
          "key#with#hashes-0123 generate ci\n",
      "keys.txt");
  ASSERT_EQ(keys.size(), 3u);
  EXPECT_EQ(keys[0].scopes, static_cast<uint8_t>(Scope::kRead));
  EXPECT_EQ(keys[0].id, "dashboards");
  EXPECT_EQ(keys[1].scopes, kAllScopes);
  EXPECT_EQ(keys[1].id, "line 4");
  EXPECT_EQ(keys[2].scopes, static_cast<uint8_t>(Scope::kGenerate));
  // The key is kept as its digest only.
  EXPECT_NE(keys[0].digest, kReader);
  EXPECT_EQ(keys[0].digest.size(), 64u);
}

TEST(ApiKeys, BadLinesNameTheLineNotTheKey) {
  EXPECT_EQ(error_of("\n" + kReader + "\n"),
            "keys.txt line 2: a key needs its scopes: \"<key> read,generate,admin [<key id>]\"");
  EXPECT_EQ(error_of(kReader + " read,write"),
            "keys.txt line 1: unknown scope \"write\" (read, generate or admin)");
  EXPECT_EQ(error_of("short read"), "keys.txt line 1: the key is shorter than 16 characters");
  EXPECT_EQ(error_of(kReader + " read my key"),
            "keys.txt line 1: more than three fields (the key id may not contain blanks)");
  EXPECT_EQ(error_of(kReader + " read").find(kReader), std::string::npos);
}

TEST(ApiKeys, FindsKeysAndReadsTheFileAgainWhenItChanges) {
  char dir[] = "/tmp/slimllm-keys-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  const std::string file = std::string(dir) + "/keys";
  std::ofstream(file) << kReader << " read\n";
  ApiKeys keys(file, "");
  ASSERT_TRUE(keys.enabled());
  ASSERT_TRUE(keys.find(kReader));
  EXPECT_FALSE(keys.find(kWriter));
  EXPECT_FALSE(keys.find(kReader.substr(0, 10)));

  // A new version with another modification time replaces the keys.
  std::ofstream(file) << kWriter << " generate ci\n";
  timespec times[2] = {{1, 0}, {1, 0}};
  ASSERT_EQ(utimensat(AT_FDCWD, file.c_str(), times, 0), 0);
  EXPECT_FALSE(keys.find(kReader));
  std::optional<ApiKey> writer = keys.find(kWriter);
  ASSERT_TRUE(writer);
  EXPECT_EQ(writer->id, "ci");

  // A broken version keeps the keys read before.
  std::ofstream(file) << "broken\n";
  timespec later[2] = {{2, 0}, {2, 0}};
  ASSERT_EQ(utimensat(AT_FDCWD, file.c_str(), later, 0), 0);
  EXPECT_TRUE(keys.find(kWriter));
  std::filesystem::remove_all(dir);
}

TEST(ApiKeys, OneKeyFromTheEnvironmentHasEveryScope) {
  ApiKeys keys("", kWriter);
  ASSERT_TRUE(keys.enabled());
  std::optional<ApiKey> key = keys.find(kWriter);
  ASSERT_TRUE(key);
  EXPECT_EQ(key->scopes, kAllScopes);
  EXPECT_THROW(ApiKeys("", "short"), Error);
  EXPECT_THROW(ApiKeys("/nonexistent/keys", ""), Error);
  EXPECT_FALSE(ApiKeys().enabled());
}

TEST(ApiKeys, BearerTokens) {
  EXPECT_EQ(bearer_token("Bearer abc"), "abc");
  EXPECT_EQ(bearer_token("bearer   abc  "), "abc");
  EXPECT_EQ(bearer_token("BEARER abc"), "abc");
  EXPECT_FALSE(bearer_token("Basic abc"));
  EXPECT_FALSE(bearer_token("Bearer "));
  EXPECT_FALSE(bearer_token(""));
}

}  // namespace
}  // namespace slimllm
