// Grammar mask cost: loads a vocabulary (default: the 152k-token Qwen2 test vocabulary), builds
// its trie, and times Matcher::allowed_tokens and would_accept (of one typical token) under a
// JSON grammar at a set of states: what constrained decoding pays per generated token. Times
// are this thread's CPU time, the median of the repeats.
//
// Then it replays a JSON answer of the kind a model writes, token by token as the vocabulary
// encodes it, and times the mask at every state the answer passes through: what a mask costs
// in the states a real generation meets (a real model needs one only where its choice breaks
// the grammar, but then in any of these states). With --token-ms (a generated token's time,
// from `slimllm bench`), the masks are also given as a fraction of a token.
//
// With --cold, the caches are flushed before every timed mask, as they are in a generation (a
// forward pass streams the weights through them between two masks).
//
// With --schema, the replay runs under that JSON schema's grammar instead of any JSON value
// (bench/grammar/person.schema.json fits the answer).
//
//   bench_grammar [VOCAB.gguf] [--repeat N] [--token-ms MS] [--cold] [--schema FILE.json]
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "gguf/reader.h"
#include "grammar/grammar.h"
#include "grammar/json_gbnf.h"
#include "grammar/json_schema.h"
#include "grammar/matcher.h"
#include "grammar/vocab_trie.h"
#include "tokenizer/tokenizer.h"

namespace slimllm {
namespace {

double cpu_ms() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec * 1e-6;
}

// Set by --cold: before every timed call, read a buffer larger than the last-level cache.
bool cold = false;

void flush_caches() {
  static std::vector<uint64_t> buffer(size_t{64} << 20 >> 3, 1);
  static volatile uint64_t sink;
  uint64_t sum = 0;
  for (size_t i = 0; i < buffer.size(); i += 8) sum += buffer[i];
  sink = sum;
}

template <typename F>
double median_ms(int repeat, F&& f) {
  std::vector<double> times;
  for (int i = 0; i < repeat; ++i) {
    if (cold) flush_caches();
    const double t0 = cpu_ms();
    f();
    times.push_back(cpu_ms() - t0);
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

struct State {
  const char* name;
  const char* text;
  const char* token;  // a token the model would likely sample there
};

// An answer to a structured-output request, as models write them: keys, short and long strings,
// numbers, a nested object and an array.
constexpr const char* kAnswer =
    R"JSON({"name": "Ada Lovelace", "born": 1815, "died": 1852, )JSON"
    R"JSON("languages": ["English", "French", "Italian"], "occupation": "mathematician", )JSON"
    R"JSON("summary": "An English mathematician and writer, chiefly known for her work on )JSON"
    R"JSON(Charles Babbage's proposed mechanical general-purpose computer, the Analytical )JSON"
    R"JSON(Engine. She was the first to recognise that the machine had applications beyond )JSON"
    R"JSON(pure calculation.", "address": {"city": "London", "country": "United Kingdom", )JSON"
    R"JSON("postcode": null}, "score": 98.5, "verified": true})JSON";

int run(int argc, char** argv) {
  std::string path = std::string(SLIMLLM_TESTDATA) + "/tokenizer/ggml-vocab-qwen2.gguf";
  int repeat = 50;
  double token_ms = 0;
  std::string schema_path;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--repeat" && i + 1 < argc) {
      repeat = std::max(1, std::atoi(argv[++i]));
    } else if (arg == "--schema" && i + 1 < argc) {
      schema_path = argv[++i];
    } else if (arg == "--cold") {
      cold = true;
    } else if (arg == "--token-ms" && i + 1 < argc) {
      token_ms = std::atof(argv[++i]);
    } else {
      path = arg;
    }
  }
  const Tokenizer tokenizer = Tokenizer::from_gguf(GgufFile::open(path));
  std::vector<std::string> pieces(static_cast<size_t>(tokenizer.vocab_size()));
  size_t piece_bytes = 0;
  for (int32_t id = 0; id < tokenizer.vocab_size(); ++id) {
    if (!tokenizer.is_control(id)) pieces[id] = tokenizer.token_piece(id);
    piece_bytes += pieces[id].size();
  }
  const double t0 = cpu_ms();
  const grammar::VocabTrie trie(pieces);
  const double build_ms = cpu_ms() - t0;
  const size_t trie_bytes = trie.nodes().size() * sizeof(grammar::VocabTrie::Node) +
                            trie.duplicates().size() * sizeof(std::pair<int32_t, int32_t>);
  std::printf("vocabulary %s: %zu tokens, %zu bytes of pieces\n", path.c_str(), pieces.size(),
              piece_bytes);
  std::printf("trie: %zu nodes, %.1f MiB, built in %.1f ms\n", trie.nodes().size(),
              trie_bytes / 1048576.0, build_ms);

