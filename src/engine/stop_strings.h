// Holds generated text back while it might be the start of a stop string, so a stop string never
// reaches the client, not even partly, and releases it as soon as it cannot be one.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace slimllm {

class StopStrings {
 public:
  explicit StopStrings(std::vector<std::string> stops);

  struct Result {
    std::string text;      // safe to send now
    bool stopped = false;  // a stop string appeared; `text` is everything before it
  };
  Result push(std::string_view text);
  // What is still held back, when generation ends for another reason.
  std::string flush();

 private:
  std::vector<std::string> stops_;  // empty strings removed
  std::string pending_;
};

}  // namespace slimllm
