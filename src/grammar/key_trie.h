// The keys an object may use for its undeclared properties: every JSON string except the declared
// names. A trie of the declared names' spellings gives one rule per node, which either closes the
// key (unless a declared name ends there), leaves the trie with a character no declared name
// continues with, or follows a declared name one character further; the rules grow with the
// total length of the names.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace slimllm::grammar {

// `spellings` are the declared names as compact JSON strings (quotes included), as the grammar
// writes them. `key_char` names the rule for one character of an undeclared key; it must spell
// escapes in their short forms only (\" \\ \b \f \n \r \t), so every key has one spelling and a
// declared name cannot come back spelled differently. Returns (name, body) rules from
// `new_name`; the first matches the key after its opening quote, closing quote included.
std::vector<std::pair<std::string, std::string>> undeclared_key_rules(
    const std::vector<std::string>& spellings, const std::string& key_char,
    const std::function<std::string()>& new_name);

}  // namespace slimllm::grammar
