// `slimllm bench PATH.gguf`: prompt-processing and generation speed of a model file, measured
// in-process, with the machine's memory read bandwidth measured in the same run so generation speed
// can be read as a fraction of its ceiling (every generated token reads every weight once).
// With --format, generation also runs held to a JSON grammar, in alternating rounds with the
// unconstrained runs, to show what structured outputs cost per token.

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iterator>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/bandwidth.h"
#include "base/cgroup.h"
#include "base/clock.h"
#include "base/error.h"
#include "base/strings.h"
#include "base/thread_pool.h"
#include "cli/bench_batch.h"
#include "cli/bench_embed.h"
#include "cli/bench_util.h"
#include "cli/commands.h"
#include "engine/loaded_model.h"
#include "engine/output_constraint.h"
#include "gguf/reader.h"
#include "grammar/grammar.h"
#include "grammar/json_schema.h"
#include "kernels/dispatch.h"
#include "model/model.h"
#include "tokenizer/tokenizer.h"

namespace slimllm {
namespace {

struct BenchOptions {
  std::string path;
  int prompt_tokens = 512;
  int gen_tokens = 128;
  int threads = 0;
  int repetitions = 3;
  bool json = false;
  bool no_bandwidth = false;
  bool mmap = false;   // map the file instead of the default (what the server does: weights_access)
  std::string format;  // "json" (any object) or a JSON schema file; "" ⇒ unconstrained only
  bool mask_every_step = false;  // with format: skip the check of the argmax (the worst case)
  std::string embed;             // "NxL,...": embedding throughput instead (bench_embed.h)
  int batch = 512;               // with embed: tokens per pass (num_batch)
  std::string sequences;         // "1,2,4,8": batched decoding instead (bench_batch.h)
};

// The weights one generated token reads: every layer matrix and the output projection (the
// embedding lookup reads one row), as byte ranges.
std::vector<std::span<const uint8_t>> weights_per_token(const Model& model) {
  std::vector<std::span<const uint8_t>> ranges;
  auto add = [&](const WeightView& w) {
    if (w.empty()) return;
    ranges.emplace_back(static_cast<const uint8_t*>(w.data),
                        static_cast<size_t>(w.rows) * row_bytes(w.type, w.cols));
  };
  const DecoderWeights& weights = model.weights();
  add(weights.output);
  for (const LayerWeights& l : weights.layers) {
    for (const WeightView* w : {&l.wq, &l.wk, &l.wv, &l.wo, &l.w_gate, &l.w_up, &l.w_down}) add(*w);
  }
  return ranges;
}

// Seconds to evaluate `tokens` as one prompt batch from an empty cache.
double time_prompt(const Model& model, const std::vector<int32_t>& tokens, ThreadPool& pool) {
  KvCache kv = model.make_cache(static_cast<int64_t>(tokens.size()), 1);
  ForwardState state = model.make_state(static_cast<int64_t>(tokens.size()), 1);
  std::vector<BatchToken> batch(tokens.size());
  for (size_t i = 0; i < tokens.size(); ++i)
    batch[i] = {tokens[i], static_cast<int32_t>(i), 0, i + 1 == tokens.size()};
  int64_t start = now_ns();
  model.forward(batch, kv, state, &pool);
  return static_cast<double>(now_ns() - start) / 1e9;
}

// The grammar of --format and the vocabulary as it sees it (built as the GGUF runner does).
struct FormatGrammar {
  std::shared_ptr<const grammar::Grammar> grammar;
  std::shared_ptr<const GrammarVocab> vocab;
  double vocab_seconds = 0;  // building the pieces and the trie, once per loaded model
};

FormatGrammar load_format(const std::string& format, const GgufFile& file) {
  FormatGrammar f;
  std::string gbnf;
  if (format == "json") {
    gbnf = grammar::json_object_gbnf();
  } else {
    std::ifstream in(format);
    if (!in) fail("bench: cannot read the JSON schema ", format);
    const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    // ordered_json: the grammar emits properties in the schema's order, as the server does.
    gbnf = grammar::json_schema_gbnf(nlohmann::ordered_json::parse(text));
  }
  f.grammar = grammar::compile_gbnf(gbnf);
  const int64_t start = now_ns();
  const Tokenizer tokenizer = Tokenizer::from_gguf(file);
  const int32_t n = tokenizer.vocab_size();
  std::vector<std::string> pieces(static_cast<size_t>(n));
  std::vector<uint8_t> eog(static_cast<size_t>(n), 0);
  for (int32_t id = 0; id < n; ++id) {
    eog[static_cast<size_t>(id)] = tokenizer.is_end_of_generation(id) ? 1 : 0;
    if (!tokenizer.is_control(id)) pieces[static_cast<size_t>(id)] = tokenizer.token_piece(id);
  }
  f.vocab = std::make_shared<const GrammarVocab>(std::move(pieces), std::move(eog));
  f.vocab_seconds = static_cast<double>(now_ns() - start) / 1e9;
  return f;
}

struct GenerationTime {
  double seconds = 0;       // generating, all tokens (with the grammar's work when constrained)
  double read_seconds = 0;  // the read passes beside them
  // Held to a grammar: the part of `seconds` spent on it.
  double check_seconds = 0;         // allows() and accept(): one walk of the chosen token's bytes
  double mask_seconds = 0;          // when refused: copying the logits, mask() and the argmax again
  std::vector<double> mask_ms;      // each mask's time
  std::vector<double> mask_cpu_ms;  // and this thread's CPU time in it: the same, less the time
                                    // the thread waited for a CPU (on a busy machine, a lot)
  int64_t checks = 0, masks = 0;
  int outputs = 0;  // outputs the grammar completed (each restarts it)
};

double thread_cpu_ms() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) * 1e-6;
}

