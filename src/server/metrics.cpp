#include "server/metrics.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>

#include "base/strings.h"
#include "server/server.h"

namespace slimllm {
namespace {

// Seconds until the first piece: a warm tiny model answers in tens of milliseconds, a cold load
// from network storage can take a minute.
const std::vector<double> kFirstTokenBuckets = {0.025, 0.05, 0.1, 0.25, 0.5, 1,
                                                2.5,   5,    10,  20,   30,  60};
// Tokens per second of the decode phase: a few for 7B models on small CPUs, thousands for tiny
// test models.
const std::vector<double> kSpeedBuckets = {1, 2, 5, 10, 20, 30, 50, 100, 200, 500, 1000, 5000};
// Seconds to load a model: page-cache hits are sub-second, cold reads of GBs from NFS are minutes.
const std::vector<double> kLoadBuckets = {0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300};

// The shortest text that reads back as the same double ("0.1", not "0.10000000000000001").
std::string format_number(double v) {
  if (v == static_cast<double>(static_cast<int64_t>(v)) && std::abs(v) < 1e15) {
    return str_printf("%lld", static_cast<long long>(v));
  }
  for (int precision = 1; precision < 17; ++precision) {
    std::string text = str_printf("%.*g", precision, v);
    if (std::strtod(text.c_str(), nullptr) == v) return text;
  }
  return str_printf("%.17g", v);
}

std::string model_label(const std::string& model) {
  return str_cat("model=\"", escape_label_value(model), "\"");
}

void header(std::string& out, const char* name, const char* type, const char* help) {
  out += str_cat("# HELP ", name, " ", help, "\n# TYPE ", name, " ", type, "\n");
}

void per_model(std::string& out, const char* name, const char* type, const char* help,
               const std::map<std::string, uint64_t>& values) {
  header(out, name, type, help);
  for (const auto& [model, v] : values)
    out += str_cat(name, "{", model_label(model), "} ", v, "\n");
}

void histograms(std::string& out, const char* name, const char* help,
                const std::map<std::string, Histogram>& values) {
  header(out, name, "histogram", help);
  for (const auto& [model, h] : values) h.render(out, name, model_label(model));
}

void observe(std::map<std::string, Histogram>& family, const std::vector<double>& bounds,
             const std::string& model, double value) {
  auto it = family.find(model);
  if (it == family.end()) it = family.emplace(model, Histogram(bounds)).first;
  it->second.observe(value);
}

}  // namespace

std::string escape_label_value(const std::string& value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), counts_(bounds_.size() + 1, 0) {}

void Histogram::observe(double value) {
  // Prometheus buckets are inclusive upper bounds (le).
  size_t i = std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin();
  counts_[i]++;
  sum_ += value;
  count_++;
}

void Histogram::render(std::string& out, const std::string& name, const std::string& labels) const {
  std::string prefix = labels.empty() ? "" : labels + ",";
  uint64_t cumulative = 0;
  for (size_t i = 0; i < bounds_.size(); ++i) {
    cumulative += counts_[i];
    out += str_cat(name, "_bucket{", prefix, "le=\"", format_number(bounds_[i]), "\"} ", cumulative,
                   "\n");
  }
  cumulative += counts_.back();
  out += str_cat(name, "_bucket{", prefix, "le=\"+Inf\"} ", cumulative, "\n");
  std::string braces = labels.empty() ? "" : str_cat("{", labels, "}");
  out += str_cat(name, "_sum", braces, " ", format_number(sum_), "\n");
  out += str_cat(name, "_count", braces, " ", count_, "\n");
}

Metrics::Metrics() {
  auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
  start_time_seconds_ =
      static_cast<double>(
          std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch).count()) /
      1000.0;
}

void Metrics::count_request(const std::string& route, const std::string& method, int status) {
  std::lock_guard lock(mutex_);
  requests_[{route, method, status}]++;
}

void Metrics::add_tokens(const std::string& model, int64_t prompt_tokens,
                         int64_t generated_tokens) {
  std::lock_guard lock(mutex_);
  prompt_tokens_[model] += static_cast<uint64_t>(std::max<int64_t>(prompt_tokens, 0));
  generated_tokens_[model] += static_cast<uint64_t>(std::max<int64_t>(generated_tokens, 0));
}

void Metrics::add_prompt_cache_hit(const std::string& model, int64_t tokens) {
  if (tokens <= 0) return;
  std::lock_guard lock(mutex_);
  cache_hits_[model] += 1;
  cache_tokens_[model] += static_cast<uint64_t>(tokens);
}

void Metrics::observe_first_token(const std::string& model, double seconds) {
  std::lock_guard lock(mutex_);
  observe(first_token_, kFirstTokenBuckets, model, seconds);
}

void Metrics::observe_generation_speed(const std::string& model, double tokens_per_second) {
  std::lock_guard lock(mutex_);
  observe(speed_, kSpeedBuckets, model, tokens_per_second);
}

void Metrics::observe_load(const std::string& model, double seconds) {
  std::lock_guard lock(mutex_);
  observe(load_, kLoadBuckets, model, seconds);
}

void Metrics::add_pull_bytes(const std::string& model, uint64_t bytes) {
  std::lock_guard lock(mutex_);
  pull_bytes_[model] += bytes;
}

