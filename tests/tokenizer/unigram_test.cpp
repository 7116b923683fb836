// Unigram (t5 vocabularies) on a synthetic vocabulary whose best segmentations are worked out by
// hand below: Viterbi over piece scores, space handling, unknown characters, byte fallback, the
// precompiled charsmap and EOS.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>

#include "base/error.h"
#include "gguf/reader.h"
#include "gguf/writer.h"
#include "tokenizer/tokenizer.h"

namespace slimllm {
namespace {

using Ids = std::vector<int32_t>;

#define SP "\xE2\x96\x81"  // ▁

struct Piece {
  const char* text;
  int type;
  float score;
};

// Scores are chosen so the best split is not the greedy one: "▁hello" (-6) loses to
// "▁hell" + "o" (-5), "▁world" (-2.5) to "▁wor" + "ld" (-2). The lowest normal score is -6, so
// an unknown character costs -16.
const Piece kPieces[] = {
    {"<pad>", 3, 0},     {"</s>", 3, 0},         {"<unk>", 2, 0},  {SP, 1, -3},
    {SP "h", 1, -4},     {"e", 1, -2},           {"l", 1, -2},     {"o", 1, -2},
    {SP "hello", 1, -6}, {SP "hell", 1, -3},     {"lo", 1, -1.5f}, {SP "wor", 1, -1},
    {"ld", 1, -1},       {SP "world", 1, -2.5f}, {"a", 1, -2},
};
enum : int32_t { kEos = 1, kUnk = 2, kSpace = 3, kH = 4, kE = 5, kL = 6, kO = 7, kHell = 9 };
enum : int32_t { kLo = 10, kWor = 11, kLd = 12, kA = 14, kByteX = 15 };

struct Options {
  bool add_space_prefix = true;
  bool remove_extra_whitespaces = true;
  bool byte_fallback = false;
  std::vector<uint8_t> charsmap;
};

class UnigramTest : public ::testing::Test {
 protected:
  Tokenizer load(const Options& options) {
    GgufWriter writer;
    writer.set_string("tokenizer.ggml.model", "t5");
    std::vector<std::string> texts;
    std::vector<int32_t> types;
    std::vector<float> scores;
    for (const Piece& p : kPieces) {
      texts.push_back(p.text);
      types.push_back(p.type);
      scores.push_back(p.score);
    }
    if (options.byte_fallback) {
      texts.push_back("<0x78>");  // 'x'
      types.push_back(6);
      scores.push_back(0);
    }
    writer.set_string_array("tokenizer.ggml.tokens", texts);
    writer.set_array("tokenizer.ggml.token_type", GgufType::kInt32, types.data(), types.size());
    writer.set_array("tokenizer.ggml.scores", GgufType::kFloat32, scores.data(), scores.size());
    writer.set_bool("tokenizer.ggml.add_space_prefix", options.add_space_prefix);
    writer.set_bool("tokenizer.ggml.remove_extra_whitespaces", options.remove_extra_whitespaces);
    if (!options.charsmap.empty())
      writer.set_array("tokenizer.ggml.precompiled_charsmap", GgufType::kUint8,
                       options.charsmap.data(), options.charsmap.size());
    bytes_ = writer.write_to_memory();
    return Tokenizer::from_gguf(GgufFile::parse("t5.gguf", bytes_.data(), bytes_.size()));
  }
  std::vector<uint8_t> bytes_;
};

Ids encode(const Tokenizer& t, std::string_view text) {
  return t.encode(text, false, false);
}

TEST_F(UnigramTest, ViterbiPicksHighestScoreSum) {
  Tokenizer t = load({});
  EXPECT_EQ(t.model_kind(), "t5");
  EXPECT_EQ(encode(t, "hello"), (Ids{kHell, kO}));
  EXPECT_EQ(encode(t, "world"), (Ids{kWor, kLd}));
  EXPECT_EQ(encode(t, "hello world"), (Ids{kHell, kO, kWor, kLd}));
  EXPECT_TRUE(encode(t, "").empty());
}

TEST_F(UnigramTest, ExtraWhitespaceRemovedOrKept) {
  Tokenizer merged = load({});
  EXPECT_EQ(encode(merged, "  hello   world  "), (Ids{kHell, kO, kWor, kLd}));
  EXPECT_TRUE(encode(merged, "   ").empty());
  Options keep;
  keep.remove_extra_whitespaces = false;
  Tokenizer kept = load(keep);
  // "▁hello▁▁world": the second space is a "▁" piece of its own.
  EXPECT_EQ(encode(kept, "hello  world"), (Ids{kHell, kO, kSpace, kWor, kLd}));
}

TEST_F(UnigramTest, WithoutSpacePrefix) {
  Options options;
  options.add_space_prefix = false;
  options.remove_extra_whitespaces = false;
  Tokenizer t = load(options);
  // "hello": no piece covers "h" (unknown, -16), then e + l + lo (-5.5) beats e + l + l + o (-8).
  EXPECT_EQ(encode(t, "hello"), (Ids{kUnk, kE, kL, kLo}));
}

TEST_F(UnigramTest, UnknownCharactersShareOneToken) {
  Tokenizer t = load({});
  EXPECT_EQ(encode(t, "hex"), (Ids{kH, kE, kUnk}));
  EXPECT_EQ(encode(t, "hexxx"), (Ids{kH, kE, kUnk}));
  EXPECT_EQ(encode(t, "hex hex"), (Ids{kH, kE, kUnk, kH, kE, kUnk}));
}

// Byte tokens in the vocabulary change nothing: unknown characters stay one <unk> per run, as
// llama.cpp gives them (SentencePiece's byte_fallback would spell them as bytes).
TEST_F(UnigramTest, ByteTokensDoNotSpellUnknownCharacters) {
  Options options;
  options.byte_fallback = true;
  Tokenizer t = load(options);
  EXPECT_EQ(encode(t, "hexx"), (Ids{kH, kE, kUnk}));
}

TEST_F(UnigramTest, EosWithAddSpecialAndDecode) {
  Tokenizer t = load({});
  EXPECT_EQ(t.encode("hello", true, false), (Ids{kHell, kO, kEos}));
  EXPECT_EQ(t.bos(), -1);
  EXPECT_EQ(t.decode({kHell, kO, kWor, kLd, kEos}), "hello world");
}

// A one-rule charsmap, "A" -> "a", laid out as SentencePiece stores it (see charsmap.h): the
// root's children sit in the block at 256, "A"'s node at 256 ^ 0x41 has a leaf whose value unit
// is at 0x141 ^ 1, pointing at offset 0 of the replacements.
std::vector<uint8_t> one_rule_charsmap() {
  std::vector<uint32_t> units(512, 0);
  units[0] = 256u << 10;
  units[256 ^ 0x41] = 0x41 | (1u << 8) | (1u << 10);
  units[(256 ^ 0x41) ^ 1] = (1u << 31) | 0;
  std::vector<uint8_t> blob(4 + units.size() * 4);
  uint32_t trie_bytes = static_cast<uint32_t>(units.size() * 4);
  std::memcpy(blob.data(), &trie_bytes, 4);  // the tests run on little-endian machines
  std::memcpy(blob.data() + 4, units.data(), trie_bytes);
  blob.push_back('a');
  blob.push_back('\0');
  return blob;
}

TEST_F(UnigramTest, PrecompiledCharsmapRewritesText) {
  Tokenizer plain = load({});
  EXPECT_EQ(encode(plain, "A"), (Ids{kSpace, kUnk}));
  Options options;
  options.charsmap = one_rule_charsmap();
  Tokenizer t = load(options);
  // "A" becomes "▁a": "▁" + "a".
  EXPECT_EQ(encode(t, "A"), (Ids{kSpace, kA}));
  EXPECT_EQ(encode(t, "hello A"), (Ids{kHell, kO, kSpace, kA}));
  // Bytes past ASCII walk the trie too and simply do not match.
  EXPECT_EQ(encode(t, "\xC3\xA9"), (Ids{kSpace, kUnk}));
}

TEST_F(UnigramTest, MalformedCharsmapIsAnError) {
  Options options;
  options.charsmap = {200, 0, 0, 0, 1, 2, 3};  // announces a 200-byte trie in 7 bytes
  try {
    load(options);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("precompiled_charsmap"));
  }
}

}  // namespace
}  // namespace slimllm
