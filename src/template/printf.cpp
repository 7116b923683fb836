// fmt.Sprintf as templates use it through `printf`: verbs, flags, width and precision, and Go's
// in-band error notations instead of failures.
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "base/strings.h"
#include "template/functions.h"

namespace slimllm::tmpl {

namespace {

struct Spec {
  bool minus = false, plus = false, sharp = false, space = false, zero = false;
  int width = -1, precision = -1;
  char verb = 'v';
};

size_t rune_count(std::string_view s) {
  size_t n = 0;
  for (char c : s)
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  return n;
}

// Truncates to at most n runes.
std::string truncate_runes(const std::string& s, int n) {
  size_t count = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
      if (count == static_cast<size_t>(n)) return s.substr(0, i);
      ++count;
    }
  }
  return s;
}

std::string pad(std::string body, const Spec& spec, bool numeric) {
  if (spec.width < 0) return body;
  size_t width = static_cast<size_t>(spec.width);
  size_t n = rune_count(body);
  if (n >= width) return body;
  std::string fill(width - n, spec.zero && !spec.minus ? '0' : ' ');
  if (spec.minus) return body + fill;
  if (spec.zero && numeric && !body.empty() && (body[0] == '-' || body[0] == '+' || body[0] == ' '))
    return body.substr(0, 1) + fill + body.substr(1);
  return fill + body;
}

