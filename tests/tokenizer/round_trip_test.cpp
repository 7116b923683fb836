// decode(encode(s)) == s over generated Unicode text, and the streaming decoder emitting whole
// characters that add up to the same text.
#include <gtest/gtest.h>

#include <random>
#include <thread>

#include "base/utf8.h"
#include "vocab_fixtures.h"

namespace slimllm {
namespace {

bool valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    uint8_t c = static_cast<uint8_t>(s[i]);
    size_t len = c < 0x80                ? 1
                 : c >= 0xC2 && c < 0xE0 ? 2
                 : c >= 0xE0 && c < 0xF0 ? 3
                 : c >= 0xF0 && c < 0xF5 ? 4
                                         : 0;
    if (len == 0 || i + len > s.size()) return false;
    for (size_t k = 1; k < len; ++k) {
      if ((static_cast<uint8_t>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += len;
  }
  return true;
}

// Random strings mixing the things tokenizers get wrong: emoji sequences, combining marks,
// CJK, scripts without spaces, whitespace runs, digits, punctuation and any code point at all.
class UnicodeCorpus {
 public:
  explicit UnicodeCorpus(uint32_t seed) : rng_(seed) {}

  std::string next() {
    std::string s;
    int units = pick(0, 40);
    for (int i = 0; i < units; ++i) add_unit(s);
    return s;
  }

 private:
  int pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  uint32_t in(uint32_t lo, uint32_t hi) {
    return std::uniform_int_distribution<uint32_t>(lo, hi)(rng_);
  }

  void add_unit(std::string& s) {
    static const char* kWords[] = {"the", "Hello", "don't", "I'll", "x86_64", "std::vector",
                                   "{}",  "();",   "->",    "==",   "...",    "'s",
                                   "'RE", "<|",    "|>",    "<s>"};
    static const uint32_t kSpaces[] = {' ',  '\t', '\n',   '\r',   0x0B,
                                       0x0C, 0xA0, 0x3000, 0x2009, 0x85};
    switch (pick(0, 11)) {
      case 0:
        s += kWords[pick(0, 15)];
        break;
      case 1: {
        int run = pick(1, 6);
        uint32_t space = kSpaces[pick(0, 9)];
        for (int k = 0; k < run; ++k) utf8_append(s, pick(0, 2) ? ' ' : space);
        break;
      }
      case 2:
        utf8_append(s, in(0x1F300, 0x1FAFF));
        break;   // emoji
      case 3: {  // emoji ZWJ sequence with a skin tone and a variation selector
        utf8_append(s, in(0x1F466, 0x1F469));
        utf8_append(s, in(0x1F3FB, 0x1F3FF));
        utf8_append(s, 0x200D);
        utf8_append(s, in(0x1F300, 0x1F5FF));
        utf8_append(s, 0xFE0F);
        break;
      }
      case 4: {  // base letter with stacked combining marks
        utf8_append(s, in('a', 'z'));
        int marks = pick(1, 4);
        for (int k = 0; k < marks; ++k) utf8_append(s, in(0x300, 0x36F));
        break;
      }
      case 5:
        utf8_append(s, in(0x4E00, 0x9FFF));
        break;  // CJK
      case 6:
        utf8_append(s, in(0xAC00, 0xD7A3));
        break;  // Hangul
      case 7:
        utf8_append(s, in(0x0E00, 0x0E5B));
        break;  // Thai
      case 8:
        utf8_append(s, in(0x80, 0xFF));
        break;  // Latin-1: looks like raw bytes
      case 9:
        utf8_append(s, in('0', '9'));
        break;
      case 10:
        utf8_append(s, in(0x21, 0x7E));
        break;
      default: {  // anything valid, including controls, private use and astral planes
        uint32_t cp;
        do {
          cp = in(0, 0x10FFFF);
        } while ((cp >= 0xD800 && cp <= 0xDFFF) || cp == 0x2581);  // ▁ is SentencePiece's space
        utf8_append(s, cp);
      }
    }
  }

  std::mt19937 rng_;
};

void check_round_trips(const Tokenizer& t, uint32_t seed) {
  UnicodeCorpus corpus(seed);
  for (int i = 0; i < 300; ++i) {
    std::string s = corpus.next();
    ASSERT_TRUE(valid_utf8(s));
    for (bool add_special : {false, true}) {
      std::vector<int32_t> ids = t.encode(s, add_special, false);
      for (int32_t id : ids) {
        ASSERT_TRUE(id >= 0 && id < t.vocab_size());
        if (!add_special) {
          ASSERT_FALSE(t.is_control(id)) << "control token " << id;
        }
      }
      std::string whole = t.decode(ids);
      ASSERT_EQ(whole, s) << "case " << i << (add_special ? " with specials" : "");

      StreamDecoder stream(t, false, /*text_start=*/true);
      std::string streamed;
      for (int32_t id : ids) {
        std::string chunk = stream.push(id);
        ASSERT_TRUE(valid_utf8(chunk)) << "stream emitted part of a character, case " << i;
        streamed += chunk;
      }
      streamed += stream.flush();
      ASSERT_EQ(streamed, whole) << "case " << i;
    }
  }
}

TEST(TokenizerRoundTrip, SentencePiece) {
  check_round_trips(testing::spm_tokenizer(), 1);
}
TEST(TokenizerRoundTrip, Llama3) {
  check_round_trips(testing::llama3_tokenizer(), 2);
}
TEST(TokenizerRoundTrip, Qwen2) {
  check_round_trips(testing::qwen2_tokenizer(), 3);
}
TEST(TokenizerRoundTrip, Stories) {
  check_round_trips(testing::stories_tokenizer(), 4);
}

TEST(StreamDecoder, HoldsBackSplitCharacters) {
  // Llama 3 spells "😀" (F0 9F 98 80) as two tokens; the first alone is half a character.
  const Tokenizer& t = testing::llama3_tokenizer();
  std::vector<int32_t> ids = t.encode("\xF0\x9F\x98\x80", false, false);
  ASSERT_GE(ids.size(), 2u);
  StreamDecoder stream(t);
  EXPECT_EQ(stream.push(ids[0]), "");
  std::string rest;
  for (size_t i = 1; i < ids.size(); ++i) rest += stream.push(ids[i]);
  EXPECT_EQ(rest, "\xF0\x9F\x98\x80");
  EXPECT_EQ(stream.flush(), "");
}

TEST(StreamDecoder, FlushReturnsAnUnfinishedCharacter) {
  const Tokenizer& t = testing::llama3_tokenizer();
  std::vector<int32_t> ids = t.encode("\xF0\x9F\x98\x80", false, false);
  StreamDecoder stream(t);
  EXPECT_EQ(stream.push(ids[0]), "");
  EXPECT_EQ(stream.flush(), t.token_piece(ids[0]));
  EXPECT_FALSE(stream.flush().empty() && t.token_piece(ids[0]).empty());
}

TEST(StreamDecoder, ContinuationKeepsLeadingSpace) {
  const Tokenizer& t = testing::spm_tokenizer();
  std::vector<int32_t> ids = t.encode("Hello world", false, false);
  StreamDecoder continuation(t);
  std::string text;
  for (int32_t id : ids) text += continuation.push(id);
  EXPECT_EQ(text, " Hello world");
  EXPECT_EQ(t.decode(ids), "Hello world");
}

TEST(Tokenizer, ConcurrentEncodingAgrees) {
  const Tokenizer& t = testing::qwen2_tokenizer();
  UnicodeCorpus corpus(7);
  std::vector<std::string> texts;
  for (int i = 0; i < 100; ++i) texts.push_back(corpus.next());
  std::vector<std::vector<int32_t>> expected;
  for (const std::string& s : texts) expected.push_back(t.encode(s, true, true));
  std::vector<int> mismatches(2, 0);
  std::vector<std::thread> threads;
  for (int k = 0; k < 2; ++k) {
    threads.emplace_back([&, k] {
      Tokenizer copy = t;  // copies share the same immutable state
      for (size_t i = 0; i < texts.size(); ++i) {
        if (copy.encode(texts[i], true, true) != expected[i]) ++mismatches[k];
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(mismatches[0] + mismatches[1], 0);
}

}  // namespace
}  // namespace slimllm