int32_t argmax(std::span<const float> logits, int64_t vocab) {
  return static_cast<int32_t>(std::max_element(logits.begin(), logits.begin() + vocab) -
                              logits.begin());
}

// Generates `count` tokens greedily, one forward pass each, from an empty cache. With `pass`,
// each token is followed by one read pass over the weights it read (not counted as generating).
// With `format`, the tokens are held to its grammar the way generate() does it: the argmax is
// checked, and only when the grammar refuses it is the vocabulary masked and the argmax taken
// again. An output the grammar ends (an end-of-generation token, or nothing may follow) starts
// the grammar over, in the same sequence, so every run generates `count` tokens.
GenerationTime time_generation(const Model& model, int count, int32_t first, ThreadPool& pool,
                               ReadPass* pass, const FormatGrammar* format = nullptr,
                               bool mask_every_step = false) {
  KvCache kv = model.make_cache(count + 1, 1);
  ForwardState state = model.make_state(1, 1);
  int32_t token = first;
  const int64_t vocab = model.config().n_vocab;
  GenerationTime time;
  std::optional<OutputConstraint> constraint;
  auto restart = [&] {
    if (constraint) {
      time.checks += constraint->counts().checks;
      time.masks += constraint->counts().masks;
    }
    constraint.emplace(format->grammar, format->vocab);
  };
  if (format != nullptr) restart();
  std::vector<float> masked;
  for (int i = 0; i < count; ++i) {
    const int64_t start = now_ns();
    BatchToken t{token, i, 0, true};
    std::span<const float> logits = model.forward({&t, 1}, kv, state, &pool);
    token = argmax(logits, vocab);
    if (constraint) {
      const int64_t check_start = now_ns();
      const bool allowed = !mask_every_step && constraint->allows(token);
      const int64_t check_end = now_ns();
      time.check_seconds += static_cast<double>(check_end - check_start) / 1e9;
      bool stuck = false;  // the grammar allows no token (generate() would end the output)
      if (!allowed) {
        const double cpu_start = thread_cpu_ms();
        masked.assign(logits.begin(), logits.begin() + vocab);
        stuck = !constraint->mask(masked);
        if (!stuck) token = argmax(masked, vocab);
        const double ms = static_cast<double>(now_ns() - check_end) / 1e6;
        time.mask_seconds += ms / 1e3;
        time.mask_ms.push_back(ms);
        time.mask_cpu_ms.push_back(thread_cpu_ms() - cpu_start);
      }
      const int64_t accept_start = now_ns();
      const std::vector<uint8_t>& eog = format->vocab->end_of_generation;
      const bool ends = stuck || (static_cast<size_t>(token) < eog.size() &&
                                  eog[static_cast<size_t>(token)] != 0);
      if (!ends) constraint->accept(token);
      if (ends || constraint->must_end()) {
        ++time.outputs;
        restart();
      }
      time.check_seconds += static_cast<double>(now_ns() - accept_start) / 1e9;
    }
    time.seconds += static_cast<double>(now_ns() - start) / 1e9;
    if (pass != nullptr) time.read_seconds += pass->run(pool);
  }
  if (constraint) {
    time.checks += constraint->counts().checks;
    time.masks += constraint->counts().masks;
  }
  return time;
}

