#include "gguf/writer.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "base/error.h"
#include "gguf/reader.h"

namespace slimllm {
namespace {

template <typename T>
void append(std::vector<uint8_t>& out, T value) {
  const uint8_t* p = reinterpret_cast<const uint8_t*>(&value);
  out.insert(out.end(), p, p + sizeof(T));
}

void append_string(std::vector<uint8_t>& out, std::string_view text) {
  append<uint64_t>(out, text.size());
  out.insert(out.end(), text.begin(), text.end());
}

}  // namespace

GgufWriter::GgufWriter(uint32_t alignment) : alignment_(alignment) {
  if (alignment == 0 || (alignment & (alignment - 1)) != 0)
    fail("GGUF alignment must be a power of two, not ", alignment);
  if (alignment != kGgufDefaultAlignment) set_uint32("general.alignment", alignment);
}

void GgufWriter::put(std::string_view key, GgufType type, std::vector<uint8_t> encoded) {
  for (Entry& e : entries_) {
    if (e.key == key) {
      e.type = type;
      e.encoded = std::move(encoded);
      return;
    }
  }
  entries_.push_back({std::string(key), type, std::move(encoded)});
}

#define SLIMLLM_SCALAR_SETTER(method, ctype, gtype) \
  void GgufWriter::method(std::string_view key, ctype v) { \
    std::vector<uint8_t> e; \
    append<ctype>(e, v); \
    put(key, GgufType::gtype, std::move(e)); \
  }
SLIMLLM_SCALAR_SETTER(set_uint8, uint8_t, kUint8)
SLIMLLM_SCALAR_SETTER(set_int8, int8_t, kInt8)
SLIMLLM_SCALAR_SETTER(set_uint16, uint16_t, kUint16)
SLIMLLM_SCALAR_SETTER(set_int16, int16_t, kInt16)
SLIMLLM_SCALAR_SETTER(set_uint32, uint32_t, kUint32)
SLIMLLM_SCALAR_SETTER(set_int32, int32_t, kInt32)
SLIMLLM_SCALAR_SETTER(set_uint64, uint64_t, kUint64)
SLIMLLM_SCALAR_SETTER(set_int64, int64_t, kInt64)
SLIMLLM_SCALAR_SETTER(set_float32, float, kFloat32)
SLIMLLM_SCALAR_SETTER(set_float64, double, kFloat64)
#undef SLIMLLM_SCALAR_SETTER

void GgufWriter::set_bool(std::string_view key, bool v) {
  put(key, GgufType::kBool, {static_cast<uint8_t>(v ? 1 : 0)});
}

void GgufWriter::set_string(std::string_view key, std::string_view v) {
  std::vector<uint8_t> e;
  append_string(e, v);
  put(key, GgufType::kString, std::move(e));
}

void GgufWriter::set_array(std::string_view key, GgufType element, const void* data, uint64_t count) {
  size_t width = gguf_type_size(element);
  if (width == 0) fail("GgufWriter::set_array: element type ", gguf_type_name(element), " is not fixed-size");
  std::vector<uint8_t> e;
  append<uint32_t>(e, static_cast<uint32_t>(element));
  append<uint64_t>(e, count);
  const uint8_t* p = static_cast<const uint8_t*>(data);
  e.insert(e.end(), p, p + count * width);
  put(key, GgufType::kArray, std::move(e));
}

void GgufWriter::set_string_array(std::string_view key, const std::vector<std::string>& items) {
  std::vector<std::string_view> views(items.begin(), items.end());
  set_string_array(key, views);
}

void GgufWriter::set_string_array(std::string_view key, const std::vector<std::string_view>& items) {
  std::vector<uint8_t> e;
  append<uint32_t>(e, static_cast<uint32_t>(GgufType::kString));
  append<uint64_t>(e, items.size());
  for (std::string_view s : items) append_string(e, s);
  put(key, GgufType::kArray, std::move(e));
}

void GgufWriter::set_value(std::string_view key, const GgufValue& value) {
  switch (value.type()) {
    case GgufType::kUint8: set_uint8(key, static_cast<uint8_t>(value.as_uint(key))); break;
    case GgufType::kInt8: set_int8(key, static_cast<int8_t>(value.as_int(key))); break;
    case GgufType::kUint16: set_uint16(key, static_cast<uint16_t>(value.as_uint(key))); break;
    case GgufType::kInt16: set_int16(key, static_cast<int16_t>(value.as_int(key))); break;
    case GgufType::kUint32: set_uint32(key, static_cast<uint32_t>(value.as_uint(key))); break;
    case GgufType::kInt32: set_int32(key, static_cast<int32_t>(value.as_int(key))); break;
    case GgufType::kUint64: set_uint64(key, value.as_uint(key)); break;
    case GgufType::kInt64: set_int64(key, value.as_int(key)); break;
    case GgufType::kFloat32: set_float32(key, static_cast<float>(value.as_double(key))); break;
    case GgufType::kFloat64: set_float64(key, value.as_double(key)); break;
    case GgufType::kBool: set_bool(key, value.as_bool(key)); break;
    case GgufType::kString: set_string(key, value.as_string(key)); break;
    case GgufType::kArray:
      if (value.element_type() == GgufType::kString) {
        set_string_array(key, value.strings());
      } else {
        set_array(key, value.element_type(), value.raw_data(), value.size());
      }
      break;
  }
}

void GgufWriter::remove(std::string_view key) {
  std::erase_if(entries_, [&](const Entry& e) { return e.key == key; });
}

void GgufWriter::add_tensor(std::string name, DType type, std::vector<uint64_t> shape, TensorFill fill) {
  const DTypeTraits& t = traits(type);
  if (shape.empty() || shape.size() > kGgufMaxDims)
    fail("tensor '", name, "': ", shape.size(), " dimensions (1 to 4 allowed)");
  if (shape[0] % t.block_size != 0)
    fail("tensor '", name, "': row length ", shape[0], " is not a multiple of the ", t.name,
         " block size ", t.block_size);
  uint64_t elements = 1;
  for (uint64_t d : shape) elements *= d;
  for (const Tensor& existing : tensors_) {
    if (existing.name == name) fail("tensor '", name, "' added twice");
  }
  uint64_t bytes = elements / t.block_size * t.block_bytes;
  tensors_.push_back({std::move(name), type, std::move(shape), bytes, std::move(fill)});
}

void GgufWriter::add_tensor(std::string name, DType type, std::vector<uint64_t> shape, const void* data) {
  add_tensor(std::move(name), type, std::move(shape),
             [data](uint8_t* dst, size_t bytes) { std::memcpy(dst, data, bytes); });
}

void GgufWriter::emit(const std::function<void(const void*, size_t)>& out) const {
  std::vector<uint8_t> head;
  append<uint32_t>(head, kGgufMagic);
  append<uint32_t>(head, 3);
  append<uint64_t>(head, tensors_.size());
  append<uint64_t>(head, entries_.size());
  for (const Entry& e : entries_) {
    append_string(head, e.key);
    append<uint32_t>(head, static_cast<uint32_t>(e.type));
    head.insert(head.end(), e.encoded.begin(), e.encoded.end());
  }
  uint64_t offset = 0;
  auto aligned = [this](uint64_t n) { return (n + alignment_ - 1) / alignment_ * alignment_; };
  for (const Tensor& t : tensors_) {
    append_string(head, t.name);
    append<uint32_t>(head, static_cast<uint32_t>(t.shape.size()));
    for (uint64_t d : t.shape) append<uint64_t>(head, d);
    append<uint32_t>(head, static_cast<uint32_t>(t.type));
    append<uint64_t>(head, offset);
    offset = aligned(offset + t.bytes);
  }
  head.resize(aligned(head.size()), 0);
  out(head.data(), head.size());
  std::vector<uint8_t> buffer;
  for (const Tensor& t : tensors_) {
    buffer.assign(aligned(t.bytes), 0);
    t.fill(buffer.data(), t.bytes);
    out(buffer.data(), buffer.size());
  }
}

std::vector<uint8_t> GgufWriter::write_to_memory() const {
  std::vector<uint8_t> bytes;
  emit([&bytes](const void* data, size_t size) {
    const uint8_t* p = static_cast<const uint8_t*>(data);
    bytes.insert(bytes.end(), p, p + size);
  });
  return bytes;
}

void GgufWriter::write(const std::string& path) const {
  std::string temporary = path + ".tmp-" + std::to_string(::getpid());
  std::FILE* file = std::fopen(temporary.c_str(), "wb");
  if (file == nullptr) fail(path, ": cannot create: ", std::strerror(errno));
  bool ok = true;
  try {
    emit([&](const void* data, size_t size) {
      if (ok && std::fwrite(data, 1, size, file) != size) ok = false;
    });
  } catch (...) {
    std::fclose(file);
    std::remove(temporary.c_str());
    throw;
  }
  if (std::fflush(file) != 0 || ::fsync(::fileno(file)) != 0) ok = false;
  if (std::fclose(file) != 0) ok = false;
  if (!ok) {
    int err = errno;
    std::remove(temporary.c_str());
    fail(path, ": write failed: ", std::strerror(err));
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    int err = errno;
    std::remove(temporary.c_str());
    fail(path, ": cannot rename into place: ", std::strerror(err));
  }
}

}  // namespace slimllm
