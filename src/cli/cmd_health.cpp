// `slimllm health [--url URL] [--model NAME] [--max-seconds 30]`: the checks, exit codes and
// summary block of deploy/scripts/health-check.sh (keep the two identical in shape), through
// Ollama's API only, so it also checks an Ollama server:
//   1. API reachable      GET /api/version (falls back to GET /, "Ollama is running")
//   2. model available    POST /api/show
//   3. inference          POST /api/generate, stream false, a few tokens, within --max-seconds
// Exit codes: 0 healthy, 1 API unreachable, 2 model not available, 3 inference failed (also a
// model the server cannot read), 4 slower than the limit, 64 bad usage.
#include <httplib.h>

#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <vector>

#include "api/client.h"
#include "api/host.h"
#include "base/clock.h"
#include "base/strings.h"
#include "cli/commands.h"

namespace slimllm {
namespace {

constexpr int kHealthy = 0, kUnreachable = 1, kNoModel = 2, kInferenceFailed = 3, kTooSlow = 4,
              kUsage = 64;

struct HealthOptions {
  std::string url;
  std::string model;
  std::string max_seconds = "30";
};

class Summary {
 public:
  explicit Summary(std::string url) : url_(std::move(url)) {}
  void pass(const std::string& line) {
    lines_.push_back("[PASS] " + line);
    passed_++;
  }
  void fail(const std::string& line) {
    lines_.push_back("[FAIL] " + line);
    failed_++;
  }
  void skip(const std::string& line) { lines_.push_back("[SKIP] " + line); }
  [[noreturn]] void finish(int code) const {
    std::printf("=== slimllm health: %s ===\n", url_.c_str());
    for (const std::string& line : lines_) std::printf("%s\n", line.c_str());
    std::printf("Passed: %d  Failed: %d\n", passed_, failed_);
    std::printf("%s\n", code == kHealthy ? "HEALTH: OK" : "HEALTH: FAIL");
    std::fflush(stdout);
    std::exit(code);
  }

