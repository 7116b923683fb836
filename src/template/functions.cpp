#include "template/functions.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>

#include "base/error.h"

namespace slimllm::tmpl {

namespace {

struct Arity {
  std::string_view name;
  size_t min;
  bool variadic;
};

constexpr Arity kFunctions[] = {
    {"and", 1, true},
    {"or", 1, true},
    {"not", 1, false},
    {"len", 1, false},
    {"index", 1, true},
    {"slice", 1, true},
    {"print", 0, true},
    {"printf", 1, true},
    {"println", 0, true},
    {"html", 0, true},
    {"js", 0, true},
    {"urlquery", 0, true},
    {"call", 1, true},
    {"eq", 1, true},
    {"ne", 2, false},
    {"lt", 2, false},
    {"le", 2, false},
    {"gt", 2, false},
    {"ge", 2, false},
    {"json", 1, false},
    {"currentDate", 0, false},
    {"yesterdayDate", 0, false},
    {"toTypeScriptType", 1, false},
};

[[noreturn]] void call_error(std::string_view name, const std::string& message) {
  fail("error calling ", name, ": ", message);
}

// The basic kinds Go's comparison functions distinguish.
enum class Basic { kInvalid, kBool, kInt, kUint, kFloat, kString, kOther };

Basic basic_kind(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kNil:
      return Basic::kInvalid;
    case Value::Kind::kBool:
      return Basic::kBool;
    case Value::Kind::kInt:
      return Basic::kInt;
    case Value::Kind::kUint:
      return Basic::kUint;
    case Value::Kind::kFloat:
      return Basic::kFloat;
    case Value::Kind::kString:
      return Basic::kString;
    default:
      return Basic::kOther;
  }
}

bool go_eq(const Value& a, const std::vector<Value>& args) {
  if (args.size() < 2) call_error("eq", "missing argument for comparison");
  Basic k1 = basic_kind(a);
  for (size_t i = 1; i < args.size(); ++i) {
    const Value& b = args[i];
    Basic k2 = basic_kind(b);
    bool truth = false;
    if (k1 != k2) {
      if (k1 == Basic::kInt && k2 == Basic::kUint) {
        truth = a.as_int() >= 0 && static_cast<uint64_t>(a.as_int()) == b.as_uint();
      } else if (k1 == Basic::kUint && k2 == Basic::kInt) {
        truth = b.as_int() >= 0 && a.as_uint() == static_cast<uint64_t>(b.as_int());
      } else if (k1 != Basic::kInvalid && k2 != Basic::kInvalid) {
        call_error("eq", "incompatible types for comparison");
      }
    } else {
      switch (k1) {
        case Basic::kInvalid:
          truth = true;
          break;
        case Basic::kBool:
          truth = a.as_bool() == b.as_bool();
          break;
        case Basic::kInt:
          truth = a.as_int() == b.as_int();
          break;
        case Basic::kUint:
          truth = a.as_uint() == b.as_uint();
          break;
        case Basic::kFloat:
          truth = a.as_float() == b.as_float();
          break;
        case Basic::kString:
          truth = a.as_string() == b.as_string();
          break;
        case Basic::kOther:
          call_error("eq", str_cat("non-comparable type ", a.to_string(), ": ", a.type_name()));
      }
    }
    if (truth) return true;
  }
  return false;
}

bool go_lt(std::string_view name, const Value& a, const Value& b) {
  Basic k1 = basic_kind(a), k2 = basic_kind(b);
  if (k1 == Basic::kInvalid || k1 == Basic::kBool || k1 == Basic::kOther || k2 == Basic::kInvalid ||
      k2 == Basic::kBool || k2 == Basic::kOther)
    call_error(name, "invalid type for comparison");
  if (k1 != k2) {
    if (k1 == Basic::kInt && k2 == Basic::kUint)
      return a.as_int() < 0 || static_cast<uint64_t>(a.as_int()) < b.as_uint();
    if (k1 == Basic::kUint && k2 == Basic::kInt)
      return b.as_int() >= 0 && a.as_uint() < static_cast<uint64_t>(b.as_int());
    call_error(name, "incompatible types for comparison");
  }
  switch (k1) {
    case Basic::kInt:
      return a.as_int() < b.as_int();
    case Basic::kUint:
      return a.as_uint() < b.as_uint();
    case Basic::kFloat:
      return a.as_float() < b.as_float();
    default:
      return a.as_string() < b.as_string();
  }
}

int64_t index_of(std::string_view name, const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kInt:
      return v.as_int();
    case Value::Kind::kUint:
      if (v.as_uint() > static_cast<uint64_t>(INT64_MAX)) call_error(name, "index out of range");
      return static_cast<int64_t>(v.as_uint());
    case Value::Kind::kNil:
      call_error(name, "cannot index slice/array with nil");
    default:
      call_error(name, str_cat("cannot index slice/array with type ", v.type_name()));
  }
}

