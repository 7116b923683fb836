#include "template/builtin_templates.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "base/error.h"

namespace slimllm {

namespace {

struct DataFile {
  const char* name;
  const char* text;
};

constexpr DataFile kData[] = {
#include "template/builtin_data.inc"
};

constexpr size_t kMaxDistance = 100;

std::string_view data_file(std::string_view name) {
  for (const auto& f : kData)
    if (name == f.name) return f.text;
  fail("built-in template data file ", name, " is missing");
}

struct Known {
  std::vector<BuiltinTemplate> templates;
  std::vector<std::pair<std::u32string, std::string>> jinja;  // (text, family)
};

std::u32string code_points(std::string_view s) {
  std::u32string out;
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80             ? 1
               : (c & 0xE0) == 0xC0 ? 2
               : (c & 0xF0) == 0xE0 ? 3
               : (c & 0xF8) == 0xF0 ? 4
                                    : 1;
    if (i + n > s.size()) n = 1;
    char32_t cp = n == 1 ? c : c & (0xFF >> (n + 1));
    for (size_t k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    out.push_back(cp);
    i += n;
  }
  return out;
}

size_t distance(const std::u32string& a, const std::u32string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

const Known& known() {
  static const Known k = [] {
    Known out;
    for (const char* name :
         {"chatml", "gemma-instruct", "llama2-chat", "llama3-instruct", "mistral-instruct", "phi-3",
          "qwen3", "deepseek-r1", "gemma3", "phi4-mini", "granite3", "granite3.3"}) {
      BuiltinTemplate t;
      t.name = name;
      t.text = std::string(data_file(std::string(name) + ".gotmpl"));
      t.params = nlohmann::json::parse(data_file(std::string(name) + ".json"));
      for (const auto& s : t.params.at("stop")) t.stop.push_back(s.get<std::string>());
      out.templates.push_back(std::move(t));
    }
    for (const auto& entry : nlohmann::json::parse(data_file("index.json")))
      out.jinja.emplace_back(code_points(entry.at("template").get<std::string>()),
                             entry.at("name").get<std::string>());
    return out;
  }();
  return k;
}

}  // namespace

size_t levenshtein(std::string_view a, std::string_view b) {
  return distance(code_points(a), code_points(b));
}

const std::vector<BuiltinTemplate>& builtin_templates() {
  return known().templates;
}

const BuiltinTemplate* find_builtin_template(std::string_view name) {
  for (const auto& t : known().templates)
    if (t.name == name) return &t;
  return nullptr;
}

const BuiltinTemplate* match_builtin_template(std::string_view chat_template) {
  std::u32string text = code_points(chat_template);
  size_t best = SIZE_MAX;
  const std::string* family = nullptr;
  for (const auto& [jinja, name] : known().jinja) {
    // The distance is at least the length difference: skip what cannot win.
    size_t gap =
        jinja.size() > text.size() ? jinja.size() - text.size() : text.size() - jinja.size();
    if (gap >= std::min(best, kMaxDistance)) continue;
    size_t d = distance(text, jinja);
    if (d < best) {
      best = d;
      family = &name;
    }
  }
  if (!family || best >= kMaxDistance) return nullptr;
  return find_builtin_template(*family);
}

}  // namespace slimllm