namespace {

// The continuous-batching counters of the models whose runner batches (engine/step_loop.h).
void batching(std::string& out, const std::vector<ModelActivity>& activity) {
  auto each = [&](const char* name, const char* type, const char* help, auto value) {
    header(out, name, type, help);
    for (const ModelActivity& a : activity) {
      if (a.batch) out += str_cat(name, "{", model_label(a.name), "} ", value(*a.batch), "\n");
    }
  };
  each("slimllm_sequences_running", "gauge", "Sequences generating in a model's batch.",
       [](const BatchStats& b) { return b.running; });
  each("slimllm_sequences_waiting", "gauge",
       "Generations admitted but waiting for room in the model's KV budget.",
       [](const BatchStats& b) { return b.waiting; });
  each("slimllm_kv_cache_bytes", "gauge",
       "KV cache held now (running sequences and cached idle ones).",
       [](const BatchStats& b) { return b.kv_bytes; });
  each("slimllm_kv_cache_budget_bytes", "gauge", "The most KV cache the model may hold.",
       [](const BatchStats& b) { return b.kv_budget_bytes; });
  each("slimllm_batch_tokens_total", "counter", "Tokens carried by batched forward passes.",
       [](const BatchStats& b) { return b.step_tokens; });
  header(out, "slimllm_batch_sequences", "histogram",
         "Sequences advanced by each batched forward pass (step).");
  for (const ModelActivity& a : activity) {
    if (!a.batch) continue;
    const BatchStats& b = *a.batch;
    const std::string labels = model_label(a.name);
    uint64_t cumulative = 0;
    for (size_t i = 0; i < std::size(BatchStats::kBucketBounds); ++i) {
      cumulative += b.sequences_per_step[i];
      out += str_cat("slimllm_batch_sequences_bucket{", labels, ",le=\"",
                     BatchStats::kBucketBounds[i], "\"} ", cumulative, "\n");
    }
    out += str_cat("slimllm_batch_sequences_bucket{", labels, ",le=\"+Inf\"} ", b.steps, "\n");
    out += str_cat("slimllm_batch_sequences_sum{", labels, "} ", b.step_sequences, "\n");
    out += str_cat("slimllm_batch_sequences_count{", labels, "} ", b.steps, "\n");
  }
}

}  // namespace

std::string Metrics::render(const std::vector<ModelActivity>& activity, bool draining) const {
  std::string out;
  header(out, "slimllm_build_info", "gauge",
         "Always 1; the labels carry slimllm's version and the Ollama API version it speaks.");
  out += str_cat("slimllm_build_info{version=\"", kSlimllmVersion, "\",ollama_version=\"",
                 kOllamaCompatVersion, "\"} 1\n");
  header(out, "slimllm_draining", "gauge",
         "1 after SIGTERM while in-flight generations finish, else 0.");
  out += str_cat("slimllm_draining ", draining ? 1 : 0, "\n");

  header(out, "slimllm_requests_in_flight", "gauge",
         "Requests holding a generation slot on a model.");
  for (const ModelActivity& a : activity) {
    out += str_cat("slimllm_requests_in_flight{", model_label(a.name), "} ", a.active, "\n");
  }
  header(out, "slimllm_requests_queued", "gauge",
         "Requests waiting for a slot on a model or for it to load.");
  for (const ModelActivity& a : activity) {
    out += str_cat("slimllm_requests_queued{", model_label(a.name), "} ", a.queued, "\n");
  }
  int loaded = 0;
  for (const ModelActivity& a : activity) loaded += a.loaded ? 1 : 0;
  header(out, "slimllm_models_loaded", "gauge", "Models loaded in memory.");
  out += str_cat("slimllm_models_loaded ", loaded, "\n");
  header(out, "slimllm_model_memory_bytes", "gauge",
         "Memory a loaded model holds: weights, KV cache and scratch.");
  for (const ModelActivity& a : activity) {
    if (a.loaded) {
      out +=
          str_cat("slimllm_model_memory_bytes{", model_label(a.name), "} ", a.memory_bytes, "\n");
    }
  }

  batching(out, activity);

  std::lock_guard lock(mutex_);
  header(out, "slimllm_process_start_time_seconds", "gauge",
         "Start time of the server since the Unix epoch, in seconds.");
  out += str_cat("slimllm_process_start_time_seconds ", format_number(start_time_seconds_), "\n");
  header(out, "slimllm_http_requests_total", "counter",
         "Answered HTTP requests by route pattern, method and status.");
  for (const auto& [key, n] : requests_) {
    const auto& [route, method, status] = key;
    out +=
        str_cat("slimllm_http_requests_total{route=\"", escape_label_value(route), "\",method=\"",
                escape_label_value(method), "\",status=\"", status, "\"} ", n, "\n");
  }
  per_model(out, "slimllm_prompt_tokens_total", "counter", "Prompt tokens evaluated.",
            prompt_tokens_);
  per_model(out, "slimllm_prompt_cache_hits_total", "counter",
            "Generations that reused a cached prompt prefix.", cache_hits_);
  per_model(out, "slimllm_prompt_cache_tokens_total", "counter",
            "Prompt tokens reused from a cache instead of evaluated.", cache_tokens_);
  per_model(out, "slimllm_generated_tokens_total", "counter", "Tokens generated.",
            generated_tokens_);
  histograms(out, "slimllm_time_to_first_token_seconds",
             "Seconds from a generate or chat request's arrival to its first generated piece.",
             first_token_);
  histograms(out, "slimllm_generation_tokens_per_second",
             "Decode speed of each finished generation, generated tokens per second.", speed_);
  histograms(out, "slimllm_model_load_seconds", "Seconds to load a model into memory.", load_);
  per_model(out, "slimllm_pull_bytes_total", "counter", "Bytes of model blobs received by pulls.",
            pull_bytes_);
  return out;
}

}  // namespace slimllm
