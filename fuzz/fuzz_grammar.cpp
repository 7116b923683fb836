// Compiles arbitrary GBNF and feeds arbitrary bytes to a matcher. The input is a grammar text,
// a NUL byte, then the byte stream (fed in chunks of 1 to 4 bytes). Compile errors are fine;
// otherwise: accept() agrees with would_accept(); a refused chunk leaves the state unchanged
// (completeness and the verdict on every single byte); and allowed_tokens over a small
// vocabulary equals asking would_accept of each token.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "grammar/grammar.h"
#include "grammar/matcher.h"
#include "grammar/vocab_trie.h"

namespace {

using slimllm::grammar::Matcher;
using slimllm::grammar::VocabTrie;

const std::vector<std::string>& pieces() {
  static const std::vector<std::string> kPieces = [] {
    std::vector<std::string> p;
    for (int b = 0; b < 256; ++b) p.push_back(std::string(1, static_cast<char>(b)));
    for (const char* s : {"", "ab", "abc", "{\"", "\":", "\xE4\xBD", "\xE4\xBD\xA0", "  ", "a",
                          "true", "()", "12", "\xC3\xA9", "\"}"}) {
      p.push_back(s);
    }
    return p;
  }();
  return kPieces;
}

struct Snapshot {
  bool complete, can_continue;
  std::vector<uint8_t> bytes;  // would_accept of every single byte
};

Snapshot snapshot(const Matcher& m) {
  Snapshot s{m.is_complete(), m.can_continue(), std::vector<uint8_t>(256)};
  for (int b = 0; b < 256; ++b) s.bytes[b] = m.would_accept(std::string(1, static_cast<char>(b)));
  return s;
}

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t split = input.find('\0');
  const std::string_view text = input.substr(0, split);
  const std::string_view stream = split == std::string_view::npos ? "" : input.substr(split + 1);
  std::shared_ptr<const slimllm::grammar::Grammar> grammar;
  try {
    grammar = slimllm::grammar::compile_gbnf(text);
  } catch (const slimllm::Error&) {
    return 0;
  }
  static const VocabTrie trie(pieces());
  Matcher m(grammar);
  std::vector<uint8_t> mask;
  size_t i = 0;
  for (int step = 0; i < stream.size() && step < 64; ++step) {
    const size_t n = 1 + static_cast<uint8_t>(stream[i]) % 4;
    i += 1;
    const std::string_view chunk = stream.substr(i, n);
    i += chunk.size();
    const Snapshot before = snapshot(m);
    if (chunk.size() == 1)
      check(before.bytes[static_cast<uint8_t>(chunk[0])] == m.would_accept(chunk));
    const bool would = m.would_accept(chunk);
    const bool accepted = m.accept(chunk);
    check(would == accepted);
    if (!accepted) {
      const Snapshot after = snapshot(m);
      check(after.complete == before.complete && after.can_continue == before.can_continue &&
            after.bytes == before.bytes);
    }
    if (step % 8 == 0) {
      m.allowed_tokens(trie, mask);
      for (size_t t = 0; t < pieces().size(); ++t) {
        check(mask[t] == (!pieces()[t].empty() && m.would_accept(pieces()[t])));
      }
    }
  }
  return 0;
}
