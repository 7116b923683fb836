// GGUF metadata values. A value read from a file is a view into the file's mapping: strings and
// arrays are not copied, so a vocabulary of 150,000 tokens costs one vector of views.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace slimllm {

enum class GgufType : uint32_t {
  kUint8 = 0,
  kInt8 = 1,
  kUint16 = 2,
  kInt16 = 3,
  kUint32 = 4,
  kInt32 = 5,
  kFloat32 = 6,
  kBool = 7,
  kString = 8,
  kArray = 9,
  kUint64 = 10,
  kInt64 = 11,
  kFloat64 = 12,
};

// "uint32", "string", "array", ... as the GGUF specification names them.
std::string_view gguf_type_name(GgufType type);
// Bytes of one element of a fixed-size type; 0 for string and array.
size_t gguf_type_size(GgufType type);
bool gguf_type_is_integer(GgufType type);

class GgufValue {
 public:
  GgufType type() const { return type_; }
  bool is_array() const { return type_ == GgufType::kArray; }
  bool is_string() const { return type_ == GgufType::kString; }
  bool is_integer() const { return gguf_type_is_integer(type_); }
  bool is_float() const { return type_ == GgufType::kFloat32 || type_ == GgufType::kFloat64; }

  // Scalar accessors. Each throws Error (naming `key`) when the value is not of a fitting type or
  // does not fit the result; integers convert between widths when the value fits.
  int64_t as_int(std::string_view key) const;
  uint64_t as_uint(std::string_view key) const;
  double as_double(std::string_view key) const;  // any integer or float
  bool as_bool(std::string_view key) const;
  std::string_view as_string(std::string_view key) const;

  // Arrays.
  GgufType element_type() const { return element_type_; }
  uint64_t size() const { return count_; }
  // Elements of a string array, as views into the file.
  const std::vector<std::string_view>& strings() const { return strings_; }
  // Elements of a numeric array, converted. Throws Error (naming `key`) for a non-numeric array.
  std::vector<int64_t> ints(std::string_view key) const;
  std::vector<float> floats(std::string_view key) const;
  // Element i of a numeric array as a double or an integer (no range check beyond `i < size()`).
  double number_at(uint64_t i) const;

  // A short human form: 'llama', 42, 1e-05, true, [string × 512: '<unk>', '<s>', ...].
  std::string describe(size_t max_items = 6) const;

  // Raw element bytes of a fixed-size array (little-endian), for copying values between files.
  const uint8_t* raw_data() const { return data_; }

 private:
  friend class GgufParser;
  GgufType type_ = GgufType::kUint8;
  // Scalars: integer types in u64_/i64_, floats in f64_, bool in u64_.
  uint64_t u64_ = 0;
  int64_t i64_ = 0;
  double f64_ = 0;
  std::string_view string_;
  // Arrays.
  GgufType element_type_ = GgufType::kUint8;
  uint64_t count_ = 0;
  const uint8_t* data_ = nullptr;
  std::vector<std::string_view> strings_;
};

struct GgufKeyValue {
  std::string_view key;
  GgufValue value;
};

}  // namespace slimllm
