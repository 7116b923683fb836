// Small HTTP helpers the server tests share: POST a JSON body, split an NDJSON stream, check an
// error answer, upload a blob.
#pragma once

#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/sha256.h"
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

// An answer of `status` whose body is exactly Ollama's {"error": message}.
inline void expect_error(const httplib::Result& res, int status, const std::string& message) {
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, status) << res->body;
  EXPECT_EQ(res->body, "{\"error\":" + nlohmann::json(message).dump() + "}");
}

// Uploads `data` to /api/blobs; returns its digest ("sha256:...") and the upload's status in
// `status` when asked.
inline std::string upload_blob(httplib::Client& c, const std::string& data,
                               int* status = nullptr) {
  const std::string digest = "sha256:" + Sha256::hex(data);
  auto res = c.Post(("/api/blobs/" + digest).c_str(), data, "application/octet-stream");
  if (status != nullptr) *status = res ? res->status : -1;
  return digest;
}

}  // namespace slimllm::testing
