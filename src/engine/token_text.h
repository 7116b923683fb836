// What the generation loop needs from a vocabulary: which tokens end a generation and the text
// of each token as it streams. Kept narrow so the loop can be tested with a hand-made vocabulary.
#pragma once

#include <cstdint>
#include <string>

namespace slimllm {

class TokenText {
 public:
  virtual ~TokenText() = default;
  virtual bool is_end_of_generation(int32_t id) const = 0;
  // Text that became complete with this token (may be empty while a character is split).
  virtual std::string push(int32_t id) = 0;
  // Text still held back at the end of the stream.
  virtual std::string flush() = 0;
  // The bytes of one token on its own, control tokens spelled out (for log-probability reports).
  virtual std::string token_text(int32_t id) const = 0;
};

}  // namespace slimllm
