// Errors of the model store that the server answers with a specific status: a name or digest that
// is not acceptable (400) or a model or blob that is not there (404). Everything else is a plain
// Error (500).
#pragma once

#include <string>

#include "base/error.h"

namespace slimllm {

class StoreError : public Error {
 public:
  enum class Kind { kInvalid, kNotFound };
  StoreError(Kind kind, const std::string& message) : Error(message), kind_(kind) {}
  Kind kind() const { return kind_; }

 private:
  Kind kind_;
};

[[noreturn]] inline void fail_invalid(const std::string& message) {
  throw StoreError(StoreError::Kind::kInvalid, message);
}
[[noreturn]] inline void fail_not_found(const std::string& message) {
  throw StoreError(StoreError::Kind::kNotFound, message);
}

}  // namespace slimllm
