#include "tokenizer/unigram.h"

#include <algorithm>
#include <cfloat>
#include <limits>

#include "base/error.h"
#include "gguf/reader.h"
#include "tokenizer/utf8.h"

namespace slimllm {
namespace {

constexpr std::string_view kSpaceMarker = "\xE2\x96\x81";  // U+2581
// How much less likely than the rarest piece an unknown character is (SentencePiece's
// kUnkPenalty).
constexpr double kUnknownPenalty = 10.0;

}  // namespace

UnigramEncoder::UnigramEncoder(const GgufFile& file, const Vocab& vocab) {
  if (!vocab.valid(vocab.unknown))
    fail("the t5 vocabulary has no valid unknown token (tokenizer.ggml.unknown_token_id)");
  if (const GgufValue* value = file.find("tokenizer.ggml.precompiled_charsmap")) {
    if (!value->is_array() ||
        (value->element_type() != GgufType::kUint8 && value->element_type() != GgufType::kInt8))
      fail("tokenizer.ggml.precompiled_charsmap must be an array of bytes");
    std::string_view blob(reinterpret_cast<const char*>(value->raw_data()), value->size());
    if (!blob.empty()) charsmap_ = Charsmap(blob);
  }

  double min_score = std::numeric_limits<double>::max();
  trie_.emplace_back();
  for (int32_t id = 0; id < vocab.size(); ++id) {
    TokenType type = vocab.types[id];
    if (type == TokenType::kNormal || type == TokenType::kUndefined)
      min_score = std::min<double>(min_score, vocab.scores[id]);
    bool usable = type == TokenType::kNormal || type == TokenType::kUndefined ||
                  type == TokenType::kUserDefined || type == TokenType::kUnused;
    if (!usable || vocab.texts[id].empty()) continue;
    int32_t node = 0;
    for (char c : vocab.texts[id]) {
      int32_t next = child(node, static_cast<uint8_t>(c));
      if (next < 0) {
        next = static_cast<int32_t>(trie_.size());
        trie_[node].children.emplace_back(static_cast<uint8_t>(c), next);
        trie_.emplace_back();
      }
      node = next;
    }
    if (trie_[node].token < 0) trie_[node].token = id;  // a repeated text keeps its first id
  }
  if (min_score == std::numeric_limits<double>::max()) min_score = 0;
  unknown_score_ = min_score - kUnknownPenalty;
}

int32_t UnigramEncoder::child(int32_t node, uint8_t byte) const {
  for (const auto& [b, next] : trie_[node].children) {
    if (b == byte) return next;
  }
  return -1;
}

std::string UnigramEncoder::normalize(const Vocab& vocab, std::string_view text) const {
  // Rules first, then spaces, in one pass as llama.cpp does: with merging, every run of
  // non-spaces gets one ▁ in front (so the first one too, whatever add_space_prefix says) and
  // spaces themselves vanish; without, the first run may get a prefix ▁ and every space is ▁.
  const bool merge = vocab.remove_extra_whitespaces;
  std::string out;
  out.reserve(text.size() * 3 / 2 + 3);
  bool prefix_done = false, in_word = false;
  auto emit = [&](std::string_view replacement) {
    for (char c : replacement) {
      if (c == ' ') {
        in_word = false;
        if (!merge) out += kSpaceMarker;
        continue;
      }
      if (!in_word) {
        in_word = true;
        if ((vocab.add_space_prefix && !prefix_done) || merge) out += kSpaceMarker;
        prefix_done = true;
      }
      out += c;
    }
  };
  for (size_t at = 0; at < text.size();) {
    Charsmap::Match match = charsmap_.longest_prefix(text.substr(at));
    if (match.length > 0) {
      emit(match.replacement);
      at += match.length;
      continue;
    }
    size_t start = at;
    uint32_t cp = utf8_decode(text, at);
    if (cp == 0xFFFD && !(text.substr(start).starts_with("\xEF\xBF\xBD"))) {
      emit("\xEF\xBF\xBD");  // a malformed byte reads as U+FFFD, as SentencePiece does
    } else {
      emit(text.substr(start, at - start));
    }
  }
  return out;
}

void UnigramEncoder::encode(const Vocab& vocab, std::string_view text,
                            std::vector<int32_t>& out) const {
  const std::string normalized = normalize(vocab, text);
  const size_t n = normalized.size();
  if (n == 0) return;

  // best[end]: the highest-scoring segmentation of normalized[0, end), by its last piece.
  struct Best {
    double score = -DBL_MAX;
    size_t start = 0;
    int32_t token = -1;  // -1: an unknown character
  };
  std::vector<Best> best(n + 1);
  best[0].score = 0;
  for (size_t at = 0; at < n;) {
    size_t char_length =
        std::min(utf8_sequence_length(static_cast<uint8_t>(normalized[at])), n - at);
    if (best[at].score == -DBL_MAX) {
      at += char_length;
      continue;
    }
    bool covers_char = false;
    int32_t node = 0;
    for (size_t end = at; end < n;) {
      node = child(node, static_cast<uint8_t>(normalized[end]));
      if (node < 0) break;
      ++end;
      int32_t token = trie_[node].token;
      if (token < 0) continue;
      if (end - at == char_length) covers_char = true;
      // User-defined pieces score 0: they must win where they match.
      double score = vocab.types[token] == TokenType::kUserDefined ? 0.0 : vocab.scores[token];
      double total = best[at].score + score;
      if (total > best[end].score) best[end] = {total, at, token};
    }
    if (!covers_char) {
      double total = best[at].score + unknown_score_;
      size_t end = at + char_length;
      if (total > best[end].score) best[end] = {total, at, -1};
    }
    at += char_length;
  }

  // Walk back from the end, then emit in order.
  std::vector<std::pair<size_t, size_t>> spans;  // [start, end) of each piece
  for (size_t end = n; end > 0; end = best[end].start) spans.emplace_back(best[end].start, end);
  std::reverse(spans.begin(), spans.end());
  bool previous_unknown = false;
  for (const auto& [start, end] : spans) {
    int32_t token = best[end].token;
    if (token >= 0) {
      out.push_back(token);
      previous_unknown = false;
      continue;
    }
    if (!previous_unknown) out.push_back(vocab.unknown);
    previous_unknown = true;
  }
}

}  // namespace slimllm
