// vocab_pre: copies the metadata of a GGUF (a vocabulary-only file such as llama.cpp's
// ggml-vocab-gpt-2.gguf) with tokenizer.ggml.pre replaced, and no tensors.
//   vocab_pre ggml-vocab-gpt-2.gguf tekken /tmp/vocab-tekken.gguf
#include <cstdio>

#include "base/error.h"
#include "gguf/reader.h"
#include "gguf/writer.h"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: vocab_pre IN.gguf PRE OUT.gguf\n");
    return 2;
  }
  try {
    const slimllm::GgufFile in = slimllm::GgufFile::open(argv[1]);
    slimllm::GgufWriter out;
    for (const auto& kv : in.metadata()) out.set_value(kv.key, kv.value);
    out.set_string("tokenizer.ggml.pre", argv[2]);
    out.write(argv[3]);
  } catch (const slimllm::Error& e) {
    std::fprintf(stderr, "Error: %s\n", e.what());
    return 1;
  }
  return 0;
}
