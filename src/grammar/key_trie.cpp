#include "grammar/key_trie.h"

#include <map>
#include <string_view>

#include "grammar/gbnf_text.h"

namespace slimllm::grammar {

std::vector<std::pair<std::string, std::string>> undeclared_key_rules(
    const std::vector<std::string>& spellings, const std::string& key_char,
    const std::function<std::string()>& new_name) {
  struct Node {
    std::map<std::string, size_t> children;
    bool terminal = false;
  };
  std::vector<Node> nodes(1);
  for (const std::string& spelled : spellings) {
    std::string_view content(spelled);
    content = content.substr(1, content.size() - 2);
    size_t node = 0;
    bool reachable = true;
    for (size_t i = 0; i < content.size();) {
      size_t length = 1;
      unsigned char lead = static_cast<unsigned char>(content[i]);
      if (content[i] == '\\') {
        length = content[i + 1] == 'u' ? 6 : 2;
        // key-char spells no \u escape, so a name needing one can never be written anyway.
        if (length == 6) reachable = false;
      } else if (lead >= 0xF0) {
        length = 4;
      } else if (lead >= 0xE0) {
        length = 3;
      } else if (lead >= 0xC0) {
        length = 2;
      }
      if (!reachable) break;
      std::string unit(content.substr(i, length));
      auto [it, inserted] = nodes[node].children.emplace(unit, nodes.size());
      if (inserted) nodes.emplace_back();
      node = it->second;
      i += length;
    }
    if (reachable) nodes[node].terminal = true;
  }
  std::string rest = key_char + "* \"\\\"\"";
  std::vector<std::string> names(nodes.size());
  for (size_t i = 0; i < nodes.size(); ++i) names[i] = new_name();
  std::vector<std::pair<std::string, std::string>> rules;
  for (size_t i = 0; i < nodes.size(); ++i) {
    const Node& node = nodes[i];
    std::vector<std::string> alternatives;
    if (!node.terminal) alternatives.push_back("\"\\\"\"");
    CodePointRanges raw_taken;
    std::string escapes_left = "\"\\bfnrt";
    for (const auto& [unit, child] : node.children) {
      if (unit[0] == '\\') {
        escapes_left.erase(escapes_left.find(unit[1]), 1);
      } else {
        char32_t c = 0;
        unsigned char lead = static_cast<unsigned char>(unit[0]);
        c = unit.size() == 1 ? lead : lead & (0x3F >> (unit.size() - 1));
        for (size_t k = 1; k < unit.size(); ++k) c = (c << 6) | (unit[k] & 0x3F);
        raw_taken.emplace_back(c, c);
      }
      alternatives.push_back(gbnf_literal(unit) + " " + names[child]);
    }
    CodePointRanges raw_left = subtract({{0x20, kMaxCodePoint}}, normalized(raw_taken));
    raw_left = subtract(raw_left, {{'"', '"'}, {'\\', '\\'}, {0x7F, 0x7F}});
    if (!raw_left.empty()) alternatives.push_back(gbnf_class(raw_left) + " " + rest);
    if (!escapes_left.empty()) {
      CodePointRanges letters;
      for (char c : escapes_left) letters.emplace_back(c, c);
      alternatives.push_back("\"\\\\\" " + gbnf_class(normalized(letters)) + " " + rest);
    }
    std::string text;
    for (const std::string& alternative : alternatives) {
      text += (text.empty() ? "" : " | ") + alternative;
    }
    rules.emplace_back(names[i], text);
  }
  return rules;
}

}  // namespace slimllm::grammar