std::string quote(std::string_view s, bool ascii_only) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '\a':
        out += "\\a";
        continue;
      case '\b':
        out += "\\b";
        continue;
      case '\f':
        out += "\\f";
        continue;
      case '\n':
        out += "\\n";
        continue;
      case '\r':
        out += "\\r";
        continue;
      case '\t':
        out += "\\t";
        continue;
      case '\v':
        out += "\\v";
        continue;
      case '\\':
        out += "\\\\";
        continue;
      case '"':
        out += "\\\"";
        continue;
    }
    if (c < 0x20 || c == 0x7F) {
      out += str_printf("\\x%02x", c);
    } else if (c >= 0x80 && ascii_only) {
      out += str_printf("\\x%02x", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

std::string quote_rune(int64_t r) {
  if (r == '\'') return "'\\''";
  if (r == '\\') return "'\\\\'";
  if (r == '\n') return "'\\n'";
  if (r == '\t') return "'\\t'";
  if (r >= 0x20 && r < 0x7F) return std::string("'") + static_cast<char>(r) + "'";
  if (r < 0x20 || r == 0x7F) return str_printf("'\\x%02x'", static_cast<unsigned>(r));
  if (r > 0x10FFFF) return "'\xEF\xBF\xBD'";
  std::string utf8;
  uint32_t cp = static_cast<uint32_t>(r);
  if (cp < 0x800) {
    utf8 += static_cast<char>(0xC0 | (cp >> 6));
  } else if (cp < 0x10000) {
    utf8 += static_cast<char>(0xE0 | (cp >> 12));
    utf8 += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
  } else {
    utf8 += static_cast<char>(0xF0 | (cp >> 18));
    utf8 += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    utf8 += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
  }
  utf8 += static_cast<char>(0x80 | (cp & 0x3F));
  return "'" + utf8 + "'";
}

std::string bad_verb(const Value& v, char verb) {
  if (v.is_nil()) return str_cat("%!", std::string(1, verb), "(<nil>)");
  return str_cat("%!", std::string(1, verb), "(", v.type_name(), "=", v.to_string(), ")");
}

std::string format_unsigned(uint64_t magnitude, bool negative, const Spec& spec) {
  int base = 10;
  const char* digits = "0123456789abcdef";
  std::string prefix;
  switch (spec.verb) {
    case 'b':
      base = 2;
      if (spec.sharp) prefix = "0b";
      break;
    case 'o':
      base = 8;
      if (spec.sharp) prefix = "0";
      break;
    case 'O':
      base = 8;
      prefix = "0o";
      break;
    case 'x':
      base = 16;
      if (spec.sharp) prefix = "0x";
      break;
    case 'X':
      base = 16;
      digits = "0123456789ABCDEF";
      if (spec.sharp) prefix = "0X";
      break;
  }
  std::string body;
  do {
    body.insert(body.begin(), digits[magnitude % static_cast<uint64_t>(base)]);
    magnitude /= static_cast<uint64_t>(base);
  } while (magnitude);
  if (spec.precision >= 0 && body.size() < static_cast<size_t>(spec.precision))
    body.insert(0, static_cast<size_t>(spec.precision) - body.size(), '0');
  if (spec.precision == 0 && body == "0") body.clear();
  std::string sign = negative ? "-" : spec.plus ? "+" : spec.space ? " " : "";
  return pad(sign + prefix + body, spec, spec.precision < 0);
}

std::string format_integer(const Value& v, const Spec& spec) {
  bool negative = v.kind() == Value::Kind::kInt && v.as_int() < 0;
  uint64_t magnitude = v.kind() == Value::Kind::kUint ? v.as_uint()
                       : negative                     ? 0 - static_cast<uint64_t>(v.as_int())
                                                      : static_cast<uint64_t>(v.as_int());
  switch (spec.verb) {
    case 'v':
    case 'd': {
      Spec s = spec;
      s.verb = 'd';
      return format_unsigned(magnitude, negative, s);
    }
    case 'b':
    case 'o':
    case 'O':
    case 'x':
    case 'X':
      return format_unsigned(magnitude, negative, spec);
    case 'c': {
      std::string q = quote_rune(negative ? 0xFFFD : static_cast<int64_t>(magnitude));
      return pad(q.substr(1, q.size() - 2), spec, false);
    }
    case 'q':
      return pad(quote_rune(negative ? 0xFFFD : static_cast<int64_t>(magnitude)), spec, false);
    case 'U':
      return pad(str_printf("U+%04llX", static_cast<unsigned long long>(magnitude)), spec, false);
    default:
      return bad_verb(v, spec.verb);
  }
}

std::string format_float(const Value& v, const Spec& spec) {
  double f = v.as_float();
  std::string body;
  switch (spec.verb) {
    case 'v':
    case 'g':
    case 'G':
      if (spec.precision < 0) {
        body = tmpl::go_format_float(f);
        if (spec.verb == 'G')
          for (char& c : body) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      } else {
        body = str_printf(spec.verb == 'G' ? "%.*G" : "%.*g", spec.precision, f);
      }
      break;
    case 'e':
    case 'E':
      body = str_printf(spec.verb == 'e' ? "%.*e" : "%.*E", spec.precision < 0 ? 6 : spec.precision,
                        f);
      break;
    case 'f':
    case 'F':
      body = str_printf("%.*f", spec.precision < 0 ? 6 : spec.precision, f);
      break;
    default:
      return bad_verb(v, spec.verb);
  }
  if (std::isinf(f)) body = f > 0 ? "+Inf" : "-Inf";
  if (std::isnan(f)) body = "NaN";
  if (spec.plus && body[0] != '-' && body[0] != '+') body = "+" + body;
  if (!spec.plus && body[0] == '+' && std::isinf(f)) body = body.substr(1);
  if (spec.space && body[0] != '-' && body[0] != '+') body = " " + body;
  return pad(body, spec, true);
}

std::string format_string(const std::string& s, const Spec& spec, const Value& v) {
  switch (spec.verb) {
    case 'v':
    case 's':
      return pad(spec.precision >= 0 ? truncate_runes(s, spec.precision) : s, spec, false);
    case 'q':
      return pad(quote(spec.precision >= 0 ? truncate_runes(s, spec.precision) : s, spec.plus),
                 spec, false);
    case 'x':
    case 'X': {
      std::string out;
      for (size_t i = 0; i < s.size(); ++i) {
        if (i && spec.space) out += ' ';
        out += str_printf(spec.verb == 'x' ? "%02x" : "%02X", static_cast<unsigned char>(s[i]));
      }
      return pad(out, spec, false);
    }
    default:
      return bad_verb(v, spec.verb);
  }
}

std::string format_value(const Value& v, const Spec& spec) {
  switch (v.kind()) {
    case Value::Kind::kNil:
      return spec.verb == 'v' ? pad("<nil>", spec, false) : bad_verb(v, spec.verb);
    case Value::Kind::kBool:
      if (spec.verb != 'v' && spec.verb != 't') return bad_verb(v, spec.verb);
      return pad(v.as_bool() ? "true" : "false", spec, false);
    case Value::Kind::kInt:
    case Value::Kind::kUint:
      return format_integer(v, spec);
    case Value::Kind::kFloat:
      return format_float(v, spec);
    case Value::Kind::kString:
      return format_string(v.as_string(), spec, v);
    case Value::Kind::kList: {
      Spec inner = spec;
      inner.width = -1;
      std::string out = "[";
      for (size_t i = 0; i < v.list_size(); ++i) {
        if (i) out += ' ';
        out += format_value(v.at(i), inner);
      }
      return pad(out + "]", spec, false);
    }
    case Value::Kind::kMap: {
      if (v.is_json_object()) {
        if (spec.verb == 'v' || spec.verb == 's' || spec.verb == 'q' || spec.verb == 'x' ||
            spec.verb == 'X')
          return format_string(v.to_string(), spec, v);
        return bad_verb(v, spec.verb);
      }
      Spec inner = spec;
      inner.width = -1;
      std::string out = "map[";
      bool first = true;
      for (const auto& [key, item] : v.entries()) {
        if (!first) out += ' ';
        first = false;
        out += format_value(Value::string(key), inner) + ":" + format_value(item, inner);
      }
      return pad(out + "]", spec, false);
    }
  }
  return "";
}

}  // namespace

std::string go_sprintf(std::string_view format, const std::vector<Value>& args, size_t first) {
  std::string out;
  size_t next_arg = first;
  size_t i = 0;
  auto read_number = [&](int* target) {
    if (i < format.size() && format[i] == '*') {
      ++i;
      if (next_arg < args.size() && args[next_arg].kind() == Value::Kind::kInt) {
        int64_t n = args[next_arg++].as_int();
        *target = n < 0 || n > 1000000 ? -1 : static_cast<int>(n);
        return true;
      }
      ++next_arg;
      out += "%!(BADWIDTH)";
      return false;
    }
    bool any = false;
    int n = 0;
    while (i < format.size() && format[i] >= '0' && format[i] <= '9') {
      n = std::min(n * 10 + (format[i] - '0'), 1000000);
      ++i;
      any = true;
    }
    if (any) *target = n;
    return true;
  };
  while (i < format.size()) {
    char c = format[i++];
    if (c != '%') {
      out += c;
      continue;
    }
    if (i >= format.size()) {
      out += "%!(NOVERB)";
      break;
    }
    Spec spec;
    for (; i < format.size(); ++i) {
      char f = format[i];
      if (f == '-')
        spec.minus = true;
      else if (f == '+')
        spec.plus = true;
      else if (f == '#')
        spec.sharp = true;
      else if (f == ' ')
        spec.space = true;
      else if (f == '0')
        spec.zero = true;
      else
        break;
    }
    read_number(&spec.width);
    if (i < format.size() && format[i] == '.') {
      ++i;
      spec.precision = 0;
      read_number(&spec.precision);
    }
    if (i >= format.size()) {
      out += "%!(NOVERB)";
      break;
    }
    spec.verb = format[i++];
    if (spec.verb == '%') {
      out += '%';
      continue;
    }
    if (next_arg >= args.size()) {
      out += str_cat("%!", std::string(1, spec.verb), "(MISSING)");
      continue;
    }
    const Value& v = args[next_arg++];
    if (spec.verb == 'T') {
      out += pad(v.type_name(), spec, false);
    } else {
      out += format_value(v, spec);
    }
  }
  if (next_arg < args.size()) {
    out += "%!(EXTRA ";
    for (size_t k = next_arg; k < args.size(); ++k) {
      if (k > next_arg) out += ", ";
      out += args[k].is_nil() ? "<nil>" : str_cat(args[k].type_name(), "=", args[k].to_string());
    }
    out += ")";
  }
  return out;
}

}  // namespace slimllm::tmpl
