// Test helper: the llama.cpp reference files under tests/data/tokenizer/ (made by
// tools/tokenizer_reference/), each read once per process, and gtest names for their entries.
#pragma once

#include <gtest/gtest.h>

#include <cctype>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tokenizer/tokenizer.h"

namespace slimllm::testing {

// tests/data/tokenizer/<name> parsed; a missing file fails the test and reads as an empty object.
inline const nlohmann::json& tokenizer_reference(const std::string& name) {
  static std::map<std::string, nlohmann::json> loaded;
  auto it = loaded.find(name);
  if (it == loaded.end()) {
    std::ifstream in(std::string(SLIMLLM_DATA) + "/tokenizer/" + name);
    EXPECT_TRUE(in) << "tests/data/tokenizer/" << name << " is missing";
    it = loaded.emplace(name, in ? nlohmann::json::parse(in) : nlohmann::json::object()).first;
  }
  return it->second;
}

// The names a reference file gives ids for (the keys of its "ids" object).
inline std::vector<std::string> reference_names(const nlohmann::json& reference) {
  std::vector<std::string> names;
  for (const auto& [name, ids] : reference["ids"].items()) names.push_back(name);
  return names;
}

// A gtest parameter name for a vocabulary or pre-tokenizer name ("deepseek-v3" → deepseek_v3).
inline std::string param_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = info.param;
  for (char& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return name;
}

// Expects every string of `strings` to encode (no special tokens added or parsed) to its ids in
// `expected`, naming the ones that differ after `label`; returns how many matched.
inline size_t expect_reference_ids(const Tokenizer& tokenizer, const nlohmann::json& strings,
                                   const nlohmann::json& expected, const std::string& label) {
  EXPECT_EQ(expected.size(), strings.size()) << label;
  size_t matched = 0;
  for (size_t i = 0; i < strings.size() && i < expected.size(); ++i) {
    const std::string text = strings[i].get<std::string>();
    const std::vector<int32_t> want = expected[i].get<std::vector<int32_t>>();
    const std::vector<int32_t> got = tokenizer.encode(text, false, false);
    if (got == want) {
      ++matched;
    } else {
      EXPECT_EQ(got, want) << label << "\"" << text << "\"";
    }
  }
  return matched;
}

}  // namespace slimllm::testing
