// Times the matmul of each kernel variant per weight type on Llama-3.2-1B-, Qwen-2.5-3B- and
// Gemma-3-1B-shaped matrices (and Llama's and Gemma's output matrices alone: llama1b-out,
// gemma1b-out), against the scalar reference and against the memory read bandwidth measured in the
// same run.
//
// GEMV (decode, n = 1): one pass over every matrix of enough layers to exceed the caches (as a
// decode step reads every weight once); reported as GB/s of weights and % of the bandwidth.
// GEMM (prompt, n = 32..512): one layer's matrices; reported as GOPS (2 ops per multiply-add)
// and as the prompt tokens/s the matrices alone would allow for the whole model.
// Decode steps (--decode 1,2,4,8): n tokens, one per sequence of a batched step, against the
// GEMV's layers; reported as ms per whole-model step and as the cost of a step against one
// token's (step_vs_1: 1.0 = the n tokens for the price of one).
// Attention: a causal n-token prompt over the F16 cache, per layer and per whole prompt.
//
// Usage: bench_kernels [--threads 1,2] [--models llama1b,qwen3b] [--types Q8_0,Q4_K,...]
//                      [--gemm 32,128,512] [--decode-mib 768] [--reps 3] [--attention 512]
//                      [--no-ref] [--variants avx2,avxvnni,avx512,amx] [--decode 1,2,4,8]
// GEMM lines give the median (gops) and the best repetition (best_gops): on a shared machine
// the best is the steadier figure for comparing two builds of one kernel.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <time.h>

#include "base/bandwidth.h"
#include "base/clock.h"
#include "base/thread_pool.h"
#include "kernels/dispatch.h"
#include "kernels/x86/x86_kernels.h"
#include "tensor/dtype.h"
#include "tensor/half.h"
#include "tensor/quantize.h"

