// compile_gbnf: parses, checks every rule is defined, flattens the rules into one element array
// and precomputes each position's closure, which is also where left recursion shows up (a
// position whose closure needs itself).
#include <algorithm>

#include "base/error.h"
#include "grammar/gbnf_parser.h"
#include "grammar/grammar.h"
#include "grammar/rules.h"

namespace slimllm::grammar {
namespace {

struct LocalEntry {
  uint32_t terminal;
  std::vector<uint32_t> pushes;
  auto operator<=>(const LocalEntry&) const = default;
};

// The errors, out of line: compute() recurses up to kMaxCallDepth deep, so its frame stays small
// (the message building, inlined, made it several KB under AddressSanitizer and overflowed an
// 8 MB stack on a 400-property schema).
[[noreturn]] [[gnu::noinline]] void left_recursion(const Grammar::Rule& rule) {
  fail("GBNF grammar: line ", rule.line, ", column ", rule.column, ": left recursion: rule '",
       rule.name, "' can reach itself without consuming any input");
}
[[noreturn]] [[gnu::noinline]] void too_deep(const Grammar::Rule& rule) {
  fail("GBNF grammar: line ", rule.line, ", column ", rule.column, ": rule '", rule.name,
       "' nests more than ", kMaxCallDepth, " rule calls before its first byte");
}
[[noreturn]] [[gnu::noinline]] void too_large(const Grammar::Rule& rule) {
  fail("GBNF grammar: line ", rule.line, ", column ", rule.column,
       ": the grammar is too large (its rules expand into more than ", kMaxClosureEntries,
       " ways to reach a byte)");
}

class ClosureBuilder {
 public:
  explicit ClosureBuilder(Grammar& g) : g_(g), state_(g.elements.size(), kNew) {
    g_.closures.assign(g.elements.size(), {});
  }

  void build() {
    for (uint32_t p = 0; p < g_.elements.size(); ++p) compute(p, 0);
  }

 private:
  enum : uint8_t { kNew, kInProgress, kDone };
  Grammar& g_;
  std::vector<uint8_t> state_;

  const Grammar::Rule& owner(uint32_t p) const {
    while (g_.elements[p].op != Op::kEnd) ++p;
    return g_.rules[g_.rules[g_.elements[p].arg].origin];
  }

  void compute(uint32_t p, int depth) {
    if (state_[p] == kDone) return;
    if (state_[p] == kInProgress) left_recursion(owner(p));
    if (depth > kMaxCallDepth) too_deep(owner(p));
    state_[p] = kInProgress;
    // Only the recursion lives in this frame; building and storing entries happens out of line,
    // so the frame stays small at kMaxCallDepth deep (inlined, the vector and sort code made it
    // 10 KB under AddressSanitizer and overflowed an 8 MB stack on a 400-property schema).
    std::vector<LocalEntry> entries;
    const Element& e = g_.elements[p];
    if (e.op == Op::kBytes) {
      // An empty class can never advance: leave it out so no stack waits on it.
      if (!g_.byte_sets[e.arg].empty()) entries.push_back({p, {}});
    } else if (e.op == Op::kEnd) {
      entries.push_back({kPop, {}});
    } else {
      const uint32_t ret = p + 1;
      // A call in last place returns straight to our caller: no return address to push, so
      // right recursion (X* as R ::= X R | ε) runs in constant stack depth.
      const bool tail = g_.elements[ret].op == Op::kEnd;
      bool continued = false;
      const uint32_t rule = e.arg;
      for (size_t i = 0; i < g_.rules[rule].alternatives.size(); ++i) {
        const uint32_t a = g_.rules[rule].alternatives[i];
        compute(a, depth + 1);
        if (add_callee(entries, a, ret, tail) && !continued) {
          // The callee can end at once: continue after the call, in our own frame.
          continued = true;
          compute(ret, depth + 1);
          add_after(entries, ret);
        }
      }
    }
    store(p, entries);
  }

