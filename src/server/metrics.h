// The server's Prometheus metrics (text exposition format 0.0.4), every name prefixed slimllm_:
// counters and histograms fed by the routes, gauges read from the scheduler when scraped.
// docs/metrics.md lists each metric; keep the two in step.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

#include "engine/scheduler.h"

namespace slimllm {

// slimllm's own version (build info); kOllamaCompatVersion is the API version it answers with.
inline constexpr const char* kSlimllmVersion = "0.1.0";

// Cumulative buckets with fixed upper bounds; +Inf is implicit.
class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void observe(double value);
  // The _bucket/_sum/_count lines of one series; `labels` is the rendered label set without braces
  // ("" or `model="x"`).
  void render(std::string& out, const std::string& name, const std::string& labels) const;

 private:
  std::vector<double> bounds_;
  std::vector<uint64_t> counts_;  // per bucket, not cumulative; the last is +Inf
  double sum_ = 0;
  uint64_t count_ = 0;
};

class Metrics {
 public:
  Metrics();

  // One answered HTTP request; `route` is the registered pattern (label_for_route()).
  void count_request(const std::string& route, const std::string& method, int status);
  void add_tokens(const std::string& model, int64_t prompt_tokens, int64_t generated_tokens);
  // A generation that reused `tokens` (> 0) of its prompt from a slot's cache.
  void add_prompt_cache_hit(const std::string& model, int64_t tokens);
  void observe_first_token(const std::string& model, double seconds);
  void observe_generation_speed(const std::string& model, double tokens_per_second);
  void observe_load(const std::string& model, double seconds);
  // Bytes of a model's blobs received by a pull (the transfer code calls this as bytes arrive).
  void add_pull_bytes(const std::string& model, uint64_t bytes);

  // The whole exposition: this object's series plus the gauges from `activity` (Scheduler).
  std::string render(const std::vector<ModelActivity>& activity, bool draining) const;

 private:
  mutable std::mutex mutex_;
  double start_time_seconds_;
  std::map<std::tuple<std::string, std::string, int>, uint64_t> requests_;
  std::map<std::string, uint64_t> prompt_tokens_, generated_tokens_, pull_bytes_, cache_hits_,
      cache_tokens_;
  std::map<std::string, Histogram> first_token_, speed_, load_;
};

// A label value escaped as the exposition format asks (backslash, double quote, newline).
std::string escape_label_value(const std::string& value);

}  // namespace slimllm