Value go_index(const std::vector<Value>& args) {
  Value item = args[0];
  for (size_t i = 1; i < args.size(); ++i) {
    const Value& key = args[i];
    switch (item.kind()) {
      case Value::Kind::kNil:
        call_error("index", "index of untyped nil");
      case Value::Kind::kList:
      case Value::Kind::kString: {
        int64_t x = index_of("index", key);
        size_t size =
            item.kind() == Value::Kind::kList ? item.list_size() : item.as_string().size();
        if (x < 0 || static_cast<uint64_t>(x) >= size)
          call_error("index", str_cat("index out of range: ", x));
        if (item.kind() == Value::Kind::kList) {
          Value next = item.at(static_cast<size_t>(x));
          item = next;
        } else {
          item = Value::integer(static_cast<uint8_t>(item.as_string()[static_cast<size_t>(x)]));
        }
        break;
      }
      case Value::Kind::kMap: {
        if (key.kind() != Value::Kind::kString)
          call_error("index", str_cat("value has type ", key.type_name(), "; should be string"));
        const Value* found = item.find(key.as_string());
        item = found ? *found : Value();
        break;
      }
      default:
        call_error("index", str_cat("can't index item of type ", item.type_name()));
    }
  }
  return item;
}

Value go_slice(const std::vector<Value>& args) {
  const Value& item = args[0];
  if (args.size() > 4)
    call_error("slice", "too many slice indexes: " + std::to_string(args.size() - 1));
  size_t size;
  if (item.kind() == Value::Kind::kString) {
    if (args.size() == 4) call_error("slice", "cannot 3-index slice a string");
    size = item.as_string().size();
  } else if (item.kind() == Value::Kind::kList) {
    size = item.list_size();
  } else if (item.is_nil()) {
    call_error("slice", "slice of untyped nil");
  } else {
    call_error("slice", str_cat("can't slice item of type ", item.type_name()));
  }
  int64_t idx[3] = {0, static_cast<int64_t>(size), static_cast<int64_t>(size)};
  for (size_t i = 1; i < args.size(); ++i) {
    int64_t x = index_of("slice", args[i]);
    if (x < 0 || static_cast<uint64_t>(x) > size)
      call_error("slice", str_cat("index out of range: ", x));
    idx[i - 1] = x;
  }
  if (args.size() < 3) idx[1] = static_cast<int64_t>(size);
  if (idx[0] > idx[1]) call_error("slice", str_cat("invalid slice index: ", idx[0], " > ", idx[1]));
  if (args.size() == 4 && idx[1] > idx[2])
    call_error("slice", str_cat("invalid slice index: ", idx[1], " > ", idx[2]));
  if (item.kind() == Value::Kind::kString)
    return Value::string(
        item.as_string().substr(static_cast<size_t>(idx[0]), static_cast<size_t>(idx[1] - idx[0])));
  return item.slice(static_cast<size_t>(idx[0]), static_cast<size_t>(idx[1]));
}

// html/js/urlquery take their arguments as one string: the string itself, or fmt.Sprint.
std::string eval_args(const std::vector<Value>& args) {
  if (args.size() == 1 && args[0].kind() == Value::Kind::kString) return args[0].as_string();
  return go_sprint(args);
}

std::string html_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '"':
        out += "&#34;";
        break;
      case '\'':
        out += "&#39;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '\0':
        out += "\xEF\xBF\xBD";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string js_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\'':
        out += "\\'";
        break;
      case '"':
        out += "\\\"";
        break;
      case '<':
        out += "\\u003C";
        break;
      case '>':
        out += "\\u003E";
        break;
      case '&':
        out += "\\u0026";
        break;
      case '=':
        out += "\\u003D";
        break;
      default:
        if (u < 0x20 || u == 0x7F) {
          out += str_printf("\\u%04X", u);
        } else {
          out += c;
        }
    }
  }
  return out;
}

std::string query_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      out += c;
    } else if (c == ' ') {
      out += '+';
    } else {
      out += str_printf("%%%02X", u);
    }
  }
  return out;
}

std::string date_string(int days_back) {
  std::time_t now = std::time(nullptr) - static_cast<std::time_t>(days_back) * 86400;
  std::tm local{};
  localtime_r(&now, &local);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%d", &local);
  return buffer;
}

std::string typescript_type(const std::string& json_type) {
  if (json_type == "string") return "string";
  if (json_type == "number" || json_type == "integer") return "number";
  if (json_type == "boolean") return "boolean";
  if (json_type == "array") return "any[]";
  if (json_type == "object") return "Record<string, any>";
  if (json_type == "null") return "null";
  return "any";
}

