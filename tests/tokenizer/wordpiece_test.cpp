// WordPiece (bert vocabularies) beyond llama.cpp's golden cases: BERT's basic pre-tokenization,
// accents, CJK, symbols, unknown words, long words, special tokens and decoding. Expected pieces
// are the bge vocabulary's own spellings ("▁" starts a word), so a failure names the tokens.
#include <gtest/gtest.h>

#include "gguf/reader.h"
#include "gguf/writer.h"
#include "tokenizer/wordpiece.h"
#include "vocab_fixtures.h"

namespace slimllm {
namespace {

using Words = std::vector<std::string>;

TEST(BertWords, SplitsPunctuationAndLowerCases) {
  EXPECT_EQ(bert_words("H\xC3\xA9llo, WORLD!"), (Words{"hello", ",", "world", "!"}));
  // Every ASCII symbol is a word of its own; other symbols (the euro sign) stay in the word.
  EXPECT_EQ(bert_words("$5+3 \xE2\x82\xAC"
                       "5"),
            (Words{"$", "5", "+", "3",
                   "\xE2\x82\xAC"
                   "5"}));
  EXPECT_EQ(bert_words("a-b_c"), (Words{"a", "-", "b", "_", "c"}));
}

TEST(BertWords, StripsAccents) {
  // Precomposed letters and a separate combining acute (U+0301) alike.
  EXPECT_EQ(bert_words("na\xC3\xAFve caf\xC3\xA9 cafe\xCC\x81"), (Words{"naive", "cafe", "cafe"}));
  EXPECT_EQ(bert_words("\xC3\x9Cn\xC3\xAF"
                       "c\xC3\xB6"
                       "d\xC3\xA9"),
            (Words{"unicode"}));
  // İ decomposes to I and a combining dot, which goes.
  EXPECT_EQ(bert_words("\xC4\xB0stanbul"), (Words{"istanbul"}));
  // Hangul syllables decompose into their jamo (the letters stay: they are not marks).
  EXPECT_EQ(bert_words("\xED\x95\x9C"), (Words{"\xE1\x84\x92\xE1\x85\xA1\xE1\x86\xAB"}));
}

TEST(BertWords, SplitsEachCjkIdeograph) {
  EXPECT_EQ(bert_words("\xE5\x8C\x97\xE4\xBA\xAC"
                       "abc"),
            (Words{"\xE5\x8C\x97", "\xE4\xBA\xAC", "abc"}));
}

TEST(BertWords, WhitespaceRunsAndControlCharacters) {
  EXPECT_EQ(bert_words("  tab\there\n\nnew \xE3\x80\x80 line  "),
            (Words{"tab", "here", "new", "line"}));
  // Control and format characters vanish without splitting: BEL, NUL, zero-width joiner, and an
  // invalid byte (read as U+FFFD).
  EXPECT_EQ(bert_words(std::string("a\x07"
                                   "b\0c",
                                   5)),
            (Words{"abc"}));
  EXPECT_EQ(bert_words("hello\xE2\x80\x8Dworld \xFFx"), (Words{"helloworld", "x"}));
  EXPECT_TRUE(bert_words(" \t\n").empty());
  EXPECT_TRUE(bert_words("").empty());
}

class BertEncode : public ::testing::Test {
 protected:
  const Tokenizer& tokenizer = testing::bert_tokenizer();

