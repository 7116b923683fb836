// The values a template sees, with Go's semantics: the kinds text/template distinguishes (nil,
// bool, int, uint, float64, string, slice, map), Go's truthiness, and printing as fmt's %v does.
// Composite values share their storage, so copying a Value or slicing a list is cheap; a parsed
// template renders many requests, each with its own Value tree.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace slimllm {

class Value {
 public:
  enum class Kind : uint8_t { kNil, kBool, kInt, kUint, kFloat, kString, kList, kMap };
  using List = std::vector<Value>;
  using Entries = std::vector<std::pair<std::string, Value>>;

  Value() = default;
  static Value boolean(bool b);
  static Value integer(int64_t i);
  static Value unsigned_integer(uint64_t u);
  static Value number(double f);
  static Value string(std::string s);
  static Value list(List items);
  // A Go slice type whose String() prints its JSON (Ollama's api.Tools: `{{ .Tools }}` prints the
  // compact JSON array, where a plain slice prints [a b]); ranged over and sliced as a list.
  static Value json_list(List items);
  // A Go map: printed as map[k:v ...] and ranged over in sorted key order.
  static Value map(Entries entries);
  // A Go value whose String() method prints `json` (Ollama's tools and tool-call arguments):
  // fields keep their order, and printing it yields the compact JSON text.
  static Value json_object(Entries entries, std::string json);
  // JSON as Go decodes it into a map[string]any: objects become maps. Integers stay Go ints
  // unless numbers_as_float (what encoding/json does for `any`).
  static Value from_json(const nlohmann::ordered_json& j, bool numbers_as_float = false);

  Kind kind() const { return kind_; }
  bool is_nil() const { return kind_ == Kind::kNil; }
  bool as_bool() const { return b_; }
  int64_t as_int() const { return i_; }
  uint64_t as_uint() const { return u_; }
  double as_float() const { return f_; }
  const std::string& as_string() const;
  bool is_json_object() const { return kind_ == Kind::kMap && map_->json_print; }

  // Go's notion of "true" for if/with/and/or/not.
  bool truth() const;
  // Go's kind name for error messages ("string", "int", "[]interface {}", ...).
  std::string type_name() const;

  // Lists.
  size_t list_size() const { return end_ - begin_; }
  const Value& at(size_t i) const { return (*list_)[begin_ + i]; }
  Value slice(size_t from, size_t to) const;  // from <= to <= list_size()

  // Maps: entries in iteration order (sorted for Go maps, declared order for JSON objects).
  const Entries& entries() const;
  // nullptr when the key is missing.
  const Value* find(std::string_view key) const;

  // fmt's %v: "<nil>", numbers as Go prints them, [a b], map[k:v], JSON text for JSON objects.
  std::string to_string() const;
  void append_to(std::string& out) const;
  // encoding/json's Marshal (HTML-escaped, compact); fails on nothing (NaN prints as null).
  void append_json(std::string& out) const;

 private:
  struct MapData {
    Entries entries;
    bool json_print = false;
    std::string json;
  };
  Kind kind_ = Kind::kNil;
  bool b_ = false;
  int64_t i_ = 0;
  uint64_t u_ = 0;
  double f_ = 0;
  std::shared_ptr<const std::string> s_;
  std::shared_ptr<const List> list_;
  size_t begin_ = 0, end_ = 0;
  bool json_print_list_ = false;
  std::shared_ptr<const MapData> map_;
};

// Go's formatting rules, in the template layer's own namespace (store/ has its own JSON writer;
// these serve template values only).
namespace tmpl {

// Go's formatting of a float64 for %v (strconv 'g', shortest: %e below 1e-4 and from 1e6).
std::string go_format_float(double f);
// encoding/json's formatting of a float64.
std::string go_json_float(double f);
// encoding/json's string quoting with HTML escaping (<, >, & as \u003c, \u003e, \u0026).
void append_go_json_string(std::string& out, std::string_view s);

}  // namespace tmpl

}  // namespace slimllm
