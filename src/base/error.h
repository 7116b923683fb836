// The one error type slimllm throws. Messages speak to the operator: what failed, on what, and
// (where it helps) what to do. Entry points (main, HTTP handlers) catch it; nothing else should.
#pragma once

#include <stdexcept>
#include <string>

#include "base/strings.h"

namespace slimllm {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// Throws an Error whose message is the arguments streamed together.
template <typename... Args>
[[noreturn]] void fail(const Args&... args) {
  throw Error(str_cat(args...));
}

}  // namespace slimllm
