#include "tokenizer/special_tokens.h"

#include <algorithm>

namespace slimllm {

SpecialTokenSplitter::SpecialTokenSplitter(const Vocab& vocab) {
  std::vector<int32_t> specials;
  for (int32_t id = 0; id < vocab.size(); ++id) {
    TokenType type = vocab.types[id];
    bool special = type == TokenType::kControl || type == TokenType::kUnknown ||
                   type == TokenType::kUserDefined;
    if (special && !vocab.texts[id].empty()) specials.push_back(id);
  }
  std::stable_sort(specials.begin(), specials.end(), [&](int32_t a, int32_t b) {
    return vocab.texts[a].size() > vocab.texts[b].size();
  });
  strip_ = vocab.strip;
  strip_.resize(vocab.size(), 0);
  priority_.assign(vocab.size(), -1);
  always_.assign(vocab.size(), 0);
  length_.assign(vocab.size(), 0);
  nodes_.emplace_back();
  for (size_t rank = 0; rank < specials.size(); ++rank) {
    int32_t id = specials[rank];
    priority_[id] = static_cast<int32_t>(rank);
    length_[id] = static_cast<uint32_t>(vocab.texts[id].size());
    if (vocab.types[id] == TokenType::kUserDefined) {
      always_[id] = 1;
      has_always_ = true;
    }
    int32_t node = 0;
    for (char c : vocab.texts[id]) {
      int32_t next = child(node, static_cast<uint8_t>(c));
      if (next < 0) {
        next = static_cast<int32_t>(nodes_.size());
        nodes_[node].children.emplace_back(static_cast<uint8_t>(c), next);
        nodes_.emplace_back();
      }
      node = next;
    }
    if (nodes_[node].token < 0) nodes_[node].token = id;  // a repeated text keeps its first id
  }
}

int32_t SpecialTokenSplitter::child(int32_t node, uint8_t byte) const {
  for (const auto& [b, next] : nodes_[node].children) {
    if (b == byte) return next;
  }
  return -1;
}

std::vector<Fragment> SpecialTokenSplitter::split(std::string_view text, bool parse_special) const {
  std::vector<Fragment> fragments;
  if (text.empty()) return fragments;
  std::vector<Occurrence> found;
  if (parse_special || has_always_) {
    std::vector<uint8_t> starts(256, 0);
    for (const auto& entry : nodes_[0].children) starts[entry.first] = 1;
    for (size_t pos = 0; pos < text.size(); ++pos) {
      if (!starts[static_cast<uint8_t>(text[pos])]) continue;
      int32_t node = 0;
      for (size_t i = pos; i < text.size(); ++i) {
        node = child(node, static_cast<uint8_t>(text[i]));
        if (node < 0) break;
        int32_t token = nodes_[node].token;
        if (token >= 0 && (parse_special || always_[token])) found.push_back({pos, token});
      }
    }
  }
  if (found.empty()) {
    fragments.push_back({0, text.size(), -1});
    return fragments;
  }
  // Longest tokens claim their occurrences first, each left to right without overlaps.
  std::stable_sort(found.begin(), found.end(), [&](const Occurrence& a, const Occurrence& b) {
    return priority_[a.token] < priority_[b.token];
  });
  std::vector<uint8_t> taken(text.size(), 0);
  std::vector<Fragment> claimed;
  for (const Occurrence& occurrence : found) {
    size_t end = occurrence.position + length_[occurrence.token];
    bool free = std::none_of(taken.begin() + occurrence.position, taken.begin() + end,
                             [](uint8_t t) { return t != 0; });
    if (!free) continue;
    std::fill(taken.begin() + occurrence.position, taken.begin() + end, 1);
    claimed.push_back({occurrence.position, end, occurrence.token});
  }
  std::sort(claimed.begin(), claimed.end(),
            [](const Fragment& a, const Fragment& b) { return a.begin < b.begin; });
  // The text between tokens, less the whitespace a token next to it swallows (C isspace, as
  // llama.cpp strips it).
  auto is_space = [&](size_t i) {
    char c = text[i];
    return c == ' ' || (c >= '\t' && c <= '\r');
  };
  size_t at = 0;
  int32_t previous = -1;
  auto add_text = [&](size_t begin, size_t end, int32_t next) {
    if (previous >= 0 && (strip_[previous] & Vocab::kStripRight))
      while (begin < end && is_space(begin)) ++begin;
    if (next >= 0 && (strip_[next] & Vocab::kStripLeft))
      while (end > begin && is_space(end - 1)) --end;
    if (end > begin) fragments.push_back({begin, end, -1});
  };
  for (const Fragment& token : claimed) {
    add_text(at, token.begin, token.token);
    fragments.push_back(token);
    at = token.end;
    previous = token.token;
  }
  add_text(at, text.size(), -1);
  return fragments;
}

}  // namespace slimllm
