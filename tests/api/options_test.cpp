#include <gtest/gtest.h>

#include "api/api_error.h"
#include "api/options.h"
#include "base/log.h"
#include "store/go_json.h"

namespace slimllm {
namespace {

std::string error_of(const nlohmann::json& options) {
  try {
    validate_options(options);
  } catch (const ApiError& e) {
    EXPECT_EQ(e.status(), 400);
    return e.what();
  }
  return "no error";
}

TEST(Options, RejectsWrongTypesWithOllamasText) {
  EXPECT_EQ(error_of({{"temperature", "hot"}}), "option \"temperature\" must be of type float32");
  EXPECT_EQ(error_of({{"num_ctx", "big"}}), "option \"num_ctx\" must be of type integer");
  EXPECT_EQ(error_of({{"use_mmap", 1}}), "option \"use_mmap\" must be of type boolean");
  EXPECT_EQ(error_of({{"stop", "x"}}), "option \"stop\" must be of type array");
  EXPECT_EQ(error_of({{"stop", {1}}}), "option \"stop\" must be of type array");
}

TEST(Options, WarnsAboutUnknownKeysAndIgnoresRemovedOnes) {
  std::vector<std::string> lines;
  log_set_sink([&](LogLevel, const std::string& line) { lines.push_back(line); });
  nlohmann::json out =
      validate_options({{"bogus", 1}, {"mirostat", 2}, {"top_k", 5}, {"temperature", 0.7}});
  log_set_sink(nullptr);
  EXPECT_EQ(out, (nlohmann::json{{"top_k", 5}, {"temperature", 0.7}}));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("msg=\"invalid option provided\" option=bogus"), std::string::npos);
}

TEST(Options, TypesModelfileParameters) {
  EXPECT_EQ(parse_parameter("stop", {"<a>", "<b>"}), (nlohmann::json{"<a>", "<b>"}));
  EXPECT_EQ(parse_parameter("num_ctx", {"2048"}), 2048);
  EXPECT_EQ(go_json(parse_parameter("temperature", {"0.7"})), "0.7");
  EXPECT_EQ(go_json(parse_parameter("temperature", {"1"})), "1");
  EXPECT_EQ(parse_parameter("use_mmap", {"false"}), false);
  EXPECT_THROW(parse_parameter("num_ctx", {"x"}), ApiError);
  try {
    parse_parameter("nope", {"1"});
    FAIL();
  } catch (const ApiError& e) {
    EXPECT_STREQ(e.what(), "unknown parameter 'nope'");
  }
}

TEST(Options, MergesDefaultsModelAndRequest) {
  Options o = Options::defaults(2048);
  EXPECT_EQ(o.num_ctx, 2048);
  EXPECT_FLOAT_EQ(o.temperature, 0.8f);
  o.apply({{"stop", {"a"}}, {"temperature", 0.1}});
  o.apply({{"stop", {"b", "c"}}, {"num_predict", 7}});
  EXPECT_EQ(o.stop, (std::vector<std::string>{"b", "c"}));
  EXPECT_FLOAT_EQ(o.temperature, 0.1f);
  EXPECT_EQ(o.num_predict, 7);
}

TEST(Options, FormatsShowParameters) {
  std::string text = format_parameters({{"stop", {"<|a|>", "b"}}, {"temperature", 0.7}});
  EXPECT_EQ(text,
            "stop                           \"<|a|>\"\n"
            "stop                           \"b\"\n"
            "temperature                    0.7");
}

}  // namespace
}  // namespace slimllm
