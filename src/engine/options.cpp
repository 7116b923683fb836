#include "engine/options.h"

#include <charconv>
#include <cmath>

#include "base/error.h"
#include "base/strings.h"

namespace slimllm {
namespace {

const std::vector<std::string_view> kIgnored = {
    "mirostat", "mirostat_tau", "mirostat_eta", "penalize_newline", "numa",
    "low_vram", "f16_kv",       "logits_all",   "vocab_only",       "use_mlock",
    "tfs_z",    "num_gpu",      "main_gpu",     "draft_num_predict"};

int64_t parse_int(std::string_view key, std::string_view text) {
  text = str_trim(text);
  int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) {
    // Ollama accepts a float for an int option when it is whole ("64.0").
    double d = 0;
    auto [fend, fec] = std::from_chars(text.data(), text.data() + text.size(), d);
    if (fec == std::errc() && fend == text.data() + text.size() && d == std::floor(d) &&
        std::abs(d) < 9e15) {
      return static_cast<int64_t>(d);
    }
    fail("invalid value for option ", key, ": '", text, "' is not an integer");
  }
  return v;
}

int32_t parse_int32(std::string_view key, std::string_view text) {
  const int64_t v = parse_int(key, text);
  if (v < INT32_MIN || v > INT32_MAX)
    fail("invalid value for option ", key, ": ", v, " is out of range");
  return static_cast<int32_t>(v);
}

float parse_float(std::string_view key, std::string_view text) {
  text = str_trim(text);
  double v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(v)) {
    fail("invalid value for option ", key, ": '", text, "' is not a number");
  }
  return static_cast<float>(v);
}

bool parse_bool(std::string_view key, std::string_view text) {
  const std::string t = str_lower(str_trim(text));
  if (t == "true" || t == "1") return true;
  if (t == "false" || t == "0") return false;
  fail("invalid value for option ", key, ": '", text, "' is not true or false");
}

}  // namespace

const std::vector<std::string_view>& option_names() {
  static const std::vector<std::string_view> kNames = {
      "num_ctx",           "num_batch",     "num_thread",     "use_mmap",
      "num_keep",          "num_predict",   "stop",           "shift",
      "temperature",       "top_k",         "top_p",          "min_p",
      "typical_p",         "repeat_last_n", "repeat_penalty", "presence_penalty",
      "frequency_penalty", "seed"};
  return kNames;
}

void set_option(GenerateOptions& o, std::string_view key, std::string_view value) {
  SamplerConfig& s = o.sampling;
  if (key == "num_ctx") {
    o.num_ctx = parse_int32(key, value);
  } else if (key == "num_batch") {
    o.num_batch = parse_int32(key, value);
  } else if (key == "num_thread") {
    o.num_thread = parse_int32(key, value);
  } else if (key == "use_mmap") {
    o.use_mmap = parse_bool(key, value);
  } else if (key == "num_keep") {
    o.num_keep = parse_int32(key, value);
  } else if (key == "num_predict") {
    o.num_predict = parse_int32(key, value);
  } else if (key == "stop") {
    o.stop.emplace_back(value);
  } else if (key == "shift") {
    o.shift = parse_bool(key, value);
  } else if (key == "temperature") {
    s.temperature = parse_float(key, value);
  } else if (key == "top_k") {
    s.top_k = parse_int32(key, value);
  } else if (key == "top_p") {
    s.top_p = parse_float(key, value);
  } else if (key == "min_p") {
    s.min_p = parse_float(key, value);
  } else if (key == "typical_p") {
    s.typical_p = parse_float(key, value);
  } else if (key == "repeat_last_n") {
    s.repeat_last_n = parse_int32(key, value);
  } else if (key == "repeat_penalty") {
    s.repeat_penalty = parse_float(key, value);
  } else if (key == "presence_penalty") {
    s.presence_penalty = parse_float(key, value);
  } else if (key == "frequency_penalty") {
    s.frequency_penalty = parse_float(key, value);
  } else if (key == "seed") {
    s.seed = parse_int(key, value);
  } else {
    for (std::string_view ignored : kIgnored) {
      if (key == ignored) return;
    }
    fail("unknown option '", key, "'");
  }
}

}  // namespace slimllm
