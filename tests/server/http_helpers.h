// Small HTTP helpers the server tests share: POST a JSON body, split an NDJSON stream.
#pragma once

#include <httplib.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/strings.h"
#include "test_server.h"

namespace slimllm::testing {

inline httplib::Result post(const TestServer& s, const std::string& path,
                            const nlohmann::json& body) {
  return s.client().Post(path, body.dump(), "application/json");
}

// The objects of an NDJSON body, one per non-empty line.
inline std::vector<nlohmann::json> ndjson(const std::string& body) {
  std::vector<nlohmann::json> lines;
  for (const std::string& line : str_split(body, '\n')) {
    if (!line.empty()) lines.push_back(nlohmann::json::parse(line));
  }
  return lines;
}

}  // namespace slimllm::testing
