#include "api/openai_common.h"

#include <chrono>
#include <random>

#include "api/api_error.h"
#include "base/strings.h"

namespace slimllm::api::openai {

void bad_request(const std::string& message) {
  fail_status(400, message);
}

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string random_id(const char* prefix, int below) {
  static thread_local std::mt19937 rng{std::random_device{}()};
  return str_cat(prefix, std::uniform_int_distribution<int>(0, below - 1)(rng));
}

}  // namespace slimllm::api::openai
