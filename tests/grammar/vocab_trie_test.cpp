#include "grammar/vocab_trie.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace slimllm::grammar {
namespace {

// Every token's bytes, read back by walking the trie from the root.
std::map<int32_t, std::string> spelled(const VocabTrie& trie) {
  std::map<int32_t, std::string> out;
  std::vector<std::pair<uint32_t, std::string>> stack{{0, ""}};
  while (!stack.empty()) {
    auto [index, prefix] = stack.back();
    stack.pop_back();
    const VocabTrie::Node& node = trie.nodes()[index];
    if (node.token >= 0) out[node.token] = prefix;
    for (uint32_t c = 0; c < node.n_children; ++c) {
      const VocabTrie::Node& child = trie.nodes()[node.first_child + c];
      stack.push_back({node.first_child + c, prefix + static_cast<char>(child.byte)});
    }
  }
  return out;
}

TEST(VocabTrie, EveryTokenIsSpelledByItsPath) {
  std::vector<std::string> pieces = {"a", "ab", "abc", "b", "", "\xE4\xBD", "\xE4\xBD\xA0", "ba"};
  VocabTrie trie(pieces);
  EXPECT_EQ(trie.size(), 8);
  std::map<int32_t, std::string> got = spelled(trie);
  EXPECT_EQ(got.size(), 7u);  // the empty piece has no node
  for (const auto& [id, text] : got) EXPECT_EQ(text, pieces[id]) << id;
  EXPECT_EQ(got.count(4), 0u);
  EXPECT_TRUE(trie.duplicates().empty());
}

TEST(VocabTrie, SharedPrefixesShareNodes) {
  VocabTrie trie({"abc", "abd", "abe"});
  // root, a, b, and three leaves.
  EXPECT_EQ(trie.nodes().size(), 6u);
}

TEST(VocabTrie, IdenticalPiecesAreListedAsDuplicates) {
  VocabTrie trie({"x", "y", "x"});
  ASSERT_EQ(trie.duplicates().size(), 1u);
  EXPECT_EQ(trie.duplicates()[0], (std::pair<int32_t, int32_t>{0, 2}));
  EXPECT_EQ(spelled(trie).size(), 2u);
}

}  // namespace
}  // namespace slimllm::grammar
