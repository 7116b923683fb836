// Parse stacks as persistent linked lists (internal to grammar/). A node is {position, parent};
// a stack is its top node, so stacks share their tails and advancing one byte creates a node or
// two instead of copying a stack. Nodes are hash-consed (one id per distinct {position, parent}),
// so equal stacks have equal ids and a stack set dedups by sorting ids.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

namespace slimllm::grammar {

inline constexpr uint32_t kNoNode = UINT32_MAX;  // the parent of a bottom frame

struct StackNode {
  uint32_t pos;     // top node: a terminal; below: a return address
  uint32_t parent;  // kNoNode at the bottom
};

// Open addressing {position, parent} → node id.
class NodeTable {
 public:
  static uint64_t key(uint32_t pos, uint32_t parent) { return (uint64_t{pos} << 32) | parent; }

  uint32_t find(uint64_t key) const {
    if (ids_.empty()) return kNoNode;
    for (size_t i = slot(key);; i = (i + 1) & mask_) {
      if (keys_[i] == key) return ids_[i];
      if (keys_[i] == kEmpty) return kNoNode;
    }
  }

  void insert(uint64_t key, uint32_t id) {
    if ((count_ + 1) * 2 > keys_.size()) grow();
    place(key, id);
    ++count_;
  }

  void clear() {
    keys_.clear();
    ids_.clear();
    count_ = 0;
    mask_ = 0;
  }

  // Empties the table but keeps its memory (a scratch table reused call after call).
  void reset() {
    if (count_ == 0) return;
    std::fill(keys_.begin(), keys_.end(), kEmpty);
    count_ = 0;
  }

 private:
  static constexpr uint64_t kEmpty = ~uint64_t{0};  // no position is UINT32_MAX
  std::vector<uint64_t> keys_;
  std::vector<uint32_t> ids_;
  size_t count_ = 0;
  size_t mask_ = 0;

  size_t slot(uint64_t key) const {
    return static_cast<size_t>((key * 0x9E3779B97F4A7C15ull) >> 32) & mask_;
  }

  void place(uint64_t key, uint32_t id) {
    size_t i = slot(key);
    while (keys_[i] != kEmpty) i = (i + 1) & mask_;
    keys_[i] = key;
    ids_[i] = id;
  }

  void grow() {
    std::vector<uint64_t> old_keys = std::move(keys_);
    std::vector<uint32_t> old_ids = std::move(ids_);
    const size_t n = old_keys.empty() ? 64 : old_keys.size() * 2;
    keys_.assign(n, kEmpty);
    ids_.assign(n, 0);
    mask_ = n - 1;
    for (size_t i = 0; i < old_keys.size(); ++i) {
      if (old_keys[i] != kEmpty) place(old_keys[i], old_ids[i]);
    }
  }
};

// The nodes a Matcher's current stacks live in.
struct StackArena {
  std::vector<StackNode> nodes;
  NodeTable table;
};

// New nodes on top of a StackArena that stays untouched: what a const query or a tentative
// accept creates. Ids continue the base's, so commit() appends them without renumbering.
class ArenaOverlay {
 public:
  void reset(const StackArena& base) {
    base_ = &base;
    base_size_ = static_cast<uint32_t>(base.nodes.size());
    extra_.clear();
    table_.reset();
  }

  uint32_t intern(uint32_t pos, uint32_t parent) {
    const uint64_t key = NodeTable::key(pos, parent);
    uint32_t id = base_->table.find(key);
    if (id != kNoNode) return id;
    id = table_.find(key);
    if (id != kNoNode) return id;
    id = base_size_ + static_cast<uint32_t>(extra_.size());
    extra_.push_back({pos, parent});
    table_.insert(key, id);
    return id;
  }

  const StackNode& at(uint32_t id) const {
    return id < base_size_ ? base_->nodes[id] : extra_[id - base_size_];
  }

  void commit(StackArena& base) const {
    for (const StackNode& n : extra_) {
      base.table.insert(NodeTable::key(n.pos, n.parent), static_cast<uint32_t>(base.nodes.size()));
      base.nodes.push_back(n);
    }
  }

 private:
  const StackArena* base_ = nullptr;
  uint32_t base_size_ = 0;
  std::vector<StackNode> extra_;
  NodeTable table_;
};

}  // namespace slimllm::grammar
