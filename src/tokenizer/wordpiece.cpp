#include "tokenizer/wordpiece.h"

#include <algorithm>

#include "base/error.h"
#include "tokenizer/unicode_nfd.h"
#include "tokenizer/unicode_props.h"
#include "tokenizer/utf8.h"

namespace slimllm {
namespace {

constexpr std::string_view kWordStart = "\xE2\x96\x81";  // U+2581
constexpr std::string_view kContinuation = "##";

// The characters llama.cpp's pre-tokenizers treat as whitespace (regex \s): the separators and
// the ASCII and Latin-1 line breaks and tabs.
bool is_whitespace(uint32_t cp) {
  switch (cp) {
    case 0x09:
    case 0x0A:
    case 0x0B:
    case 0x0C:
    case 0x0D:
    case 0x20:
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
      return true;
    default:
      return cp >= 0x2000 && cp <= 0x200A;
  }
}

bool is_control(uint32_t cp, UnicodeCategory category) {
  // Unassigned code points (Cn) are kept: a newer Unicode may have given them a meaning.
  return cp == 0 || cp == 0xFFFD || category == UnicodeCategory::kCc ||
         category == UnicodeCategory::kCf || category == UnicodeCategory::kCo ||
         category == UnicodeCategory::kCs;
}

// The CJK ideograph blocks BERT puts spaces around (its _is_chinese_char). The 0x2B920 start
// copies Hugging Face's Rust tokenizer (the Python one says 0x2B820), as llama.cpp does.
bool is_cjk_ideograph(uint32_t cp) {
  return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
         (cp >= 0x20000 && cp <= 0x2A6DF) || (cp >= 0x2A700 && cp <= 0x2B73F) ||
         (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B920 && cp <= 0x2CEAF) ||
         (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
}

}  // namespace

std::vector<std::string> bert_words(std::string_view text) {
  std::vector<uint32_t> code_points;
  code_points.reserve(text.size());
  for (size_t pos = 0; pos < text.size();) code_points.push_back(utf8_decode(text, pos));

  std::vector<std::string> words;
  std::string word;
  auto finish = [&] {
    if (!word.empty()) words.push_back(std::move(word));
    word.clear();
  };
  for (uint32_t cp : unicode_nfd(code_points)) {
    if (is_whitespace(cp)) {
      finish();
      continue;
    }
    UnicodeCategory category = unicode_category(cp);
    // Accent stripping: what NFD split off a letter is a non-spacing mark.
    if (category == UnicodeCategory::kMn || is_control(cp, category)) continue;
    uint32_t lower = unicode_to_lower(cp);
    if (is_punctuation(category) || (cp < 0x7F && is_symbol(category)) || is_cjk_ideograph(cp)) {
      finish();
      utf8_append(word, lower);
      finish();
    } else {
      utf8_append(word, lower);
    }
  }
  finish();
  return words;
}

WordPieceEncoder::WordPieceEncoder(const Vocab& vocab) {
  if (!vocab.valid(vocab.unknown))
    fail("the bert vocabulary has no valid unknown token (tokenizer.ggml.unknown_token_id)");
  for (const std::string& text : vocab.texts)
    max_piece_bytes_ = std::max(max_piece_bytes_, text.size());
}

void WordPieceEncoder::encode(const Vocab& vocab, std::string_view text,
                              std::vector<int32_t>& out) const {
  for (const std::string& word : bert_words(text)) encode_word(vocab, word, out);
}

void WordPieceEncoder::encode_word(const Vocab& vocab, std::string_view word,
                                   std::vector<int32_t>& out) const {
  const size_t first_token = out.size();
  std::string key;
  size_t at = 0;
  while (at < word.size()) {
    // The key spelling of word[at, end): "▁" before a word's first piece, or "##" before the
    // others, depending on the vocabulary.
    std::string_view marker = vocab.hash_continuations
                                  ? (at > 0 ? kContinuation : std::string_view())
                                  : (at == 0 ? kWordStart : std::string_view());
    size_t longest = std::min(word.size() - at, max_piece_bytes_);
    int32_t id = -1;
    size_t end = at + longest;
    for (; end > at; --end) {
      // Pieces are whole characters; a cut inside one can never match.
      if (end < word.size() && utf8_is_continuation(static_cast<uint8_t>(word[end]))) continue;
      key.assign(marker).append(word.substr(at, end - at));
      id = vocab.normal_id(key);
      if (id >= 0) break;
    }
    if (id < 0) {
      out.resize(first_token);
      out.push_back(vocab.unknown);
      return;
    }
    out.push_back(id);
    at = end;
  }
}

}  // namespace slimllm