void run_bench(const BenchOptions& options) {
  const int threads = threads_or_available(options.threads);
  ThreadPool pool(threads);
  int64_t load_start = now_ns();
  const FileAccess access =
      weights_access(options.path, options.mmap ? std::optional<bool>(true) : std::nullopt);
  auto file = std::make_shared<const GgufFile>(GgufFile::open(options.path, access, threads));
  std::unique_ptr<Model> model = load_model(file);
  double load_seconds = static_cast<double>(now_ns() - load_start) / 1e9;
  const ModelConfig& config = model->config();
  const std::vector<std::span<const uint8_t>> ranges = weights_per_token(*model);
  uint64_t per_token = 0;
  for (std::span<const uint8_t> r : ranges) per_token += r.size();
  std::optional<FormatGrammar> format;
  if (!options.format.empty() && options.gen_tokens > 0)
    format.emplace(load_format(options.format, *file));

  // Warm-up: fault the mapped weights in and settle the threads.
  time_prompt(*model, random_tokens(std::clamp(options.prompt_tokens, 8, 32), config.n_vocab, 7),
              pool);
  time_generation(*model, 2, 1, pool, nullptr);
  if (format) time_generation(*model, 2, 1, pool, nullptr, &*format);

  // The ceiling of generation is the time the machine takes just to read the weights a token
  // reads. That time moves within seconds as other tenants use the machine's memory, so it is
  // measured beside every token: each generated token is followed by one plain read of the same
  // matrices (ReadPass), and a run's fraction of the limit is its read time over its generation
  // time. No buffer of its own, so the peak memory is the model's.
  const bool measure = !options.no_bandwidth;
  std::optional<ReadPass> pass;
  if (measure && options.gen_tokens > 0) pass.emplace(ranges);

  std::vector<double> pp_rates, tg_rates, tg_bandwidth, tg_percent;
  // With --format, per round: the constrained rate, its time over the unconstrained run's, and
  // the grammar's parts of its time.
  std::vector<double> fmt_rates, fmt_overhead, fmt_check, fmt_mask, fmt_masked_steps, mask_ms,
      mask_cpu_ms;
  int64_t fmt_tokens = 0, fmt_outputs = 0, fmt_checks = 0;
  for (int r = 0; r < options.repetitions; ++r) {
    if (options.prompt_tokens > 0) {
      auto tokens = random_tokens(options.prompt_tokens, config.n_vocab, 100 + r);
      pp_rates.push_back(options.prompt_tokens / time_prompt(*model, tokens, pool));
    }
    if (options.gen_tokens > 0) {
      // Alternating which goes first, so a drift of the machine's speed within a round falls on
      // both alike.
      GenerationTime constrained;
      auto run_constrained = [&] {
        constrained = time_generation(*model, options.gen_tokens, 1 + r, pool,
                                      pass ? &*pass : nullptr, &*format, options.mask_every_step);
      };
      if (format && r % 2 == 1) run_constrained();
      const GenerationTime t =
          time_generation(*model, options.gen_tokens, 1 + r, pool, pass ? &*pass : nullptr);
      if (format && r % 2 == 0) run_constrained();
      if (format) {
        const GenerationTime& c = constrained;
        fmt_rates.push_back(options.gen_tokens / c.seconds);
        fmt_overhead.push_back(100.0 * (c.seconds / t.seconds - 1));
        fmt_check.push_back(100.0 * c.check_seconds / c.seconds);
        fmt_mask.push_back(100.0 * c.mask_seconds / c.seconds);
        fmt_masked_steps.push_back(100.0 * static_cast<double>(c.masks) / options.gen_tokens);
        mask_ms.insert(mask_ms.end(), c.mask_ms.begin(), c.mask_ms.end());
        mask_cpu_ms.insert(mask_cpu_ms.end(), c.mask_cpu_ms.begin(), c.mask_cpu_ms.end());
        fmt_tokens += options.gen_tokens;
        fmt_outputs += c.outputs;
        fmt_checks += c.checks;
      }
      tg_rates.push_back(options.gen_tokens / t.seconds);
      if (pass) {
        tg_bandwidth.push_back(static_cast<double>(pass->bytes()) * options.gen_tokens /
                               t.read_seconds / 1e9);
        tg_percent.push_back(100.0 * tg_rates.back() * static_cast<double>(per_token) /
                             (tg_bandwidth.back() * 1e9));
      }
    }
  }
  const uint64_t peak = peak_rss_bytes();
  // The memory budget: the mapped file, the largest KV cache a test held (f16 keys and values
  // of every layer), and 200 MB for everything else (activations, scratch, code).
  const int64_t kv_cells = std::max(options.prompt_tokens, options.gen_tokens + 1);
  const uint64_t kv_bytes = KvCache::bytes_for(config.n_layer, kv_cells, 1, config.kv_dim());
  const uint64_t bound = file->file_size() + kv_bytes + (200ull << 20);
  double bandwidth_gb = 0, limit_percent = 0;
  if (!tg_percent.empty()) {
    // The run whose fraction of its bandwidth is the median (the upper one of an even count).
    std::vector<size_t> order(tg_percent.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(),
              [&](size_t a, size_t b) { return tg_percent[a] < tg_percent[b]; });
    const size_t median_run = order[order.size() / 2];
    bandwidth_gb = tg_bandwidth[median_run];
    limit_percent = tg_percent[median_run];
  }
  // The limit of the median run: its speed over limit_percent.
  const double limit_tps =
      bandwidth_gb > 0 ? bandwidth_gb * 1e9 / static_cast<double>(per_token) : 0;

  Stats pp = stats_of(pp_rates), tg = stats_of(tg_rates);
  std::string pp_name = "pp" + std::to_string(options.prompt_tokens);
  std::string tg_name = "tg" + std::to_string(options.gen_tokens);
  std::string kernels = active_kernels().name;
  // --format: "json", or the schema file's name.
  const std::string fmt_name =
      tg_name + "+" + (options.format == "json" ? std::string("json") : std::string("schema"));
  const Stats fmt = stats_of(fmt_rates), overhead = stats_of(fmt_overhead);
  const Stats mask_each = stats_of(mask_ms), mask_cpu = stats_of(mask_cpu_ms);
  const double token_ms = tg.median > 0 ? 1e3 / tg.median : 0;
  if (options.json) {
    nlohmann::json common = {{"model", options.path},
                             {"arch", config.arch},
                             {"type", dominant_type(*model)},
                             {"threads", threads},
                             {"kernels", kernels},
                             {"repetitions", options.repetitions},
                             {"load_seconds", load_seconds},
                             {"weights", access == FileAccess::kRead ? "read" : "mapped"},
                             {"peak_rss_bytes", peak},
                             {"kv_cache_bytes", kv_bytes},
                             {"rss_bound_bytes", bound},
                             {"model_bytes", file->file_size()}};
    if (!pp_rates.empty()) {
      nlohmann::json line = common;
      line.update(
          {{"test", pp_name}, {"tokens_per_second", pp.median}, {"min", pp.min}, {"max", pp.max}});
      std::printf("%s\n", line.dump().c_str());
    }
    if (!tg_rates.empty()) {
      nlohmann::json line = common;
      line.update({{"test", tg_name},
                   {"tokens_per_second", tg.median},
                   {"min", tg.min},
                   {"max", tg.max},
                   {"bandwidth_gb_per_s", bandwidth_gb},
                   {"weight_bytes_per_token", per_token},
                   {"limit_tokens_per_second", limit_tps},
                   {"limit_percent", limit_percent}});
      std::printf("%s\n", line.dump().c_str());
    }
    if (!fmt_rates.empty()) {
      nlohmann::json line = common;
      line.update({{"test", fmt_name},
                   {"format", options.format},
                   {"tokens_per_second", fmt.median},
                   {"min", fmt.min},
                   {"max", fmt.max},
                   {"overhead_percent", overhead.median},
                   {"check_percent", stats_of(fmt_check).median},
                   {"mask_percent", stats_of(fmt_mask).median},
                   {"masked_steps_percent", stats_of(fmt_masked_steps).median},
                   {"checks", fmt_checks},
                   {"masks", mask_ms.size()},
                   {"mask_ms_median", mask_each.median},
                   {"mask_ms_max", mask_each.max},
                   {"mask_cpu_ms_median", mask_cpu.median},
                   {"mask_cpu_ms_max", mask_cpu.max},
                   {"mask_of_token_percent", token_ms > 0 ? 100 * mask_each.median / token_ms : 0},
                   {"outputs_completed", fmt_outputs},
                   {"vocab_tokens", format->vocab->pieces.size()},
                   {"vocab_build_seconds", format->vocab_seconds}});
      std::printf("%s\n", line.dump().c_str());
    }
    return;
  }
  std::printf("model      %s (%s, %s, %s)\n", options.path.c_str(), config.arch.c_str(),
              dominant_type(*model).c_str(), human_bytes(file->file_size()).c_str());
  std::printf("threads    %d (kernels: %s)\n", threads, kernels.c_str());
  std::printf(
      "load       %.2f s (%s)   peak resident %s (%s the bound of %s: file + %s KV cache + 200 "
      "MB)\n",
      load_seconds, file_access_name(access), human_bytes(peak).c_str(),
      peak <= bound ? "within" : "OVER", human_bytes(bound).c_str(), human_bytes(kv_bytes).c_str());
  if (bandwidth_gb > 0)
    std::printf(
        "bandwidth  %.1f GB/s read (%d threads%s); %s of weights per token => limit %.1f "
        "tokens/s\n",
        bandwidth_gb, threads, ", the weights read beside each generated token",
        human_bytes(per_token).c_str(), limit_tps);
  const int w = fmt_rates.empty() ? 8 : static_cast<int>(fmt_name.size());
  std::printf("\n%-*s %12s %20s %10s\n", w, "test", "tokens/s", "spread (min-max)", "of limit");
  if (!pp_rates.empty())
    std::printf("%-*s %12.2f %9.2f - %-8.2f %10s\n", w, pp_name.c_str(), pp.median, pp.min, pp.max,
                "");
  if (!tg_rates.empty()) {
    std::string percent = limit_percent > 0 ? str_printf("%.0f%%", limit_percent) : "";
    std::printf("%-*s %12.2f %9.2f - %-8.2f %10s\n", w, tg_name.c_str(), tg.median, tg.min, tg.max,
                percent.c_str());
  }
  if (fmt_rates.empty()) return;
  std::printf("%-*s %12.2f %9.2f - %-8.2f %10s\n", w, fmt_name.c_str(), fmt.median, fmt.min,
              fmt.max, "");
  std::printf(
      "\nformat     %s: %zu-token vocabulary (pieces and trie built in %.0f ms, once per model)\n",
      options.format.c_str(), format->vocab->pieces.size(), format->vocab_seconds * 1e3);
  std::printf("overhead   %+.1f%% time per token (median of the rounds; %+.1f%% to %+.1f%%)\n",
              overhead.median, overhead.min, overhead.max);
  std::printf(
      "grammar    checks (allows, accept) %.2f%% of the constrained generation time, "
      "masks %.1f%%\n",
      stats_of(fmt_check).median, stats_of(fmt_mask).median);
  std::printf(
      "masks      %.0f%% of the steps (%zu masks in %lld tokens); %.2f ms each (median; max "
      "%.2f) = %.1f%% of an unconstrained token's %.1f ms\n",
      stats_of(fmt_masked_steps).median, mask_ms.size(), static_cast<long long>(fmt_tokens),
      mask_each.median, mask_each.max, token_ms > 0 ? 100 * mask_each.median / token_ms : 0,
      token_ms);
  // A busy machine takes the CPU away mid-mask now and then; the CPU time leaves that out.
  std::printf("           CPU time of a mask: %.2f ms (median; max %.2f)\n", mask_cpu.median,
              mask_cpu.max);
  std::printf("outputs    %lld completed by the grammar (each restarts it in the same sequence)\n",
              static_cast<long long>(fmt_outputs));
}

}  // namespace

