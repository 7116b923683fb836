// Feeds arbitrary bytes to the GGUF reader: it must reject bad input with an Error, never crash.
#include <cstddef>
#include <cstdint>

#include "base/error.h"
#include "gguf/reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    slimllm::GgufFile file = slimllm::GgufFile::parse("fuzz.gguf", data, size);
    // Touch what a loader would touch.
    for (const auto& kv : file.metadata()) (void)kv.value.describe();
    for (const auto& t : file.tensors()) {
      if (t.bytes > 0) {
        volatile uint8_t first = t.data[0];
        volatile uint8_t last = t.data[t.bytes - 1];
        (void)first;
        (void)last;
      }
    }
  } catch (const slimllm::Error&) {
  }
  return 0;
}
