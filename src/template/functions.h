// The functions a template may call: Go's builtins and Ollama's additions. `and` and `or`
// evaluate lazily, so the executor handles them; everything else is called with evaluated
// arguments here.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "template/value.h"

namespace slimllm::tmpl {

bool is_template_function(std::string_view name);

// Checks the argument count ("wrong number of args for len: want 1 got 2"); throws Error.
void check_arity(std::string_view name, size_t count);

// Calls a function other than and/or. Throws Error with Go's message for bad arguments
// ("error calling index: index out of range: 5").
Value call_function(std::string_view name, const std::vector<Value>& args);

// fmt.Sprintf with Go's verbs, flags and error notations (%!d(string=x), %!v(MISSING)).
std::string go_sprintf(std::string_view format, const std::vector<Value>& args, size_t first);
// fmt.Sprint: spaces between operands when neither is a string.
std::string go_sprint(const std::vector<Value>& args);

}  // namespace slimllm::tmpl
