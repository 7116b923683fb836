// Grammar mask cost: loads a vocabulary (default: the 152k-token Qwen2 test vocabulary), builds
// its trie, and times Matcher::allowed_tokens and would_accept (of one typical token) under a
// JSON grammar at a set of states: what constrained decoding pays per generated token. Times
// are this thread's CPU time, the median of the repeats.
//
//   bench_grammar [VOCAB.gguf] [--repeat N]
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include "base/error.h"
#include "gguf/reader.h"
#include "grammar/grammar.h"
#include "grammar/json_gbnf.h"
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

template <typename F>
double median_ms(int repeat, F&& f) {
  std::vector<double> times;
  for (int i = 0; i < repeat; ++i) {
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

int run(int argc, char** argv) {
  std::string path = std::string(SLIMLLM_TESTDATA) + "/tokenizer/ggml-vocab-qwen2.gguf";
  int repeat = 50;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--repeat" && i + 1 < argc) {
      repeat = std::max(1, std::atoi(argv[++i]));
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
