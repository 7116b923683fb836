// Writes GGUF v3 files: metadata of every type and aligned tensor data. Used by tests, by the
// model tools (synthetic benchmark models) and by import/quantize.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "gguf/value.h"
#include "tensor/dtype.h"

namespace slimllm {

class GgufWriter {
 public:
  // Fills `bytes` bytes of a tensor's data at write time.
  using TensorFill = std::function<void(uint8_t* dst, size_t bytes)>;

  explicit GgufWriter(uint32_t alignment = 32);

  // Scalars. Setting a key twice replaces the value, keeping its position.
  void set_uint8(std::string_view key, uint8_t v);
  void set_int8(std::string_view key, int8_t v);
  void set_uint16(std::string_view key, uint16_t v);
  void set_int16(std::string_view key, int16_t v);
  void set_uint32(std::string_view key, uint32_t v);
  void set_int32(std::string_view key, int32_t v);
  void set_uint64(std::string_view key, uint64_t v);
  void set_int64(std::string_view key, int64_t v);
  void set_float32(std::string_view key, float v);
  void set_float64(std::string_view key, double v);
  void set_bool(std::string_view key, bool v);
  void set_string(std::string_view key, std::string_view v);
  // Arrays of fixed-size elements (little-endian bytes, count elements of `element`).
  void set_array(std::string_view key, GgufType element, const void* data, uint64_t count);
  void set_string_array(std::string_view key, const std::vector<std::string>& items);
  void set_string_array(std::string_view key, const std::vector<std::string_view>& items);
  // Copies a value read from another file (any type).
  void set_value(std::string_view key, const GgufValue& value);
  void remove(std::string_view key);

  // Tensors, written in the order added. `shape` is innermost first, as GGUF stores it.
  void add_tensor(std::string name, DType type, std::vector<uint64_t> shape, TensorFill fill);
  // The data is copied from `data` when the file is written; it must stay valid until then.
  void add_tensor(std::string name, DType type, std::vector<uint64_t> shape, const void* data);

  // Writes to `path` through a temporary file renamed into place. Throws Error on failure.
  void write(const std::string& path) const;
  std::vector<uint8_t> write_to_memory() const;

 private:
  struct Entry {
    std::string key;
    GgufType type;
    std::vector<uint8_t> encoded;  // type-specific payload, after the type field
  };
  struct Tensor {
    std::string name;
    DType type;
    std::vector<uint64_t> shape;
    uint64_t bytes;
    TensorFill fill;
  };
  void put(std::string_view key, GgufType type, std::vector<uint8_t> encoded);
  void emit(const std::function<void(const void*, size_t)>& out) const;

  uint32_t alignment_;
  std::vector<Entry> entries_;
  std::vector<Tensor> tensors_;
};

}  // namespace slimllm
