// gguf_set: copies a GGUF file (metadata and tensors) with string keys set or replaced; a key
// written KEY:bool is set to the boolean true or false.
//   gguf_set ggml-vocab-gpt-2.gguf /tmp/vocab-tekken.gguf tokenizer.ggml.pre=tekken
//   gguf_set v.gguf out.gguf tokenizer.ggml.add_space_prefix:bool=false
#include <cstdio>
#include <string>

#include "base/error.h"
#include "gguf/reader.h"
#include "gguf/writer.h"

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: gguf_set IN.gguf OUT.gguf KEY=VALUE...\n");
    return 2;
  }
  try {
    const slimllm::GgufFile in = slimllm::GgufFile::open(argv[1]);
    slimllm::GgufWriter out(in.alignment());
    for (const auto& kv : in.metadata()) out.set_value(kv.key, kv.value);
    for (int i = 3; i < argc; ++i) {
      const std::string setting = argv[i];
      const size_t eq = setting.find('=');
      if (eq == std::string::npos || eq == 0)
        slimllm::fail("'", setting, "' is not of the form KEY=VALUE");
      const std::string key = setting.substr(0, eq), value = setting.substr(eq + 1);
      if (key.ends_with(":bool")) {
        if (value != "true" && value != "false")
          slimllm::fail("'", setting, "': a :bool key takes true or false");
        out.set_bool(key.substr(0, key.size() - 5), value == "true");
      } else {
        out.set_string(key, value);
      }
    }
    for (const slimllm::GgufTensorInfo& t : in.tensors())
      out.add_tensor(t.name, t.type, t.shape, t.data);
    out.write(argv[2]);
  } catch (const slimllm::Error& e) {
    std::fprintf(stderr, "Error: %s\n", e.what());
    return 1;
  }
  return 0;
}
