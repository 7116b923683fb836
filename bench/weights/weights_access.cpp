// Generation speed with the model file mapped against the same file read into memory
// (FileAccess, the option use_mmap), in one process: both copies are loaded, and they take turns
// generating a few tokens, the order swapped every round, so the machine's drifting bandwidth
// weighs on both alike. Prints both speeds and their ratio.
//
//   bench_weights MODEL.gguf [rounds=20] [tokens_per_turn=8] [threads]
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "base/cgroup.h"
#include "base/clock.h"
#include "base/error.h"
#include "base/thread_pool.h"
#include "gguf/reader.h"
#include "model/forward_state.h"
#include "model/kv_cache.h"
#include "model/model.h"

namespace {

using namespace slimllm;

struct Copy {
  FileAccess access = FileAccess::kMap;
  std::shared_ptr<const GgufFile> file;
  std::unique_ptr<Model> model;
  std::unique_ptr<KvCache> kv;
  std::unique_ptr<ForwardState> state;
  int64_t position = 0;
  double seconds = 0;
  int64_t tokens = 0;
  double load_seconds = 0;
};

constexpr int64_t kContext = 512;

// Generates `count` tokens (a fixed token at rising positions: speed does not depend on which),
// wrapping around the context.
double turn(Copy& c, int count, ThreadPool& pool) {
  const int64_t start = now_ns();
  for (int i = 0; i < count; ++i) {
    if (c.position == kContext) {
      c.kv->clear(0);
      c.position = 0;
    }
    BatchToken t{1, static_cast<int32_t>(c.position), 0, true};
    c.model->forward({&t, 1}, *c.kv, *c.state, &pool);
    ++c.position;
  }
  return static_cast<double>(now_ns() - start) / 1e9;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: bench_weights MODEL.gguf [rounds] [tokens_per_turn] [threads]\n");
    return 2;
  }
  const std::string path = argv[1];
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 20;
  const int per_turn = argc > 3 ? std::atoi(argv[3]) : 8;
  const int threads = argc > 4 ? std::atoi(argv[4]) : available_cpus();
  try {
    ThreadPool pool(threads);
    Copy copies[2];
    copies[0].access = FileAccess::kMap;
    copies[1].access = FileAccess::kRead;
    for (Copy& c : copies) {
      const int64_t start = now_ns();
      c.file = std::make_shared<const GgufFile>(GgufFile::open(path, c.access, threads));
      c.model = load_model(c.file);
      c.load_seconds = static_cast<double>(now_ns() - start) / 1e9;
      const ModelConfig& config = c.model->config();
      c.kv = std::make_unique<KvCache>(config.n_layer, kContext, 1, config.kv_dim());
      c.state = std::make_unique<ForwardState>(c.model->make_state(1, 1));
      turn(c, 2, pool);  // warm-up: faults the mapped pages in
    }
    for (int r = 0; r < rounds; ++r) {
      for (int k = 0; k < 2; ++k) {
        Copy& c = copies[(r + k) % 2];
        c.seconds += turn(c, per_turn, pool);
        c.tokens += per_turn;
      }
    }
    const double mapped = static_cast<double>(copies[0].tokens) / copies[0].seconds;
    const double read = static_cast<double>(copies[1].tokens) / copies[1].seconds;
    std::printf("model=%s threads=%d rounds=%d tokens_per_turn=%d\n", path.c_str(), threads, rounds,
                per_turn);
    std::printf("mapped tokens_per_s=%.2f load_s=%.2f\n", mapped, copies[0].load_seconds);
    std::printf("read   tokens_per_s=%.2f load_s=%.2f\n", read, copies[1].load_seconds);
    std::printf("read_over_mapped=%.3f\n", read / mapped);
  } catch (const Error& e) {
    std::fprintf(stderr, "bench_weights: %s\n", e.what());
    return 1;
  }
  return 0;
}
