// Executes a parse tree against a Value, as Go's text/template does with missingkey=zero.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "template/ast.h"
#include "template/value.h"

namespace slimllm::tmpl {

struct RenderLimits {
  // Nested {{template}} calls; Go allows 100000, but each level costs native stack here.
  int max_depth = 100;
  // Control structures open at once, across template calls (each costs native stack too).
  int max_nesting = 1000;
  // Nodes executed plus loop iterations: stops runaway `range 1000000000`.
  uint64_t max_steps = 20'000'000;
  size_t max_output = size_t{256} << 20;
};

void execute(const Tree& tree, const std::vector<Node>& root, const Value& data,
             const RenderLimits& limits, std::string& out);

}  // namespace slimllm::tmpl
