// The compiled form of a grammar (internal to grammar/): rules flattened into one element array
// over bytes, plus each position's closure, so the matcher never expands rules at run time.
//
// A position is an index into `elements`. Each alternative of each rule is a run of elements
// ending in kEnd. A parse stack is a chain of positions: its top is a terminal (kBytes) waiting
// for a byte, and the positions below are return addresses (where to continue in the caller when
// the callee's alternative ends).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace slimllm::grammar {

// A set of bytes: what one terminal element accepts.
struct ByteSet {
  std::array<uint64_t, 4> bits{};

  bool test(uint8_t b) const { return (bits[b >> 6] >> (b & 63)) & 1; }
  void set(uint8_t b) { bits[b >> 6] |= uint64_t{1} << (b & 63); }
  void set_range(uint8_t lo, uint8_t hi) {
    for (int b = lo; b <= hi; ++b) set(static_cast<uint8_t>(b));
  }
  bool empty() const { return (bits[0] | bits[1] | bits[2] | bits[3]) == 0; }
  ByteSet& operator|=(const ByteSet& o) {
    for (int i = 0; i < 4; ++i) bits[i] |= o.bits[i];
    return *this;
  }
  bool operator==(const ByteSet&) const = default;
  auto operator<=>(const ByteSet&) const = default;
};

enum class Op : uint8_t {
  kBytes,  // consumes one byte of byte_sets[arg]
  kRule,   // calls rules[arg]
  kEnd,    // ends an alternative of rules[arg]
};

struct Element {
  Op op;
  uint32_t arg;
};

// One way to reach a terminal from a position without consuming a byte: push `pushes` return
// addresses (outermost first) onto the current stack, then wait at `terminal`. terminal == kPop
// means the position's alternative can end here: continue at the caller's return address.
struct ClosureEntry {
  uint32_t terminal;
  uint32_t pushes_begin;  // into Grammar::pushes
  uint32_t pushes_count;
};
inline constexpr uint32_t kPop = UINT32_MAX;

struct Grammar {
  struct Rule {
    std::string name;                    // generated rules: "<user rule>-<n>"
    std::vector<uint32_t> alternatives;  // first position of each
    uint32_t origin = 0;                 // the user rule it belongs to (itself, if not generated)
    uint32_t line = 0, column = 0;       // where that user rule is defined
  };
  struct Span {
    uint32_t begin = 0, count = 0;
  };

  std::vector<Element> elements;
  std::vector<ByteSet> byte_sets;
  std::vector<Rule> rules;
  uint32_t root = 0;
  // The start of a parse: a position holding a call of the root rule followed by kEnd.
  uint32_t start = 0;

  // The closure of position p: closure[closures[p].begin ..][.. count].
  std::vector<Span> closures;
  std::vector<ClosureEntry> closure;
  std::vector<uint32_t> pushes;

  const ByteSet& bytes_at(uint32_t terminal) const { return byte_sets[elements[terminal].arg]; }
};

// Limits that keep a hostile grammar (a JSON schema from a client) from exhausting memory or the
// stack; exceeding one is a compile error.
inline constexpr uint32_t kMaxRepetition = 10000;      // m and n in {m,n}
inline constexpr size_t kMaxElements = 1 << 20;        // elements over all rules
inline constexpr size_t kMaxClosureEntries = 1 << 21;  // precomputed closure entries
inline constexpr size_t kMaxClosurePushes = 1 << 23;   // their return addresses
inline constexpr int kMaxNesting = 400;                // parentheses
inline constexpr int kMaxCallDepth = 1000;             // rule calls in a closure

}  // namespace slimllm::grammar
