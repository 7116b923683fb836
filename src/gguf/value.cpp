#include "gguf/value.h"

#include <cmath>
#include <cstring>
#include <limits>

#include "base/error.h"
#include "base/strings.h"

namespace slimllm {

std::string_view gguf_type_name(GgufType type) {
  switch (type) {
    case GgufType::kUint8: return "uint8";
    case GgufType::kInt8: return "int8";
    case GgufType::kUint16: return "uint16";
    case GgufType::kInt16: return "int16";
    case GgufType::kUint32: return "uint32";
    case GgufType::kInt32: return "int32";
    case GgufType::kFloat32: return "float32";
    case GgufType::kBool: return "bool";
    case GgufType::kString: return "string";
    case GgufType::kArray: return "array";
    case GgufType::kUint64: return "uint64";
    case GgufType::kInt64: return "int64";
    case GgufType::kFloat64: return "float64";
  }
  return "unknown";
}

size_t gguf_type_size(GgufType type) {
  switch (type) {
    case GgufType::kUint8:
    case GgufType::kInt8:
    case GgufType::kBool: return 1;
    case GgufType::kUint16:
    case GgufType::kInt16: return 2;
    case GgufType::kUint32:
    case GgufType::kInt32:
    case GgufType::kFloat32: return 4;
    case GgufType::kUint64:
    case GgufType::kInt64:
    case GgufType::kFloat64: return 8;
    case GgufType::kString:
    case GgufType::kArray: return 0;
  }
  return 0;
}

bool gguf_type_is_integer(GgufType type) {
  switch (type) {
    case GgufType::kUint8:
    case GgufType::kInt8:
    case GgufType::kUint16:
    case GgufType::kInt16:
    case GgufType::kUint32:
    case GgufType::kInt32:
    case GgufType::kUint64:
    case GgufType::kInt64: return true;
    default: return false;
  }
}

static bool is_signed(GgufType type) {
  return type == GgufType::kInt8 || type == GgufType::kInt16 || type == GgufType::kInt32 ||
         type == GgufType::kInt64;
}

int64_t GgufValue::as_int(std::string_view key) const {
  if (!is_integer()) fail("metadata key '", key, "' is a ", gguf_type_name(type_), ", not an integer");
  if (!is_signed(type_) && u64_ > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
    fail("metadata key '", key, "' value ", u64_, " is too large");
  return is_signed(type_) ? i64_ : static_cast<int64_t>(u64_);
}

uint64_t GgufValue::as_uint(std::string_view key) const {
  if (!is_integer()) fail("metadata key '", key, "' is a ", gguf_type_name(type_), ", not an integer");
  if (is_signed(type_) && i64_ < 0) fail("metadata key '", key, "' is negative (", i64_, ")");
  return is_signed(type_) ? static_cast<uint64_t>(i64_) : u64_;
}

double GgufValue::as_double(std::string_view key) const {
  if (is_float()) return f64_;
  if (is_integer()) return is_signed(type_) ? static_cast<double>(i64_) : static_cast<double>(u64_);
  fail("metadata key '", key, "' is a ", gguf_type_name(type_), ", not a number");
}

bool GgufValue::as_bool(std::string_view key) const {
  if (type_ != GgufType::kBool) fail("metadata key '", key, "' is a ", gguf_type_name(type_), ", not a bool");
  return u64_ != 0;
}

std::string_view GgufValue::as_string(std::string_view key) const {
  if (type_ != GgufType::kString)
    fail("metadata key '", key, "' is a ", gguf_type_name(type_), ", not a string");
  return string_;
}

double GgufValue::number_at(uint64_t i) const {
  const uint8_t* p = data_ + i * gguf_type_size(element_type_);
  switch (element_type_) {
    case GgufType::kUint8: return *p;
    case GgufType::kInt8: return static_cast<int8_t>(*p);
    case GgufType::kBool: return *p != 0;
    case GgufType::kUint16: { uint16_t v; std::memcpy(&v, p, 2); return v; }
    case GgufType::kInt16: { int16_t v; std::memcpy(&v, p, 2); return v; }
    case GgufType::kUint32: { uint32_t v; std::memcpy(&v, p, 4); return v; }
    case GgufType::kInt32: { int32_t v; std::memcpy(&v, p, 4); return v; }
    case GgufType::kFloat32: { float v; std::memcpy(&v, p, 4); return v; }
    case GgufType::kUint64: { uint64_t v; std::memcpy(&v, p, 8); return static_cast<double>(v); }
    case GgufType::kInt64: { int64_t v; std::memcpy(&v, p, 8); return static_cast<double>(v); }
    case GgufType::kFloat64: { double v; std::memcpy(&v, p, 8); return v; }
    default: return 0;
  }
}

std::vector<int64_t> GgufValue::ints(std::string_view key) const {
  if (!is_array() || !gguf_type_is_integer(element_type_))
    fail("metadata key '", key, "' is not an array of integers");
  std::vector<int64_t> out(count_);
  size_t width = gguf_type_size(element_type_);
  for (uint64_t i = 0; i < count_; ++i) {
    const uint8_t* p = data_ + i * width;
    switch (element_type_) {
      case GgufType::kUint64: { uint64_t v; std::memcpy(&v, p, 8); out[i] = static_cast<int64_t>(v); break; }
      case GgufType::kInt64: { int64_t v; std::memcpy(&v, p, 8); out[i] = v; break; }
      default: out[i] = static_cast<int64_t>(number_at(i));
    }
  }
  return out;
}

std::vector<float> GgufValue::floats(std::string_view key) const {
  if (!is_array() || gguf_type_size(element_type_) == 0 || element_type_ == GgufType::kBool)
    fail("metadata key '", key, "' is not an array of numbers");
  std::vector<float> out(count_);
  for (uint64_t i = 0; i < count_; ++i) out[i] = static_cast<float>(number_at(i));
  return out;
}

// A string for one line of text: control characters escaped, long strings cut.
static std::string preview(std::string_view text, size_t limit = 120) {
  std::string out = "'";
  size_t shown = 0;
  for (unsigned char c : text) {
    if (shown == limit) break;
    ++shown;
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7f) {
      out += str_printf("\\x%02x", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  out += "'";
  if (shown < text.size()) out += str_cat("... (", text.size(), " bytes)");
  return out;
}

static std::string scalar_text(GgufType type, double number, bool boolean) {
  if (type == GgufType::kBool) return boolean ? "true" : "false";
  if (type == GgufType::kFloat32 || type == GgufType::kFloat64) return str_printf("%.9g", number);
  return str_printf("%.0f", number);
}

std::string GgufValue::describe(size_t max_items) const {
  switch (type_) {
    case GgufType::kString: return preview(string_);
    case GgufType::kBool: return u64_ ? "true" : "false";
    case GgufType::kFloat32:
    case GgufType::kFloat64: return str_printf("%.9g", f64_);
    case GgufType::kArray: {
      std::string out = str_cat("[", gguf_type_name(element_type_), " × ", count_, ":");
      uint64_t shown = std::min<uint64_t>(count_, max_items);
      for (uint64_t i = 0; i < shown; ++i) {
        out += i == 0 ? " " : ", ";
        if (element_type_ == GgufType::kString) {
          out += preview(strings_[i], 40);
        } else {
          out += scalar_text(element_type_, number_at(i), number_at(i) != 0);
        }
      }
      if (shown < count_) out += ", ...";
      return out + "]";
    }
    default:
      return is_signed(type_) ? std::to_string(i64_) : std::to_string(u64_);
  }
}

}  // namespace slimllm
