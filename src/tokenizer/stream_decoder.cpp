#include "tokenizer/tokenizer.h"
#include "tokenizer/utf8.h"

namespace slimllm {

StreamDecoder::StreamDecoder(const Tokenizer& tokenizer, bool render_special, bool text_start)
    : tokenizer_(tokenizer), render_special_(render_special), strip_space_(text_start) {}

std::string StreamDecoder::push(int32_t id) {
  std::string_view piece = tokenizer_.piece_view(id, render_special_);
  if (strip_space_ && !piece.empty()) {
    // Only the first text-bearing token can carry the encoder's prefix space (as in decode()).
    if (piece[0] == ' ' && tokenizer_.strips_leading_space()) piece.remove_prefix(1);
    strip_space_ = false;
  }
  pending_.append(piece);
  size_t hold = utf8_incomplete_tail(pending_);
  if (hold == 0) {
    std::string ready;
    ready.swap(pending_);
    return ready;
  }
  std::string ready = pending_.substr(0, pending_.size() - hold);
  pending_.erase(0, pending_.size() - hold);
  return ready;
}

std::string StreamDecoder::flush() {
  std::string rest;
  rest.swap(pending_);
  return rest;
}

}  // namespace slimllm
