#include "grammar/matcher.h"

#include <utility>

#include "base/error.h"
#include "grammar/matcher_state.h"
#include "grammar/rules.h"
#include "grammar/stepper.h"

namespace slimllm::grammar {
namespace {

// Per-thread buffers for stepping, so a query allocates nothing once they have grown.
struct StepScratch {
  ArenaOverlay overlay;
  std::vector<std::pair<uint32_t, uint32_t>> work;
  std::vector<uint32_t> current, next;
};

StepScratch& step_scratch() {
  thread_local StepScratch scratch;
  return scratch;
}

// Runs `bytes` from the state into scratch.current (and the overlay's new nodes).
bool run(const Grammar& g, const Matcher::State& state, std::string_view bytes, StepScratch& s,
         bool& complete) {
  s.overlay.reset(state.arena);
  Stepper stepper(g, s.overlay, s.work);
  const uint32_t* stacks = state.stacks.data();
  size_t n = state.stacks.size();
  complete = state.complete;
  for (char c : bytes) {
    if (n == 0) return false;
    stepper.advance(stacks, n, static_cast<uint8_t>(c), s.next, complete);
    if (s.next.empty() && !complete) return false;
    std::swap(s.current, s.next);
    stacks = s.current.data();
    n = s.current.size();
  }
  if (stacks == state.stacks.data()) s.current = state.stacks;  // no bytes
  return true;
}

// Rebuilds the arena with only the nodes the current stacks reach. A parent is always created
// before its children, so renumbering in id order keeps every parent ahead and the stack ids
// sorted.
void collect(Matcher::State& state) {
  if (state.arena.nodes.size() < state.collect_at) return;
  const std::vector<StackNode>& old = state.arena.nodes;
  std::vector<uint32_t> remap(old.size(), kNoNode);
  for (uint32_t id : state.stacks) {
    for (uint32_t n = id; n != kNoNode && remap[n] == kNoNode; n = old[n].parent) remap[n] = 0;
  }
  StackArena fresh;
  for (uint32_t id = 0; id < old.size(); ++id) {
    if (remap[id] == kNoNode) continue;
    remap[id] = static_cast<uint32_t>(fresh.nodes.size());
    StackNode node{old[id].pos, old[id].parent == kNoNode ? kNoNode : remap[old[id].parent]};
    fresh.table.insert(NodeTable::key(node.pos, node.parent), remap[id]);
    fresh.nodes.push_back(node);
  }
  for (uint32_t& id : state.stacks) id = remap[id];
  state.arena = std::move(fresh);
  state.collect_at = std::max(Matcher::State::kMinCollect, 4 * state.arena.nodes.size());
}

}  // namespace

Matcher::Matcher(std::shared_ptr<const Grammar> grammar)
    : grammar_(std::move(grammar)), state_(std::make_shared<State>()) {
  if (!grammar_) fail("grammar matcher: no grammar");
  reset();
}

Matcher::Matcher(const Matcher& other)
    : grammar_(other.grammar_), state_(std::make_shared<State>(*other.state_)) {}

Matcher& Matcher::operator=(const Matcher& other) {
  if (this != &other) {
    grammar_ = other.grammar_;
    state_ = std::make_shared<State>(*other.state_);
  }
  return *this;
}

Matcher::Matcher(Matcher&&) noexcept = default;
Matcher& Matcher::operator=(Matcher&&) noexcept = default;
Matcher::~Matcher() = default;

void Matcher::reset() {
  State& state = *state_;
  state.arena = StackArena{};
  state.collect_at = State::kMinCollect;
  StepScratch& s = step_scratch();
  s.overlay.reset(state.arena);
  Stepper(*grammar_, s.overlay, s.work).start(state.stacks, state.complete);
  s.overlay.commit(state.arena);
}

bool Matcher::accept(std::string_view bytes) {
  StepScratch& s = step_scratch();
  bool complete;
  if (!run(*grammar_, *state_, bytes, s, complete)) return false;
  s.overlay.commit(state_->arena);
  state_->stacks.swap(s.current);
  state_->complete = complete;
  collect(*state_);
  return true;
}

bool Matcher::would_accept(std::string_view bytes) const {
  bool complete;
  return run(*grammar_, *state_, bytes, step_scratch(), complete);
}

bool Matcher::is_complete() const {
  return state_->complete;
}

bool Matcher::can_continue() const {
  return !state_->stacks.empty();
}

}  // namespace slimllm::grammar
