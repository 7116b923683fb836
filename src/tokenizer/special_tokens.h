// Finds special-token texts (<|im_start|>, <|eot_id|>, ...) in a prompt so they become single
// tokens, leaving the text between them to the model's encoder. Longer tokens win over shorter
// ones anywhere in the text (every occurrence of the longest is taken before the next length is
// looked at), which is how llama.cpp splits and what models' prompts were tokenized with.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "tokenizer/vocab.h"

namespace slimllm {

struct Fragment {
  size_t begin = 0, end = 0;  // bytes of the text
  int32_t token = -1;         // the special token, or -1 for plain text
};

class SpecialTokenSplitter {
 public:
  // Control and unknown tokens are matched only when parsing specials; user-defined tokens
  // (added words such as Qwen's <tool_call>) are matched always, as the tokenizers do.
  explicit SpecialTokenSplitter(const Vocab& vocab);

  std::vector<Fragment> split(std::string_view text, bool parse_special) const;

 private:
  struct Node {
    std::vector<std::pair<uint8_t, int32_t>> children;  // byte -> node
    int32_t token = -1;
  };
  struct Occurrence {
    size_t position;
    int32_t token;
  };
  int32_t child(int32_t node, uint8_t byte) const;

  std::vector<Node> nodes_;
  // Per token id: its place in the matching order (longer first), or -1 when not special.
  std::vector<int32_t> priority_;
  std::vector<uint8_t> always_;  // per token id: matched even without parse_special
  std::vector<uint32_t> length_;
  std::vector<uint8_t> strip_;  // per token id: Vocab::kStripLeft / kStripRight
  bool has_always_ = false;
};

}  // namespace slimllm