void add_bench_command(CLI::App& app) {
  auto options = std::make_shared<BenchOptions>();
  auto* cmd = app.add_subcommand("bench", "Measure prompt and generation speed of a GGUF model");
  cmd->add_option("model", options->path, "GGUF file")->required();
  cmd->add_option("--prompt-tokens,-p", options->prompt_tokens, "prompt length (0 skips)")
      ->check(CLI::Range(0, 65536));
  cmd->add_option("--gen-tokens,-n", options->gen_tokens, "tokens to generate (0 skips)")
      ->check(CLI::Range(0, 65536));
  cmd->add_option("--threads,-t", options->threads,
                  "threads (default: the CPUs this process may use)")
      ->check(CLI::Range(0, 1024));
  cmd->add_option("--repetitions,-r", options->repetitions, "repetitions of each test")
      ->check(CLI::Range(1, 100));
  cmd->add_flag("--json", options->json, "one JSON object per line, for scripts");
  cmd->add_flag("--no-bandwidth", options->no_bandwidth, "skip the memory bandwidth measurement");
  cmd->add_flag("--mmap", options->mmap,
                "map the model file instead of reading it into memory (the option use_mmap)");
  cmd->add_option("--format", options->format,
                  "also generate held to a grammar, in alternating rounds: json (any object) or "
                  "FILE.json (a JSON schema)");
  cmd->add_flag("--mask-every-step", options->mask_every_step,
                "with --format: mask the vocabulary at every step, as for a model that never "
                "follows the grammar (the worst case)");
  cmd->add_option("--embed", options->embed,
                  "embedding throughput instead: INPUTSxTOKENS[,...] (e.g. 256x40,16x500); the "
                  "default for an encoder model");
  cmd->add_option("--batch", options->batch, "with --embed: tokens per pass (num_batch)")
      ->check(CLI::Range(1, 65536));
  cmd->add_option("--sequences", options->sequences,
                  "batched decoding instead: sequences decoded together, one token each per "
                  "step (e.g. 1,2,4,8), each after its own prompt of -p tokens (default 100); "
                  "-n steps each");
  cmd->callback([options, cmd] {
    if (!options->sequences.empty()) {
      if (!options->embed.empty()) fail("bench: --sequences and --embed are separate benchmarks");
      BatchBenchOptions b;
      b.path = options->path;
      b.sequences = parse_sequence_counts(options->sequences);
      // -p and -n keep their meaning with batch sizes of their own when not given.
      b.prompt_tokens = cmd->count("--prompt-tokens") > 0 ? options->prompt_tokens : 100;
      b.gen_tokens = cmd->count("--gen-tokens") > 0 ? options->gen_tokens : 64;
      b.threads = options->threads;
      b.repetitions = options->repetitions;
      b.json = options->json;
      b.mmap = options->mmap;
      run_batch_bench(b);
      return;
    }
    std::string embed = options->embed;
    if (embed.empty() && GgufFile::open(options->path).get_string("general.architecture", "")
                                 .find("bert") != std::string::npos) {
      embed = "256x40,16x500";
    }
    if (embed.empty()) {
      run_bench(*options);
      return;
    }
    EmbedBenchOptions e;
    e.path = options->path;
    e.shapes = parse_embed_shapes(embed);
    e.batch = options->batch;
    e.threads = options->threads;
    e.repetitions = options->repetitions;
    e.json = options->json;
    e.mmap = options->mmap;
    run_embed_bench(e);
  });
}

}  // namespace slimllm
