// Errors of the model store that the server answers with a specific status: a name or digest that
// is not acceptable (400), a registry host the operator has not allowed (403), a model or blob that
// is not there (404), a registry that cannot be reached (502) or a store without room (507).
// Everything else is a plain Error (500).
#pragma once

#include <string>

#include "base/error.h"

namespace slimllm {

class StoreError : public Error {
 public:
  enum class Kind { kInvalid, kNotFound, kForbidden, kUnreachable, kNoSpace };
  StoreError(Kind kind, const std::string& message) : Error(message), kind_(kind) {}
  Kind kind() const { return kind_; }
  // The HTTP status the server answers with.
  int status() const {
    switch (kind_) {
      case Kind::kInvalid: return 400;
      case Kind::kNotFound: return 404;
      case Kind::kForbidden: return 403;
      case Kind::kUnreachable: return 502;
      case Kind::kNoSpace: return 507;
    }
    return 500;
  }

 private:
  Kind kind_;
};

[[noreturn]] inline void fail_invalid(const std::string& message) {
  throw StoreError(StoreError::Kind::kInvalid, message);
}
[[noreturn]] inline void fail_not_found(const std::string& message) {
  throw StoreError(StoreError::Kind::kNotFound, message);
}
[[noreturn]] inline void fail_forbidden(const std::string& message) {
  throw StoreError(StoreError::Kind::kForbidden, message);
}
[[noreturn]] inline void fail_unreachable(const std::string& message) {
  throw StoreError(StoreError::Kind::kUnreachable, message);
}
[[noreturn]] inline void fail_no_space(const std::string& message) {
  throw StoreError(StoreError::Kind::kNoSpace, message);
}

}  // namespace slimllm
