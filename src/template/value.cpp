#include "template/value.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "base/error.h"

namespace slimllm {

namespace {

const std::string kEmpty;

std::string shortest(double f, std::chars_format format) {
  char buffer[128];
  auto result = std::to_chars(buffer, buffer + sizeof buffer, f, format);
  return std::string(buffer, result.ptr);
}

// Decodes one UTF-8 sequence at s[i]; returns the code point or -1 when invalid, and its length.
int32_t decode_utf8(std::string_view s, size_t i, size_t* length) {
  auto byte = [&](size_t k) { return static_cast<uint8_t>(s[k]); };
  uint8_t c = byte(i);
  *length = 1;
  if (c < 0x80) return c;
  size_t need;
  int32_t cp;
  if ((c & 0xE0) == 0xC0) {
    need = 1, cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    need = 2, cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    need = 3, cp = c & 0x07;
  } else {
    return -1;
  }
  if (i + need >= s.size()) return -1;
  for (size_t k = 1; k <= need; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return -1;
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  static constexpr int32_t kMin[] = {0, 0x80, 0x800, 0x10000};
  if (cp < kMin[need] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return -1;
  *length = need + 1;
  return cp;
}

}  // namespace

namespace tmpl {

std::string go_format_float(double f) {
  if (std::isnan(f)) return "NaN";
  if (std::isinf(f)) return f > 0 ? "+Inf" : "-Inf";
  if (f == 0) return std::signbit(f) ? "-0" : "0";
  std::string sci = shortest(f, std::chars_format::scientific);
  size_t e = sci.find('e');
  int exponent = std::atoi(sci.c_str() + e + 1);
  if (exponent < -4 || exponent >= 6) return sci;  // already Go's form: 1e+06, 1.5e-05
  return shortest(f, std::chars_format::fixed);
}

std::string go_json_float(double f) {
  if (!std::isfinite(f)) return "null";  // Go fails here; a prompt is better served by null
  double a = std::fabs(f);
  if (a != 0 && (a < 1e-6 || a >= 1e21)) {
    std::string s = shortest(f, std::chars_format::scientific);
    size_t n = s.size();
    if (n >= 4 && s[n - 4] == 'e' && s[n - 3] == '-' && s[n - 2] == '0') s.erase(n - 2, 1);
    return s;
  }
  if (f == 0) return std::signbit(f) ? "-0" : "0";
  return shortest(f, std::chars_format::fixed);
}

void append_go_json_string(std::string& out, std::string_view s) {
  static const char* kHex = "0123456789abcdef";
  out += '"';
  for (size_t i = 0; i < s.size();) {
    uint8_t c = static_cast<uint8_t>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        case '\b':
          out += "\\b";
          break;
        case '\f':
          out += "\\f";
          break;
        default:
          if (c < 0x20 || c == '<' || c == '>' || c == '&') {
            out += "\\u00";
            out += kHex[c >> 4];
            out += kHex[c & 15];
          } else {
            out += static_cast<char>(c);
          }
      }
      ++i;
      continue;
    }
    size_t length;
    int32_t cp = decode_utf8(s, i, &length);
    if (cp < 0) {
      out += "\\ufffd";
    } else if (cp == 0x2028 || cp == 0x2029) {
      out += cp == 0x2028 ? "\\u2028" : "\\u2029";
    } else {
      out.append(s.substr(i, length));
    }
    i += length;
  }
  out += '"';
}

}  // namespace tmpl

using tmpl::append_go_json_string;
using tmpl::go_format_float;
using tmpl::go_json_float;

Value Value::boolean(bool b) {
  Value v;
  v.kind_ = Kind::kBool;
  v.b_ = b;
  return v;
}

Value Value::integer(int64_t i) {
  Value v;
  v.kind_ = Kind::kInt;
  v.i_ = i;
  return v;
}

Value Value::unsigned_integer(uint64_t u) {
  Value v;
  v.kind_ = Kind::kUint;
  v.u_ = u;
  return v;
}

Value Value::number(double f) {
  Value v;
  v.kind_ = Kind::kFloat;
  v.f_ = f;
  return v;
}

Value Value::string(std::string s) {
  Value v;
  v.kind_ = Kind::kString;
  v.s_ = std::make_shared<const std::string>(std::move(s));
  return v;
}

Value Value::list(List items) {
  Value v;
  v.kind_ = Kind::kList;
  v.end_ = items.size();
  v.list_ = std::make_shared<const List>(std::move(items));
  return v;
}

Value Value::json_list(List items) {
  Value v = list(std::move(items));
  v.json_print_list_ = true;
  return v;
}

Value Value::map(Entries entries) {
  std::stable_sort(entries.begin(), entries.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  Value v;
  v.kind_ = Kind::kMap;
  auto data = std::make_shared<MapData>();
  data->entries = std::move(entries);
  v.map_ = std::move(data);
  return v;
}

Value Value::json_object(Entries entries, std::string json) {
  Value v;
  v.kind_ = Kind::kMap;
  auto data = std::make_shared<MapData>();
  data->entries = std::move(entries);
  data->json_print = true;
  data->json = std::move(json);
  v.map_ = std::move(data);
  return v;
}

Value Value::from_json(const nlohmann::ordered_json& j, bool numbers_as_float) {
  using T = nlohmann::ordered_json::value_t;
  switch (j.type()) {
    case T::boolean:
      return boolean(j.get<bool>());
    case T::number_integer:
      return numbers_as_float ? number(static_cast<double>(j.get<int64_t>()))
                              : integer(j.get<int64_t>());
    case T::number_unsigned: {
      uint64_t u = j.get<uint64_t>();
      if (numbers_as_float) return number(static_cast<double>(u));
      return u <= static_cast<uint64_t>(INT64_MAX) ? integer(static_cast<int64_t>(u))
                                                   : unsigned_integer(u);
    }
    case T::number_float:
      return number(j.get<double>());
    case T::string:
      return string(j.get<std::string>());
    case T::array: {
      List items;
      items.reserve(j.size());
      for (const auto& item : j) items.push_back(from_json(item, numbers_as_float));
      return list(std::move(items));
    }
    case T::object: {
      Entries entries;
      entries.reserve(j.size());
      for (const auto& [key, item] : j.items())
        entries.emplace_back(key, from_json(item, numbers_as_float));
      return map(std::move(entries));
    }
    default:
      return Value();
  }
}

const std::string& Value::as_string() const {
  return s_ ? *s_ : kEmpty;
}

bool Value::truth() const {
  switch (kind_) {
    case Kind::kNil:
      return false;
    case Kind::kBool:
      return b_;
    case Kind::kInt:
      return i_ != 0;
    case Kind::kUint:
      return u_ != 0;
    case Kind::kFloat:
      return f_ != 0;
    case Kind::kString:
      return !as_string().empty();
    case Kind::kList:
      return list_size() > 0;
    case Kind::kMap:
      return map_->json_print || !map_->entries.empty();  // structs are true
  }
  return false;
}

std::string Value::type_name() const {
  switch (kind_) {
    case Kind::kNil:
      return "<nil>";
    case Kind::kBool:
      return "bool";
    case Kind::kInt:
      return "int";
    case Kind::kUint:
      return "uint";
    case Kind::kFloat:
      return "float64";
    case Kind::kString:
      return "string";
    case Kind::kList:
      return "[]interface {}";
    case Kind::kMap:
      return map_->json_print ? "struct" : "map[string]interface {}";
  }
  return "?";
}

Value Value::slice(size_t from, size_t to) const {
  Value v = *this;
  v.begin_ = begin_ + from;
  v.end_ = begin_ + to;
  return v;
}

const Value::Entries& Value::entries() const {
  static const Entries kNone;
  return map_ ? map_->entries : kNone;
}

const Value* Value::find(std::string_view key) const {
  if (!map_) return nullptr;
  for (const auto& [k, v] : map_->entries)
    if (k == key) return &v;
  return nullptr;
}

void Value::append_to(std::string& out) const {
  switch (kind_) {
    case Kind::kNil:
      out += "<nil>";
      break;
    case Kind::kBool:
      out += b_ ? "true" : "false";
      break;
    case Kind::kInt:
      out += std::to_string(i_);
      break;
    case Kind::kUint:
      out += std::to_string(u_);
      break;
    case Kind::kFloat:
      out += go_format_float(f_);
      break;
    case Kind::kString:
      out += as_string();
      break;
    case Kind::kList:
      if (json_print_list_) {
        append_json(out);
        break;
      }
      out += '[';
      for (size_t i = 0; i < list_size(); ++i) {
        if (i) out += ' ';
        at(i).append_to(out);
      }
      out += ']';
      break;
    case Kind::kMap:
      if (map_->json_print) {
        out += map_->json;
        break;
      }
      out += "map[";
      for (size_t i = 0; i < map_->entries.size(); ++i) {
        if (i) out += ' ';
        out += map_->entries[i].first;
        out += ':';
        map_->entries[i].second.append_to(out);
      }
      out += ']';
      break;
  }
}

std::string Value::to_string() const {
  std::string out;
  append_to(out);
  return out;
}

void Value::append_json(std::string& out) const {
  switch (kind_) {
    case Kind::kNil:
      out += "null";
      break;
    case Kind::kBool:
      out += b_ ? "true" : "false";
      break;
    case Kind::kInt:
      out += std::to_string(i_);
      break;
    case Kind::kUint:
      out += std::to_string(u_);
      break;
    case Kind::kFloat:
      out += go_json_float(f_);
      break;
    case Kind::kString:
      append_go_json_string(out, as_string());
      break;
    case Kind::kList:
      out += '[';
      for (size_t i = 0; i < list_size(); ++i) {
        if (i) out += ',';
        at(i).append_json(out);
      }
      out += ']';
      break;
    case Kind::kMap:
      if (map_->json_print) {
        out += map_->json;
        break;
      }
      out += '{';
      for (size_t i = 0; i < map_->entries.size(); ++i) {
        if (i) out += ',';
        append_go_json_string(out, map_->entries[i].first);
        out += ':';
        map_->entries[i].second.append_json(out);
      }
      out += '}';
      break;
  }
}

}  // namespace slimllm
