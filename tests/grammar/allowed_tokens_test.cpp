// allowed_tokens must equal asking would_accept of every token, on hand-made vocabularies and on
// the real 152k-token Qwen2 vocabulary.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "gguf/reader.h"
#include "grammar/grammar.h"
#include "grammar/json_gbnf.h"
#include "grammar/matcher.h"
#include "grammar/vocab_trie.h"
#include "tokenizer/tokenizer.h"

namespace slimllm::grammar {
namespace {

std::vector<uint8_t> brute_force(const Matcher& m, const std::vector<std::string>& pieces) {
  std::vector<uint8_t> allowed(pieces.size(), 0);
  for (size_t i = 0; i < pieces.size(); ++i) {
    allowed[i] = !pieces[i].empty() && m.would_accept(pieces[i]);
  }
  return allowed;
}

size_t count(const std::vector<uint8_t>& allowed) {
  size_t n = 0;
  for (uint8_t a : allowed) n += a;
  return n;
}

// Compares the mask with brute force after every prefix of `text`; returns how many states
// were compared.
void expect_masks_match(const char* gbnf, const std::vector<std::string>& pieces,
                        std::string_view text) {
  const VocabTrie trie(pieces);
  Matcher m(compile_gbnf(gbnf));
  std::vector<uint8_t> mask;
  for (size_t i = 0; i <= text.size(); ++i) {
    m.allowed_tokens(trie, mask);
    ASSERT_EQ(mask, brute_force(m, pieces)) << "after \"" << text.substr(0, i) << "\"";
    if (i < text.size()) ASSERT_TRUE(m.accept(text.substr(i, 1))) << text.substr(0, i + 1);
  }
}

std::vector<std::string> random_pieces(uint32_t seed, size_t n) {
  // Pieces from bytes JSON cares about, plus UTF-8 fragments and invalid bytes.
  static const std::vector<std::string> kParts = {
      "{",    "}",    "[",    "]",    "\"",       ":",    ",",    " ", "\n", "  ", "a", "b",
      "name", "\\",   "n",    "u",    "0",        "1",    "9",    "-", ".",  "e",  "+", "true",
      "null", "\xE4", "\xBD", "\xA0", "\xC3\xA9", "\x80", "\xFF", "(", ")",  "\t", "x"};
  std::mt19937 rng(seed);
  std::vector<std::string> pieces;
  for (size_t i = 0; i < n; ++i) {
    std::string piece;
    const int parts = static_cast<int>(rng() % 4);  // 0: an empty (special) token
    for (int k = 0; k < parts; ++k) piece += kParts[rng() % kParts.size()];
    pieces.push_back(piece);
  }
  pieces.push_back("name");  // a duplicate of a likely piece
  pieces.push_back("name");
  return pieces;
}

TEST(AllowedTokens, HandMadeVocabulary) {
  const std::vector<std::string> pieces = {
      "{",   "}", "\"",   "{\"", "\":",  "a",        "ab",       "abc",
      "",    "1", "12",   "1.",  "\xE4", "\xE4\xBD", "\xBD\xA0", "\xE4\xBD\xA0",
      "\"}", " ", "true", "tru", "\xFF", "a"};
  expect_masks_match(kJsonGbnf, pieces, "{\"ab\xE4\xBD\xA0\": [12.5, true]}");
  const VocabTrie trie(pieces);
  Matcher m(compile_gbnf(kJsonGbnf));
  std::vector<uint8_t> mask;
  m.allowed_tokens(trie, mask);
  EXPECT_EQ(mask[0], 1);   // {
  EXPECT_EQ(mask[1], 0);   // }
  EXPECT_EQ(mask[8], 0);   // the empty piece
  EXPECT_EQ(mask[5], 0);   // a
  EXPECT_EQ(mask[18], 1);  // true
  EXPECT_EQ(mask[19], 1);  // tru
}

TEST(AllowedTokens, DuplicatePiecesShareTheVerdict) {
  const std::vector<std::string> pieces = {"x", "y", "x", "xy", "x"};
  const VocabTrie trie(pieces);
  Matcher m(compile_gbnf(R"(root ::= "x" "y")"));
  std::vector<uint8_t> mask;
  m.allowed_tokens(trie, mask);
  EXPECT_EQ(mask, (std::vector<uint8_t>{1, 0, 1, 1, 1}));
}

TEST(AllowedTokens, RandomVocabulariesMatchBruteForce) {
  for (uint32_t seed = 1; seed <= 5; ++seed) {
    const std::vector<std::string> pieces = random_pieces(seed, 3000);
    expect_masks_match(kJsonGbnf, pieces,
                       "{\"name\": [1, -2.5e+3, \"\\u00e9\xE4\xBD\xA0\"], \"b\":\n  null}");
    expect_masks_match(R"G(root ::= p+
p ::= "(" [a-z\u4f00-\u4fff]* p* ")")G",
                       pieces, "(ab(\xE4\xBD\xA0)(x))(");
  }
}

TEST(AllowedTokens, CompleteGrammarAllowsNothingMore) {
  const std::vector<std::string> pieces = {"a", "b", "ab"};
  const VocabTrie trie(pieces);
  Matcher m(compile_gbnf(R"(root ::= "ab")"));
  ASSERT_TRUE(m.accept("ab"));
  std::vector<uint8_t> mask;
  m.allowed_tokens(trie, mask);
  EXPECT_EQ(count(mask), 0u);
}

std::vector<std::string> qwen2_pieces() {
  const Tokenizer tokenizer = Tokenizer::from_gguf(
      GgufFile::open(std::string(SLIMLLM_TESTDATA) + "/tokenizer/ggml-vocab-qwen2.gguf"));
  std::vector<std::string> pieces(static_cast<size_t>(tokenizer.vocab_size()));
  for (int32_t id = 0; id < tokenizer.vocab_size(); ++id) {
    if (!tokenizer.is_control(id)) pieces[id] = tokenizer.token_piece(id);
  }
  return pieces;
}

TEST(AllowedTokens, Qwen2VocabularyJsonStates) {
  const std::vector<std::string> pieces = qwen2_pieces();
  ASSERT_GT(pieces.size(), 150000u);
  const VocabTrie trie(pieces);
  const auto grammar = compile_gbnf(kJsonGbnf);
  const char* const kStates[] = {
      "",                                    // start
      "{\"",                                 // a key begins
      "{\"na",                               // inside a key
      "{\"name\":",                          // after the colon
      "{\"name\": 12",                       // inside a number
      "{\"name\": \"a long string value, ",  // inside a string value
      "{\"name\": \"\xE4\xBD",               // inside a character
      "{\"a\": [1, 2, {\"b\": null}]",       // after a nested value
      "{\"a\": 1}",                          // complete, trailing whitespace allowed
  };
  std::vector<uint8_t> mask;
  for (const char* state : kStates) {
    Matcher m(grammar);
    ASSERT_TRUE(m.accept(state)) << state;
    m.allowed_tokens(trie, mask);
    const std::vector<uint8_t> expected = brute_force(m, pieces);
    EXPECT_EQ(mask, expected) << "after \"" << state << "\"";
    EXPECT_GT(count(mask), 0u) << state;
    EXPECT_LT(count(mask), pieces.size()) << state;
  }
}

}  // namespace
}  // namespace slimllm::grammar
