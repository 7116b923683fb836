// Tokenizer throughput: encodes 1 MiB of mixed English, source code and CJK text with each
// vocabulary (default: the Llama 3 and Qwen 2.5 test vocabularies) on one thread and prints
// MB/s (10^6 bytes), next to the pre-tokenizer alone (the regex split every encode pays) and
// decoding, measured in the same run. Times are this thread's CPU time.
//
//   bench_tokenizer [VOCAB.gguf ...] [--repeat N]
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <random>
#include <string>
#include <vector>

#include "base/error.h"
#include "gguf/reader.h"
#include "tokenizer/pretokenizer.h"
#include "tokenizer/tokenizer.h"

namespace slimllm {
namespace {

constexpr size_t kTextBytes = 1 << 20;

const char* const kEnglish[] = {
    "Once upon a time, in a small village by the sea, there lived an old fisherman who told "
    "stories to anyone who would listen. ",
    "The committee's report, published on Tuesday, recommends that the city double its "
    "investment in public transport by 2030. ",
    "\"I don't think we'll make it before dark,\" she said, checking the map again. ",
    "Photosynthesis converts light energy into chemical energy stored in glucose molecules.\n",
    "Prices rose 3.2% in March, compared with 2.9% in February, according to the bureau.\n\n",
};
const char* const kCode[] = {
    "for (size_t i = 0; i < n; ++i) {\n    sum += values[i] * weights[i];\n}\n",
    "def tokenize(text: str) -> list[int]:\n    return [vocab[w] for w in text.split()]\n\n",
    "    if (!file.is_open()) throw std::runtime_error(\"cannot open \" + path);\n",
    "const result = await fetch(`/api/generate`, { method: 'POST', body: JSON.stringify(req) });\n",
    "SELECT id, name FROM users WHERE created_at > '2024-01-01' ORDER BY id DESC LIMIT 10;\n",
    "#include <vector>\ntemplate <typename T>\nT clamp(T v, T lo, T hi) { return v < lo ? lo : v > "
    "hi ? hi : v; }\n",
};
const char* const kCjk[] = {
    "人工智能正在改变我们的生活方式，也给社会带来了新的挑战。",
    "今日は天気がいいので、公園まで散歩に行きました。",
    "我想在苹果树下读一本书，然后和朋友们一起喝茶。\n",
    "서울은 한국의 수도이며 인구가 가장 많은 도시입니다. ",
    "東京タワーの高さは三百三十三メートルです。\n",
};

std::string mixed_text() {
  std::mt19937 rng(42);
  std::string text;
  while (text.size() < kTextBytes) {
    switch (rng() % 3) {
      case 0:
        text += kEnglish[rng() % std::size(kEnglish)];
        break;
      case 1:
        text += kCode[rng() % std::size(kCode)];
        break;
      default:
        text += kCjk[rng() % std::size(kCjk)];
        break;
    }
  }
  text.resize(kTextBytes);
  while (!text.empty() && (static_cast<uint8_t>(text.back()) & 0xC0) == 0x80) text.pop_back();
  if (!text.empty() && static_cast<uint8_t>(text.back()) >= 0xC0) text.pop_back();
  return text;
}

double thread_seconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

// CPU time of this thread, best of `repeat`: the machine may be shared, and the figure asked
// for is what one core does.
template <typename F>
double best_seconds(int repeat, F&& run) {
  double best = 1e30;
  for (int i = 0; i < repeat; ++i) {
    double start = thread_seconds();
    run();
    best = std::min(best, thread_seconds() - start);
  }
  return best;
}

void bench(const std::string& path, const std::string& text, int repeat) {
  double load_start = thread_seconds();
  GgufFile file = GgufFile::open(path);
  Tokenizer tokenizer = Tokenizer::from_gguf(file);
  double load = thread_seconds() - load_start;
  Pretokenizer pretokenizer(tokenizer.pre_tokenizer());

  std::vector<int32_t> ids;
  double encode = best_seconds(repeat, [&] { ids = tokenizer.encode(text, false, false); });
  std::vector<int32_t> parsed;
  double encode_special =
      best_seconds(repeat, [&] { parsed = tokenizer.encode(text, true, true); });
  size_t words = 0;
  double split = best_seconds(repeat, [&] { words = pretokenizer.split(text).size(); });
  std::string decoded;
  double decode = best_seconds(repeat, [&] { decoded = tokenizer.decode(ids); });
  double mb = text.size() / 1e6;
  std::printf("%s (%s, pre %s): load %.2f s\n", path.c_str(),
              std::string(tokenizer.model_kind()).c_str(),
              std::string(tokenizer.pre_tokenizer()).c_str(), load);
  std::printf("  encode  %7.1f MB/s  (%zu bytes -> %zu tokens, %.2f bytes/token, %zu words)\n",
              mb / encode, text.size(), ids.size(), double(text.size()) / ids.size(), words);
  std::printf("  encode  %7.1f MB/s  with BOS and special-token parsing (%zu tokens)\n",
              mb / encode_special, parsed.size());
  std::printf("  split   %7.1f MB/s  (pre-tokenizer alone: %.0f%% of the encode time)\n",
              mb / split, 100.0 * split / encode);
  std::printf("  decode  %7.1f MB/s  (round trip %s)\n", mb / decode,
              decoded == text ? "exact" : "DIFFERS");
}

}  // namespace
}  // namespace slimllm

int main(int argc, char** argv) {
  std::vector<std::string> paths;
  int repeat = 3;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--repeat" && i + 1 < argc) {
      repeat = std::max(1, std::atoi(argv[++i]));
    } else {
      paths.push_back(arg);
    }
  }
  if (paths.empty()) {
    std::string dir = std::string(SLIMLLM_TESTDATA) + "/tokenizer/";
    paths = {dir + "ggml-vocab-llama-bpe.gguf", dir + "ggml-vocab-qwen2.gguf"};
  }
  std::string text = slimllm::mixed_text();
  std::printf("text: %zu bytes of mixed English, code and CJK; best of %d runs, one thread\n",
              text.size(), repeat);
  try {
    for (const std::string& path : paths) slimllm::bench(path, text, repeat);
  } catch (const slimllm::Error& e) {
    std::fprintf(stderr, "Error: %s\n", e.what());
    return 1;
  }
  return 0;
}