namespace slimllm {
namespace {

struct Shape {
  const char* name;
  int64_t rows, cols;
};

struct ModelShape {
  const char* name;
  int layers;
  std::vector<Shape> matrices;  // one layer
  int64_t n_head, n_head_kv, head_dim;
};

// Per-layer matrices: attention q, k, v, o and the FFN gate, up, down.
const ModelShape kModels[] = {
    {"llama1b",
     16,
     {{"q", 2048, 2048},
      {"k", 512, 2048},
      {"v", 512, 2048},
      {"o", 2048, 2048},
      {"gate", 8192, 2048},
      {"up", 8192, 2048},
      {"down", 2048, 8192}},
     32,
     8,
     64},
    {"qwen3b",
     36,
     {{"q", 2048, 2048},
      {"k", 256, 2048},
      {"v", 256, 2048},
      {"o", 2048, 2048},
      {"gate", 11008, 2048},
      {"up", 11008, 2048},
      {"down", 2048, 11008}},
     16,
     2,
     128},
    // Gemma 3 1B: rows of 1152 (36 Q8_0 blocks) against Llama's 2048 (64).
    {"gemma1b",
     26,
     {{"q", 1024, 1152},
      {"k", 256, 1152},
      {"v", 256, 1152},
      {"o", 1152, 1024},
      {"gate", 6912, 1152},
      {"up", 6912, 1152},
      {"down", 1152, 6912}},
     4,
     1,
     256},
    // The tied output matrices alone (one "layer"): Gemma 3's 262,144 rows of 1152 against
    // Llama 3.2's 128,256 rows of 2048. Use with --attention 0.
    {"gemma1b-out", 1, {{"out", 262144, 1152}}, 4, 1, 256},
    {"llama1b-out", 1, {{"out", 128256, 2048}}, 32, 8, 64},
};

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t comma = s.find(',', start);
    if (comma == std::string::npos) comma = s.size();
    if (comma > start) out.push_back(s.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

// A matrix of `type` filled with properly quantized rows (a few distinct ones, repeated: the
// contents do not change the speed, and quantizing a whole model here would take minutes).
struct Matrix {
  std::vector<uint8_t> data;
  WeightView view;
};

Matrix make_matrix(DType type, int64_t rows, int64_t cols, uint32_t seed) {
  constexpr int64_t kDistinct = 8;
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 0.02f);
  const size_t rb = row_bytes(type, cols);
  std::vector<uint8_t> distinct(rb * kDistinct);
  std::vector<float> values(cols);
  for (int64_t r = 0; r < kDistinct; ++r) {
    for (float& v : values) v = normal(rng);
    quantize(type, values.data(), distinct.data() + r * rb, cols);
  }
  Matrix m;
  m.data.resize(rb * rows);
  for (int64_t r = 0; r < rows; ++r) {
    std::memcpy(m.data.data() + r * rb, distinct.data() + (r % kDistinct) * rb, rb);
  }
  m.view = {type, rows, cols, m.data.data()};
  return m;
}

struct Variant {
  const char* name;
  const KernelTable* table;
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double process_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// CPU seconds of the last time_it() call: on a machine shared with other work, wall time
// includes time the scheduler gave to others; with one thread, CPU time does not.
double g_cpu_seconds = 0;
// Fastest repetition of the last time_it() call (the bandwidth figure is also a best-of).
double g_best_seconds = 0;

// Seconds for one call of fn, median of `reps` after one warm-up.
template <typename F>
double time_it(int reps, F&& fn) {
  fn();
  std::vector<double> t, cpu;
  for (int i = 0; i < reps; ++i) {
    const double cpu_start = process_cpu_seconds();
    int64_t start = now_ns();
    fn();
    t.push_back(static_cast<double>(now_ns() - start) * 1e-9);
    cpu.push_back(process_cpu_seconds() - cpu_start);
  }
  g_cpu_seconds = median(cpu);
  g_best_seconds = *std::min_element(t.begin(), t.end());
  return median(t);
}

// Causal attention of an n-token prompt over an F16 cache of n cells, one layer.
void bench_attention(const ModelShape& model, int64_t n, const std::vector<Variant>& variants,
                     ThreadPool& pool, int reps) {
  const int64_t stride = model.n_head_kv * model.head_dim;
  std::mt19937 rng(3);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<uint16_t> k(n * stride), v(n * stride);
  for (size_t i = 0; i < k.size(); ++i) {
    k[i] = f32_to_f16(normal(rng));
    v[i] = f32_to_f16(normal(rng));
  }
  std::vector<float> q(n * model.n_head * model.head_dim), out(q.size());
  for (float& x : q) x = normal(rng);
  std::vector<const uint16_t*> kc(n, k.data()), vc(n, v.data());
  std::vector<int32_t> visible(n);
  for (int64_t t = 0; t < n; ++t) visible[t] = static_cast<int32_t>(t + 1);
  AttentionArgs a;
  a.q = q.data();
  a.out = out.data();
  a.k_cells = kc.data();
  a.v_cells = vc.data();
  a.n_visible = visible.data();
  a.n_tokens = n;
  a.n_head = model.n_head;
  a.n_head_kv = model.n_head_kv;
  a.head_dim = model.head_dim;
  a.cell_stride = stride;
  a.scale = 1.0f / std::sqrt(static_cast<float>(model.head_dim));
  for (const Variant& var : variants) {
    const bool is_ref = std::strcmp(var.table->name, "generic") == 0;
    const double sec = time_it(is_ref ? 1 : reps, [&] { var.table->attention(a, &pool); });
    std::printf(
        "model=%s threads=%d variant=%s op=attention n=%lld ms_per_layer=%.2f "
        "ms_per_prompt=%.1f\n",
        model.name, pool.size(), var.name, static_cast<long long>(n), sec * 1e3,
        sec * 1e3 * model.layers);
    std::fflush(stdout);
  }
}

struct Options {
  std::vector<int> threads = {1, 2};
  std::vector<std::string> models = {"llama1b", "qwen3b"};
  std::vector<std::string> types = {"Q8_0", "Q4_0", "Q4_K", "Q5_K", "Q6_K", "F16", "BF16", "F32"};
  std::vector<int64_t> gemm = {32, 128, 512};
  int64_t decode_mib = 768;
  std::vector<int64_t> decode;  // tokens of the batched decode steps; empty = skip
  int reps = 3;
  bool ref = true;
  std::vector<std::string> variants;  // empty: every variant the CPU runs
  int64_t attention = 512;  // prompt length of the attention benchmark; 0 = skip
};

void bench_model(const ModelShape& model, DType type, const std::vector<Variant>& variants,
                 ThreadPool& pool, double bandwidth, const Options& opt) {
  const char* tname = dtype_name(type).data();
  // Decode: enough layers to exceed the caches.
  int64_t layer_bytes = 0, layer_macs = 0;
  for (const Shape& s : model.matrices) {
    layer_bytes += static_cast<int64_t>(row_bytes(type, s.cols)) * s.rows;
    layer_macs += s.rows * s.cols;
  }
  const int layers = static_cast<int>(
      std::clamp<int64_t>((opt.decode_mib << 20) / layer_bytes + 1, 1, model.layers));
  std::vector<Matrix> mats;
  int64_t max_rows = 0, max_cols = 0;
  for (int l = 0; l < layers; ++l) {
    for (const Shape& s : model.matrices) {
      mats.push_back(make_matrix(type, s.rows, s.cols, static_cast<uint32_t>(mats.size())));
      max_rows = std::max(max_rows, s.rows);
      max_cols = std::max(max_cols, s.cols);
    }
  }
  int64_t max_n = *std::max_element(opt.gemm.begin(), opt.gemm.end());
  for (int64_t n : opt.decode) max_n = std::max(max_n, n);
  std::vector<float> x(static_cast<size_t>(max_n * max_cols));
  std::mt19937 rng(7);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (float& v : x) v = normal(rng);
  std::vector<float> y(static_cast<size_t>(max_n * max_rows));
  size_t scratch_bytes = 0;
  for (const Variant& v : variants) {
    scratch_bytes = std::max(scratch_bytes, v.table->matmul_scratch_bytes(type, max_cols, max_n));
  }
  std::vector<uint8_t> scratch(scratch_bytes);
  Scratch s{scratch.data(), scratch.size()};

  for (const Variant& v : variants) {
    const bool is_ref = std::strcmp(v.table->name, "generic") == 0;
    // The reference is slow: one layer, one repetition.
    const size_t count = is_ref ? model.matrices.size() : mats.size();
    const double sec = time_it(is_ref ? 1 : opt.reps, [&] {
      for (size_t i = 0; i < count; ++i)
        v.table->matmul(mats[i].view, x.data(), 1, y.data(), s, &pool);
    });
    const double bytes = static_cast<double>(layer_bytes) * static_cast<double>(count) /
                         static_cast<double>(model.matrices.size());
    const double gbs = bytes / sec * 1e-9;
    const double best = bytes / g_best_seconds * 1e-9;
    // bandwidth_percent: best repetition against the best bandwidth repetition, both measured
    // in this run; the median GB/s is the figure to quote as a speed.
    std::printf(
        "model=%s type=%s threads=%d variant=%s op=gemv n=1 layers=%zu gb_per_s=%.2f "
        "best_gb_per_s=%.2f bandwidth_percent=%.1f model_tokens_per_s=%.2f cpu_gb_per_s=%.2f\n",
        model.name, tname, pool.size(), v.name, count / model.matrices.size(), gbs, best,
        100.0 * best / bandwidth, gbs * 1e9 / (static_cast<double>(layer_bytes) * model.layers),
        bytes / g_cpu_seconds * 1e-9 * pool.size());
    std::fflush(stdout);
  }
  for (const Variant& v : variants) {
    if (std::strcmp(v.table->name, "generic") == 0) continue;
    double one = 0.0;
    for (int64_t n : opt.decode) {
      const double sec = time_it(opt.reps, [&] {
        for (const Matrix& m : mats) v.table->matmul(m.view, x.data(), n, y.data(), s, &pool);
      });
      const double step_ms = sec * 1e3 * model.layers * static_cast<double>(model.matrices.size()) /
                             static_cast<double>(mats.size());
      if (n == 1) one = step_ms;
      std::printf(
          "model=%s type=%s threads=%d variant=%s op=decode n=%lld step_ms=%.2f "
          "step_vs_1=%.2f tokens_per_s=%.1f\n",
          model.name, tname, pool.size(), v.name, static_cast<long long>(n), step_ms,
          one > 0.0 ? step_ms / one : 0.0, static_cast<double>(n) * 1e3 / step_ms);
      std::fflush(stdout);
    }
  }
  for (int64_t n : opt.gemm) {
    for (const Variant& v : variants) {
      const bool is_ref = std::strcmp(v.table->name, "generic") == 0;
      if (is_ref && n > 32) continue;  // minutes per call; the n=32 figure gives the ratio
      const double sec = time_it(is_ref ? 1 : opt.reps, [&] {
        for (size_t i = 0; i < model.matrices.size(); ++i)
          v.table->matmul(mats[i].view, x.data(), n, y.data(), s, &pool);
      });
      const double gops = 2.0 * static_cast<double>(layer_macs) * n / sec * 1e-9;
      std::printf(
          "model=%s type=%s threads=%d variant=%s op=gemm n=%lld gops=%.1f best_gops=%.1f "
          "model_tokens_per_s=%.1f cpu_gops=%.1f\n",
          model.name, tname, pool.size(), v.name, static_cast<long long>(n), gops,
          2.0 * static_cast<double>(layer_macs) * n / g_best_seconds * 1e-9,
          static_cast<double>(n) / (sec * model.layers),
          2.0 * static_cast<double>(layer_macs) * n / g_cpu_seconds * 1e-9 * pool.size());
      std::fflush(stdout);
    }
  }
}

}  // namespace
}  // namespace slimllm

int main(int argc, char** argv) {
  using namespace slimllm;
  Options opt;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--threads") {
      opt.threads.clear();
      for (auto& t : split(next())) opt.threads.push_back(std::max(1, std::atoi(t.c_str())));
    } else if (a == "--models") {
      opt.models = split(next());
    } else if (a == "--types") {
      opt.types = split(next());
    } else if (a == "--gemm") {
      opt.gemm.clear();
      for (auto& t : split(next())) opt.gemm.push_back(std::max(1, std::atoi(t.c_str())));
    } else if (a == "--decode-mib") {
      opt.decode_mib = std::max(1, std::atoi(next().c_str()));
    } else if (a == "--reps") {
      opt.reps = std::max(1, std::atoi(next().c_str()));
    } else if (a == "--attention") {
      opt.attention = std::max(0, std::atoi(next().c_str()));
    } else if (a == "--no-ref") {
      opt.ref = false;
    } else if (a == "--decode") {
      for (auto& t : split(next())) opt.decode.push_back(std::max(1, std::atoi(t.c_str())));
    } else if (a == "--variants") {
      opt.variants = split(next());
    } else {
      std::fprintf(stderr,
                   "usage: bench_kernels [--threads 1,2] [--models llama1b,qwen3b] "
                   "[--types Q8_0,Q4_K,...] [--gemm 32,128,512] [--decode-mib 768] [--reps 3] "
                   "[--attention 512] [--no-ref] [--variants avx2,avxvnni,avx512,amx] "
                   "[--decode 1,2,4,8]\n");
      return 2;
    }
  }
  if (opt.gemm.empty()) opt.gemm.push_back(1);
  std::vector<Variant> variants;
  if (opt.ref) variants.push_back({"generic", &reference_kernels()});
  const auto wanted = [&](const char* name) {
    return opt.variants.empty() ||
           std::find(opt.variants.begin(), opt.variants.end(), name) != opt.variants.end();
  };
  if (avx2_kernels_supported() && wanted("avx2")) variants.push_back({"avx2", &avx2_kernels()});
  if (avxvnni_kernels_supported() && wanted("avxvnni")) {
    variants.push_back({"avxvnni", &avxvnni_kernels()});
  }
  if (avx512_kernels_supported() && wanted("avx512")) {
    variants.push_back({"avx512", &avx512_kernels()});
  }
  if (amx_kernels_supported() && wanted("amx")) variants.push_back({"amx", &amx_kernels()});
  for (int threads : opt.threads) {
    ThreadPool pool(threads);
    const BandwidthResult bw = measure_read_bandwidth(pool, size_t{512} << 20, 5);
    std::printf("threads=%d read_bandwidth_gb_per_s=%.2f median=%.2f\n", threads, bw.gb_per_s,
                bw.median_gb_per_s);
    std::fflush(stdout);
    for (const ModelShape& model : kModels) {
      if (std::find(opt.models.begin(), opt.models.end(), model.name) == opt.models.end()) continue;
      if (opt.attention > 0) bench_attention(model, opt.attention, variants, pool, opt.reps);
      for (const std::string& tname : opt.types) {
        auto type = dtype_from_name(tname);
        if (!type) {
          std::fprintf(stderr, "unknown type %s\n", tname.c_str());
          return 2;
        }
        bench_model(model, *type, variants, pool, bw.gb_per_s, opt);
      }
    }
  }
  return 0;
}