  // Adds what calling alternative `a` reaches; true when the callee can end at once and the
  // caller must continue after the call (not in tail position).
  [[gnu::noinline]] bool add_callee(std::vector<LocalEntry>& entries, uint32_t a, uint32_t ret,
                                    bool tail) const {
    bool can_end = false;
    const Grammar::Span span = g_.closures[a];
    for (uint32_t i = 0; i < span.count; ++i) {
      const ClosureEntry x = g_.closure[span.begin + i];
      if (x.terminal == kPop) {
        if (tail) {
          entries.push_back({kPop, {}});
        } else {
          can_end = true;
        }
        continue;
      }
      LocalEntry entry{x.terminal, {}};
      if (!tail) entry.pushes.push_back(ret);
      entry.pushes.insert(entry.pushes.end(), g_.pushes.begin() + x.pushes_begin,
                          g_.pushes.begin() + x.pushes_begin + x.pushes_count);
      entries.push_back(std::move(entry));
    }
    return can_end;
  }

  [[gnu::noinline]] void add_after(std::vector<LocalEntry>& entries, uint32_t ret) const {
    const Grammar::Span after = g_.closures[ret];
    for (uint32_t j = 0; j < after.count; ++j) entries.push_back(local(after.begin + j));
  }

  // Sorts, deduplicates and appends p's closure; marks it done.
  [[gnu::noinline]] void store(uint32_t p, std::vector<LocalEntry>& entries) {
    std::sort(entries.begin(), entries.end());
    entries.erase(std::unique(entries.begin(), entries.end()), entries.end());
    g_.closures[p] = {static_cast<uint32_t>(g_.closure.size()),
                      static_cast<uint32_t>(entries.size())};
    for (const LocalEntry& entry : entries) {
      g_.closure.push_back({entry.terminal, static_cast<uint32_t>(g_.pushes.size()),
                            static_cast<uint32_t>(entry.pushes.size())});
      g_.pushes.insert(g_.pushes.end(), entry.pushes.begin(), entry.pushes.end());
    }
    if (g_.closure.size() > kMaxClosureEntries || g_.pushes.size() > kMaxClosurePushes) {
      too_large(owner(p));
    }
    state_[p] = kDone;
  }

  LocalEntry local(uint32_t index) const {
    const ClosureEntry& x = g_.closure[index];
    return {x.terminal, std::vector<uint32_t>(g_.pushes.begin() + x.pushes_begin,
                                              g_.pushes.begin() + x.pushes_begin + x.pushes_count)};
  }
};

}  // namespace

std::shared_ptr<const Grammar> compile_gbnf(std::string_view text, std::string_view root) {
  ParsedGrammar parsed = parse_gbnf(text);
  auto g = std::make_shared<Grammar>();
  bool found_root = false;
  for (uint32_t i = 0; i < parsed.rules.size(); ++i) {
    const ParsedRule& rule = parsed.rules[i];
    if (!rule.defined) {
      fail("GBNF grammar: line ", rule.line, ", column ", rule.column, ": undefined rule '",
           rule.name, "'");
    }
    if (!rule.generated && rule.name == root) {
      g->root = i;
      found_root = true;
    }
  }
  if (!found_root) fail("GBNF grammar: no rule named '", root, "' to start from");

  g->byte_sets = std::move(parsed.byte_sets);
  g->rules.resize(parsed.rules.size());
  for (uint32_t i = 0; i < parsed.rules.size(); ++i) {
    ParsedRule& from = parsed.rules[i];
    Grammar::Rule& to = g->rules[i];
    to.name = std::move(from.name);
    to.origin = from.origin;
    to.line = from.line;
    to.column = from.column;
    for (const auto& alternative : from.alternatives) {
      to.alternatives.push_back(static_cast<uint32_t>(g->elements.size()));
      for (const Symbol& s : alternative) {
        g->elements.push_back({s.is_rule ? Op::kRule : Op::kBytes, s.index});
      }
      g->elements.push_back({Op::kEnd, i});
    }
  }
  g->start = static_cast<uint32_t>(g->elements.size());
  g->elements.push_back({Op::kRule, g->root});
  g->elements.push_back({Op::kEnd, g->root});
  ClosureBuilder(*g).build();
  return g;
}

}  // namespace slimllm::grammar
