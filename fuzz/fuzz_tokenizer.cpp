// Feeds arbitrary bytes to both tokenizer kinds (tiny in-memory vocabularies): encoding must
// never crash, produce only valid ids, and byte-level BPE must decode back to the input exactly.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "gguf/reader.h"
#include "gguf/writer.h"
#include "tokenizer/tokenizer.h"

namespace {

std::string byte_spelling(int b) {
  static int next = 256;
  static std::string spelled[256];
  static bool built = false;
  if (!built) {
    for (int i = 0; i < 256; ++i) {
      bool printable = (i >= 0x21 && i <= 0x7E) || (i >= 0xA1 && i <= 0xAC) || i >= 0xAE;
      int cp = printable ? i : next++;
      if (cp < 0x80) {
        spelled[i] = std::string(1, static_cast<char>(cp));
      } else {
        spelled[i] += static_cast<char>(0xC0 | (cp >> 6));
        spelled[i] += static_cast<char>(0x80 | (cp & 0x3F));
      }
    }
    built = true;
  }
  return spelled[b];
}

struct Fixture {
  std::vector<uint8_t> bpe_bytes, spm_bytes;
  slimllm::Tokenizer* bpe = nullptr;
  slimllm::Tokenizer* spm = nullptr;

  Fixture() {
    slimllm::GgufWriter bpe_writer;
    bpe_writer.set_string("tokenizer.ggml.model", "gpt2");
    bpe_writer.set_string("tokenizer.ggml.pre", "llama-bpe");
    std::vector<std::string> tokens;
    for (int b = 0; b < 256; ++b) tokens.push_back(byte_spelling(b));
    tokens.insert(tokens.end(), {"ab", "abc", "Ġa", "<|x|>"});
    bpe_writer.set_string_array("tokenizer.ggml.tokens", tokens);
    std::vector<int32_t> types(tokens.size(), 1);
    types.back() = 3;
    bpe_writer.set_array("tokenizer.ggml.token_type", slimllm::GgufType::kInt32, types.data(),
                         types.size());
    bpe_writer.set_string_array("tokenizer.ggml.merges",
                                std::vector<std::string>{"a b", "ab c", "Ġ a"});
    bpe_writer.set_uint32("tokenizer.ggml.bos_token_id", 259);
    bpe_bytes = bpe_writer.write_to_memory();
    bpe = new slimllm::Tokenizer(slimllm::Tokenizer::from_gguf(
        slimllm::GgufFile::parse("bpe.gguf", bpe_bytes.data(), bpe_bytes.size())));

    slimllm::GgufWriter spm_writer;
    spm_writer.set_string("tokenizer.ggml.model", "llama");
    std::vector<std::string> pieces = {"<unk>", "<s>", "</s>"};
    for (int b = 0; b < 256; ++b) {
      char name[8];
      std::snprintf(name, sizeof(name), "<0x%02X>", b);
      pieces.push_back(name);
    }
    pieces.insert(pieces.end(), {"\xE2\x96\x81", "a", "b",
                                 "\xE2\x96\x81"
                                 "a",
                                 "ab"});
    spm_writer.set_string_array("tokenizer.ggml.tokens", pieces);
    std::vector<int32_t> spm_types(pieces.size(), 1);
    spm_types[0] = 2;
    spm_types[1] = spm_types[2] = 3;
    for (int b = 0; b < 256; ++b) spm_types[3 + b] = 6;
    spm_writer.set_array("tokenizer.ggml.token_type", slimllm::GgufType::kInt32, spm_types.data(),
                         spm_types.size());
    spm_bytes = spm_writer.write_to_memory();
    spm = new slimllm::Tokenizer(slimllm::Tokenizer::from_gguf(
        slimllm::GgufFile::parse("spm.gguf", spm_bytes.data(), spm_bytes.size())));
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Fixture fixture;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    for (slimllm::Tokenizer* t : {fixture.bpe, fixture.spm}) {
      for (bool parse_special : {false, true}) {
        std::vector<int32_t> ids = t->encode(text, true, parse_special);
        for (int32_t id : ids) {
          if (id < 0 || id >= t->vocab_size()) std::abort();
        }
        std::string decoded = t->decode(ids, true);
        slimllm::StreamDecoder stream(*t, true, true);
        std::string streamed;
        for (int32_t id : ids) streamed += stream.push(id);
        streamed += stream.flush();
        if (streamed != decoded) std::abort();
        if (t == fixture.bpe && !parse_special && t->decode(ids) != text) std::abort();
      }
    }
  } catch (const slimllm::Error&) {
  }
  return 0;
}