// Ollama's ToolProperty.ToTypeScriptType: anyOf and type lists joined by " | ".
std::string to_typescript(const Value& v) {
  if (v.kind() != Value::Kind::kMap) return "any";
  std::vector<std::string> parts;
  const Value* any_of = v.find("AnyOf");
  if (any_of && any_of->kind() == Value::Kind::kList && any_of->list_size() > 0) {
    for (size_t i = 0; i < any_of->list_size(); ++i) parts.push_back(to_typescript(any_of->at(i)));
  } else if (const Value* type = v.find("Type")) {
    if (type->kind() == Value::Kind::kString) {
      parts.push_back(typescript_type(type->as_string()));
    } else if (type->kind() == Value::Kind::kList) {
      for (size_t i = 0; i < type->list_size(); ++i)
        parts.push_back(typescript_type(type->at(i).as_string()));
    }
  }
  if (parts.empty()) return "any";
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? " | " : "") + parts[i];
  return out;
}

}  // namespace

bool is_template_function(std::string_view name) {
  for (const auto& f : kFunctions)
    if (f.name == name) return true;
  return false;
}

void check_arity(std::string_view name, size_t count) {
  for (const auto& f : kFunctions) {
    if (f.name != name) continue;
    if (f.variadic && count < f.min)
      fail("wrong number of args for ", name, ": want at least ", f.min, " got ", count);
    if (!f.variadic && count != f.min)
      fail("wrong number of args for ", name, ": want ", f.min, " got ", count);
    return;
  }
  fail("function \"", name, "\" not defined");
}

std::string go_sprint(const std::vector<Value>& args) {
  std::string out;
  for (size_t i = 0; i < args.size(); ++i) {
    bool is_string = args[i].kind() == Value::Kind::kString;
    if (i > 0 && !is_string && args[i - 1].kind() != Value::Kind::kString) out += ' ';
    args[i].append_to(out);
  }
  return out;
}

Value call_function(std::string_view name, const std::vector<Value>& args) {
  check_arity(name, args.size());
  if (name == "not") return Value::boolean(!args[0].truth());
  if (name == "len") {
    switch (args[0].kind()) {
      case Value::Kind::kString:
        return Value::integer(static_cast<int64_t>(args[0].as_string().size()));
      case Value::Kind::kList:
        return Value::integer(static_cast<int64_t>(args[0].list_size()));
      case Value::Kind::kMap:
        return Value::integer(static_cast<int64_t>(args[0].entries().size()));
      case Value::Kind::kNil:
        call_error("len", "len of untyped nil");
      default:
        call_error("len", str_cat("len of type ", args[0].type_name()));
    }
  }
  if (name == "index") return go_index(args);
  if (name == "slice") return go_slice(args);
  if (name == "print") return Value::string(go_sprint(args));
  if (name == "println") {
    std::string out;
    for (size_t i = 0; i < args.size(); ++i) {
      if (i) out += ' ';
      args[i].append_to(out);
    }
    return Value::string(out + "\n");
  }
  if (name == "printf") {
    if (args[0].kind() != Value::Kind::kString)
      fail("wrong type for value; expected string; got ", args[0].type_name());
    return Value::string(go_sprintf(args[0].as_string(), args, 1));
  }
  if (name == "html") return Value::string(html_escape(eval_args(args)));
  if (name == "js") return Value::string(js_escape(eval_args(args)));
  if (name == "urlquery") return Value::string(query_escape(eval_args(args)));
  if (name == "call") {
    if (args[0].is_nil()) call_error("call", "call of nil");
    call_error("call", str_cat("non-function of type ", args[0].type_name()));
  }
  if (name == "eq") return Value::boolean(go_eq(args[0], args));
  if (name == "ne") return Value::boolean(!go_eq(args[0], args));
  if (name == "lt") return Value::boolean(go_lt(name, args[0], args[1]));
  if (name == "le") return Value::boolean(go_lt(name, args[0], args[1]) || go_eq(args[0], args));
  if (name == "gt") return Value::boolean(!go_lt(name, args[0], args[1]) && !go_eq(args[0], args));
  if (name == "ge") return Value::boolean(!go_lt(name, args[0], args[1]));
  if (name == "json") {
    std::string out;
    args[0].append_json(out);
    return Value::string(out);
  }
  if (name == "currentDate") return Value::string(date_string(0));
  if (name == "yesterdayDate") return Value::string(date_string(1));
  if (name == "toTypeScriptType") return Value::string(to_typescript(args[0]));
  fail("function \"", name, "\" not defined");
}

}  // namespace slimllm::tmpl