  const double c0 = cpu_ms();
  const auto json = grammar::compile_gbnf(grammar::kJsonGbnf);
  std::printf("JSON grammar compiled in %.3f ms\n\n", cpu_ms() - c0);

  const State kStates[] = {
      {"start", "", "{\""},
      {"inside a key string", "{\"na", "me"},
      {"after a colon", "{\"name\":", " \""},
      {"inside a number", "{\"name\": 12", "34"},
      {"inside a long string", "{\"name\": \"The committee's report, published on Tuesday, ",
       " recommends"},
      {"after a value", "{\"a\": [1, 2, {\"b\": null}]", ","},
  };
  std::printf("%-22s %12s %10s %16s\n", "state", "ms per mask", "allowed", "would_accept us");
  std::vector<uint8_t> mask;
  for (const State& s : kStates) {
    grammar::Matcher m(json);
    if (!m.accept(s.text)) fail("bench_grammar: the JSON grammar refuses its own state ", s.text);
    const double mask_ms = median_ms(repeat, [&] { m.allowed_tokens(trie, mask); });
    size_t allowed = 0;
    for (uint8_t a : mask) allowed += a;
    volatile bool sink = false;
    const int inner = 10000;
    const double accept_ms = median_ms(repeat, [&] {
      for (int i = 0; i < inner; ++i) sink = sink ^ m.would_accept(s.token);
    });
    std::printf("%-22s %12.3f %10zu %16.3f\n", s.name, mask_ms, allowed, accept_ms * 1e3 / inner);
  }

  // The replay: a mask at every state of a realistic answer, each the median of a few repeats.
  const std::vector<int32_t> ids = tokenizer.encode(kAnswer, false, false);
  std::shared_ptr<const grammar::Grammar> replay_grammar = json;
  if (!schema_path.empty()) {
    std::ifstream in(schema_path);
    if (!in) fail("bench_grammar: cannot read ", schema_path);
    const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    replay_grammar =
        grammar::compile_gbnf(grammar::json_schema_gbnf(nlohmann::ordered_json::parse(text)));
  }
  grammar::Matcher m(replay_grammar);
  std::vector<double> masks;
  double accept_ms = 0;
  for (int32_t id : ids) {
    masks.push_back(median_ms(std::max(1, repeat / 10), [&] { m.allowed_tokens(trie, mask); }));
    if (!mask[static_cast<size_t>(id)]) fail("bench_grammar: the mask refuses token ", id);
    const double t = cpu_ms();
    if (!m.accept(pieces[static_cast<size_t>(id)])) fail("bench_grammar: refused token ", id);
    accept_ms += cpu_ms() - t;
  }
  double total = 0;
  for (double t : masks) total += t;
  std::vector<double> sorted = masks;
  std::sort(sorted.begin(), sorted.end());
  const auto at = [&](double q) { return sorted[static_cast<size_t>(q * (sorted.size() - 1))]; };
  std::printf("\nreplay of a %zu-byte JSON answer, %zu tokens, under %s: a mask at every state\n",
              std::string_view(kAnswer).size(), ids.size(),
              schema_path.empty() ? "the JSON grammar" : schema_path.c_str());
  std::printf("ms per mask: median %.3f, p90 %.3f, max %.3f, mean %.3f; accept %.1f us a token\n",
              at(0.5), at(0.9), sorted.back(), total / masks.size(), accept_ms * 1e3 / ids.size());
  if (token_ms > 0) {
    std::printf(
        "of a %.1f ms token: median %.1f%%, p90 %.1f%%, max %.1f%%; a mask on every "
        "step would add %.1f%%\n",
        token_ms, 100 * at(0.5) / token_ms, 100 * at(0.9) / token_ms,
        100 * sorted.back() / token_ms, 100 * total / masks.size() / token_ms);
  }
  return 0;
}

}  // namespace
}  // namespace slimllm

int main(int argc, char** argv) {
  try {
    return slimllm::run(argc, argv);
  } catch (const slimllm::Error& e) {
    std::fprintf(stderr, "Error: %s\n", e.what());
    return 1;
  }
}