  std::vector<int32_t> ids_of(const Words& pieces) {
    std::vector<int32_t> ids;
    for (const std::string& piece : pieces) {
      std::optional<int32_t> id = tokenizer.find_token(piece);
      EXPECT_TRUE(id.has_value()) << "no token '" << piece << "'";
      ids.push_back(id.value_or(-1));
    }
    return ids;
  }
  std::vector<int32_t> encode(std::string_view text) {
    return tokenizer.encode(text, false, false);
  }
};

TEST_F(BertEncode, GreedyLongestPieces) {
  EXPECT_EQ(encode("unaffable"), ids_of({"\xE2\x96\x81una", "ffa", "ble"}));
  EXPECT_EQ(encode("H\xC3\xA9llo, WORLD!"),
            ids_of({"\xE2\x96\x81hello", "\xE2\x96\x81,", "\xE2\x96\x81world", "\xE2\x96\x81!"}));
  EXPECT_EQ(encode("$5 \xE2\x82\xAC"
                   "5"),
            ids_of({"\xE2\x96\x81$",
                    "\xE2\x96\x81"
                    "5",
                    "\xE2\x96\x81\xE2\x82\xAC", "5"}));
  EXPECT_EQ(encode("\xE5\x8C\x97\xE4\xBA\xAC"),
            ids_of({"\xE2\x96\x81\xE5\x8C\x97", "\xE2\x96\x81\xE4\xBA\xAC"}));
}

TEST_F(BertEncode, UnsplittableWordIsOneUnknown) {
  // The llama emoji is in no piece: the whole word, letters included, becomes [UNK].
  EXPECT_EQ(encode("x\xF0\x9F\xA6\x99y ok"),
            (std::vector<int32_t>{100, ids_of({"\xE2\x96\x81ok"})[0]}));
}

TEST_F(BertEncode, LongWordsAreStillSplit) {
  // llama.cpp has no maximum word length (Hugging Face's BERT gives [UNK] past 100 characters);
  // we match llama.cpp: 200 a's are "▁aaa" then 98 "aa" and one "a".
  std::vector<int32_t> ids = encode(std::string(200, 'a'));
  Words pieces{
      "\xE2\x96\x81"
      "aaa"};
  for (int i = 0; i < 98; ++i) pieces.push_back("aa");
  pieces.push_back("a");
  EXPECT_EQ(ids, ids_of(pieces));
}

TEST_F(BertEncode, ClsAndSepWithAddSpecial) {
  std::vector<int32_t> hello = ids_of({"\xE2\x96\x81hello"});
  EXPECT_EQ(tokenizer.encode("hello", true, false), (std::vector<int32_t>{101, hello[0], 102}));
  EXPECT_EQ(tokenizer.encode("", true, false), (std::vector<int32_t>{101, 102}));
  EXPECT_EQ(tokenizer.bos(), 101);
  // Spelled special tokens become tokens only when parsing specials.
  EXPECT_EQ(tokenizer.encode("[CLS]hello[SEP]", false, true),
            (std::vector<int32_t>{101, hello[0], 102}));
  EXPECT_EQ(tokenizer.encode("[SEP]", false, false),
            ids_of({"\xE2\x96\x81[", "\xE2\x96\x81sep", "\xE2\x96\x81]"}));
}

TEST_F(BertEncode, DecodeJoinsContinuationsAndCleansSpaces) {
  EXPECT_EQ(tokenizer.decode(encode("unaffable")), "unaffable");
  EXPECT_EQ(tokenizer.decode(tokenizer.encode("It's fine. Don't go, OK?", true, false)),
            "it's fine. don't go, ok?");
  EXPECT_EQ(tokenizer.decode({101, 102}, /*render_special=*/true), "[CLS][SEP]");
}

TEST(BertHashSpelling, ReadsHuggingFaceContinuations) {
  // vocab.txt spelling: bare word starts, "##" continuations.
  GgufWriter writer;
  writer.set_string("tokenizer.ggml.model", "bert");
  writer.set_string_array(
      "tokenizer.ggml.tokens",
      std::vector<std::string>{"[UNK]", "[CLS]", "[SEP]", "un", "##aff", "##able", "aff", "!"});
  std::vector<int32_t> types{3, 3, 3, 1, 1, 1, 1, 1};
  writer.set_array("tokenizer.ggml.token_type", GgufType::kInt32, types.data(), types.size());
  writer.set_uint32("tokenizer.ggml.unknown_token_id", 0);
  writer.set_uint32("tokenizer.ggml.cls_token_id", 1);
  writer.set_uint32("tokenizer.ggml.seperator_token_id", 2);
  std::vector<uint8_t> bytes = writer.write_to_memory();
  Tokenizer t = Tokenizer::from_gguf(GgufFile::parse("bert.gguf", bytes.data(), bytes.size()));
  EXPECT_EQ(t.encode("Unaffable aff!", true, false), (std::vector<int32_t>{1, 3, 4, 5, 6, 7, 2}));
  // "ableaff": no word starts with "able".
  EXPECT_EQ(t.encode("ableaff", false, false), (std::vector<int32_t>{0}));
  EXPECT_EQ(t.decode({1, 3, 4, 5, 6, 7, 2}), "unaffable aff!");
}

}  // namespace
}  // namespace slimllm