 private:
  std::string url_;
  std::vector<std::string> lines_;
  int passed_ = 0, failed_ = 0;
};

// The top-level "error" text of a JSON body, or "".
std::string error_of(const std::string& body) {
  nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_object() && j.contains("error") && j["error"].is_string())
    return j["error"].get<std::string>();
  return "";
}

std::string with_detail(int status, const std::string& body) {
  std::string detail = error_of(body);
  return str_cat("HTTP ", status, detail.empty() ? "" : ": " + detail);
}

void set_timeout(httplib::Client& http, double seconds) {
  auto whole = static_cast<time_t>(seconds);
  auto micros = static_cast<time_t>((seconds - static_cast<double>(whole)) * 1e6);
  if (whole == 0 && micros == 0) micros = 1;
  http.set_read_timeout(whole, micros);
  http.set_write_timeout(whole, micros);
}

[[noreturn]] void run_health(const HealthOptions& o) {
  static const std::regex kPositive(R"(^[0-9]+([.][0-9]+)?$)");
  static const std::regex kZero(R"(^0+([.]0*)?$)");
  if (!std::regex_match(o.max_seconds, kPositive) || std::regex_match(o.max_seconds, kZero)) {
    std::fprintf(stderr, "slimllm health: --max-seconds must be a positive number, got '%s'\n",
                 o.max_seconds.c_str());
    std::exit(kUsage);
  }
  const double max_seconds = std::strtod(o.max_seconds.c_str(), nullptr);

  HostAddress address;
  std::string shown;
  if (o.url.empty()) {
    address = host_from_env();
    shown = address.url();
  } else {
    address = parse_ollama_host(o.url);
    shown = o.url;
  }
  while (!shown.empty() && shown.back() == '/') shown.pop_back();
  std::string prefix = address.path.empty() ? "" : "/" + address.path;
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  HostAddress origin = address;
  origin.path.clear();

  httplib::Client http(origin.url());
  http.set_connection_timeout(5);
  http.set_default_headers(api::client_headers("slimllm-health/0.1.0"));
  set_timeout(http, 10);
  Summary summary(shown);

  // 1. API reachable.
  auto version = http.Get(prefix + "/api/version");
  nlohmann::json v =
      version ? nlohmann::json::parse(version->body, nullptr, false) : nlohmann::json();
  if (version && version->status == 200 && v.is_object() && v.contains("version")) {
    std::string text =
        v["version"].is_string() ? v["version"].get<std::string>() : v["version"].dump();
    summary.pass(str_cat("API reachable: ", shown, " (version ", text, ")"));
  } else {
    auto root = http.Get(prefix + "/");
    if (root && root->status == 200 && root->body.find("Ollama is running") != std::string::npos) {
      summary.pass(str_cat("API reachable: ", shown));
    } else {
      if (!root) {
        summary.fail(str_cat("API reachable: no answer from ", shown));
      } else {
        summary.fail(str_cat("API reachable: ", shown, " answered HTTP ", root->status));
      }
      summary.skip("model available: API unreachable");
      summary.skip("inference: API unreachable");
      summary.finish(kUnreachable);
    }
  }

  if (o.model.empty()) {
    summary.skip("model available: no --model given");
    summary.skip("inference: no --model given");
    summary.finish(kHealthy);
  }

  // 2. Model available. 404 (or 400 for a bad name): not in the store; 5xx: there but the
  // server cannot read it, an inference failure.
  nlohmann::json show_body = {{"model", o.model}};
  auto show = http.Post(prefix + "/api/show", show_body.dump(), "application/json");
  if (show && show->status == 200) {
    summary.pass("model available: " + o.model);
  } else if (!show) {
    summary.fail(str_cat("model available: no answer from ", shown, "/api/show"));
    summary.skip("inference: model check failed");
    summary.finish(kUnreachable);
  } else if (show->status >= 500) {
    std::string detail = error_of(show->body);
    summary.fail(str_cat("model available: ", o.model, " is in the store but unreadable (HTTP ",
                         show->status, detail.empty() ? "" : ": " + detail, ")"));
    summary.skip("inference: the model cannot be loaded");
    summary.finish(kInferenceFailed);
  } else {
    summary.fail(
        str_cat("model available: ", o.model, " (", with_detail(show->status, show->body), ")"));
    summary.skip("inference: model not available");
    summary.finish(kNoModel);
  }

  // 3. A short generation within the limit; the read time-out is the limit, so a hung server
  // ends as "slower than the limit" instead of blocking the probe.
  nlohmann::json generate_body = {{"model", o.model},
                                  {"prompt", "Say hello."},
                                  {"stream", false},
                                  {"options", {{"num_predict", 8}, {"temperature", 0}}}};
  set_timeout(http, max_seconds);
  const int64_t start = now_ns();
  auto generated = http.Post(prefix + "/api/generate", generate_body.dump(), "application/json");
  // The limit is compared in nanoseconds: a tiny model answers in under a millisecond, and a
  // time rounded down to 0 ms would pass any limit.
  const int64_t elapsed_ns = now_ns() - start;
  const int64_t elapsed_ms = elapsed_ns / 1'000'000;
  const std::string elapsed = str_printf("%lld.%02lld", static_cast<long long>(elapsed_ms / 1000),
                                         static_cast<long long>(elapsed_ms % 1000 / 10));
  if (!generated) {
    httplib::Error error = generated.error();
    bool timed_out = error == httplib::Error::Read || error == httplib::Error::Write ||
                     error == httplib::Error::ConnectionTimeout;
    if (timed_out && static_cast<double>(elapsed_ms) >= max_seconds * 1000 - 1) {
      summary.fail(str_cat("inference: no answer within ", o.max_seconds, "s"));
      summary.finish(kTooSlow);
    }
    summary.fail(str_cat("inference: connection failed (", httplib::to_string(error), ")"));
    summary.finish(kInferenceFailed);
  }
  if (generated->status != 200) {
    summary.fail("inference: " + with_detail(generated->status, generated->body));
    summary.finish(kInferenceFailed);
  }
  nlohmann::json answer = nlohmann::json::parse(generated->body, nullptr, false);
  std::string error = error_of(generated->body);
  if (!error.empty()) {
    summary.fail("inference: " + error);
    summary.finish(kInferenceFailed);
  }
  if (!answer.is_object() || !answer.contains("response") || answer.value("done", false) != true) {
    summary.fail("inference: the answer is not a finished generation");
    summary.finish(kInferenceFailed);
  }
  std::string tokens = "?";
  if (answer.contains("eval_count") && answer["eval_count"].is_number_integer())
    tokens = std::to_string(answer["eval_count"].get<int64_t>());
  if (static_cast<double>(elapsed_ns) > max_seconds * 1e9) {
    summary.fail(str_cat("inference: ", tokens, " tokens in ", elapsed, "s, slower than the ",
                         o.max_seconds, "s limit"));
    summary.finish(kTooSlow);
  }
  summary.pass(
      str_cat("inference: ", tokens, " tokens in ", elapsed, "s (limit ", o.max_seconds, "s)"));
  summary.finish(kHealthy);
}

}  // namespace

void add_health_command(CLI::App& app) {
  auto options = std::make_shared<HealthOptions>();
  if (const char* model = std::getenv("HEALTH_MODEL")) options->model = model;
  auto* health = app.add_subcommand(
      "health", "Check a server: API, model, a short generation (exit 0 healthy, 1-4 failures)");
  health->footer(
      "Exit codes: 0 healthy, 1 API unreachable, 2 model not available, 3 inference failed, 4 "
      "slower than --max-seconds, 64 bad usage. Works against slimllm and Ollama.");
  health->add_option("--url", options->url, "Server URL (default from OLLAMA_HOST)");
  health->add_option("--model", options->model,
                     "Model to check (default $HEALTH_MODEL; without one only the API is checked)");
  health->add_option("--max-seconds", options->max_seconds,
                     "Time limit for the generation, in decimal seconds (default 30)");
  health->callback([options] { run_health(*options); });
}

}  // namespace slimllm
