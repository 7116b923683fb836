// An Error that carries the HTTP status the server answers it with (Ollama's api.StatusError).
#pragma once

#include <string>

#include "base/error.h"

namespace slimllm {

class ApiError : public Error {
 public:
  ApiError(int status, const std::string& message) : Error(message), status_(status) {}
  int status() const { return status_; }

 private:
  int status_;
};

[[noreturn]] inline void fail_status(int status, const std::string& message) {
  throw ApiError(status, message);
}

}  // namespace slimllm
