#include "gguf/reader.h"

#include <cstring>
#include <limits>

#include "base/error.h"
#include "base/strings.h"

namespace slimllm {
namespace {

// Parse-time limits, far above any real model (vocabularies have ~10^5-10^6 entries, models
// 10^2-10^4 tensors), so that a crafted header fails with an error naming the file instead of
// reserving gigabytes.
constexpr uint64_t kMaxGgufArrayLength = 1ULL << 24;   // elements of one metadata array
constexpr uint64_t kMaxGgufStringLength = 1ULL << 26;  // bytes of one string (64 MiB)
constexpr uint64_t kMaxGgufMetadataCount = 1ULL << 20;
constexpr uint64_t kMaxGgufTensorCount = 1ULL << 20;

}  // namespace

std::string GgufTensorInfo::shape_string() const {
  std::string out = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) out += ", ";
    out += std::to_string(shape[i]);
  }
  return out + "]";
}

// Walks the file front to back. Every read is bounds-checked against the buffer first.
class GgufParser {
 public:
  GgufParser(GgufFile& file) : file_(file), data_(file.data_), size_(file.size_) {}

  void parse() {
    if (size_ < 4) error(0, "file is ", size_, " bytes, too short to be a GGUF file");
    uint32_t magic = read_u32();
    if (magic != kGgufMagic) {
      error(0, "not a GGUF file (magic bytes ", magic_text(), ", expected 'GGUF')");
    }
    uint64_t at = position_;
    uint32_t version = read_u32();
    if ((version & 0xffff) == 0 && version != 0) {
      error(at, "big-endian GGUF files are not supported (version field reads ", version,
            "); convert the model on a little-endian machine");
    }
    if (version == 1) error(at, "GGUF version 1 is not supported; re-convert the model to GGUF v3");
    if (version != 2 && version != 3) error(at, "unsupported GGUF version ", version, " (2 and 3 are read)");
    file_.version_ = version;

    at = position_;
    uint64_t tensor_count = read_u64();
    uint64_t kv_count = read_u64();
    // Each key-value takes at least 12 bytes (key length + type); each tensor info at least 24.
    if (kv_count > remaining() / 12)
      error(at + 8, "metadata count ", kv_count, " cannot fit in the ", remaining(), " bytes left");
    if (tensor_count > remaining() / 24)
      error(at, "tensor count ", tensor_count, " cannot fit in the ", remaining(), " bytes left");
    // Each entry costs far more memory than its bytes in the file: bounded before reserving.
    if (kv_count > kMaxGgufMetadataCount)
      error(at + 8, "metadata count ", kv_count, " is over the limit of ", kMaxGgufMetadataCount);
    if (tensor_count > kMaxGgufTensorCount)
      error(at, "tensor count ", tensor_count, " is over the limit of ", kMaxGgufTensorCount);

    file_.metadata_.reserve(kv_count);
    for (uint64_t i = 0; i < kv_count; ++i) read_key_value(i);
    apply_alignment();

    file_.tensors_.reserve(tensor_count);
    for (uint64_t i = 0; i < tensor_count; ++i) read_tensor_info(i);

    uint64_t align = file_.alignment_;
    uint64_t data_offset = (position_ + align - 1) / align * align;
    if (tensor_count > 0 && data_offset > size_)
      error(position_, "data section would start at byte ", data_offset, ", past the end of the file");
    file_.data_offset_ = data_offset;
    bind_tensor_data();
  }

 private:
  template <typename... Args>
  [[noreturn]] void error(uint64_t offset, const Args&... args) {
    fail(file_.name_, ": ", args..., " (at byte ", offset, ")");
  }

  std::string magic_text() const {
    std::string out = "'";
    for (int i = 0; i < 4; ++i) {
      unsigned char c = data_[i];
      out += (c >= 32 && c < 127) ? std::string(1, static_cast<char>(c)) : str_printf("\\x%02x", c);
    }
    return out + "'";
  }

  uint64_t remaining() const { return size_ - position_; }

  void need(uint64_t bytes, const char* what) {
    if (bytes > remaining())
      error(position_, "file ends while reading ", what, ": needs ", bytes, " bytes, ", remaining(),
            " left");
  }

  template <typename T>
  T read_raw(const char* what) {
    need(sizeof(T), what);
    T value;
    std::memcpy(&value, data_ + position_, sizeof(T));
    position_ += sizeof(T);
    return value;
  }
  uint32_t read_u32(const char* what = "header") { return read_raw<uint32_t>(what); }
  uint64_t read_u64(const char* what = "header") { return read_raw<uint64_t>(what); }

  std::string_view read_string(const char* what) {
    uint64_t at = position_;
    uint64_t length = read_u64(what);
    if (length > remaining())
      error(at, what, " length ", length, " runs past the end of the file (", remaining(),
            " bytes left)");
    if (length > kMaxGgufStringLength)
      error(at, what, " length ", length, " is over the limit of ", kMaxGgufStringLength,
            " bytes");
    std::string_view text(reinterpret_cast<const char*>(data_ + position_), length);
    position_ += length;
    return text;
  }

  GgufType read_type(const std::string_view& key) {
    uint64_t at = position_;
    uint32_t type = read_u32("value type");
    if (type > static_cast<uint32_t>(GgufType::kFloat64))
      error(at, "metadata key '", key, "' has unknown value type ", type);
    return static_cast<GgufType>(type);
  }

  void read_scalar(GgufType type, GgufValue& value, std::string_view key) {
    switch (type) {
      case GgufType::kUint8: value.u64_ = read_raw<uint8_t>("value"); break;
      case GgufType::kInt8: value.i64_ = read_raw<int8_t>("value"); break;
      case GgufType::kUint16: value.u64_ = read_raw<uint16_t>("value"); break;
      case GgufType::kInt16: value.i64_ = read_raw<int16_t>("value"); break;
      case GgufType::kUint32: value.u64_ = read_raw<uint32_t>("value"); break;
      case GgufType::kInt32: value.i64_ = read_raw<int32_t>("value"); break;
      case GgufType::kUint64: value.u64_ = read_raw<uint64_t>("value"); break;
      case GgufType::kInt64: value.i64_ = read_raw<int64_t>("value"); break;
      case GgufType::kFloat32: value.f64_ = read_raw<float>("value"); break;
      case GgufType::kFloat64: value.f64_ = read_raw<double>("value"); break;
      case GgufType::kBool: {
        uint64_t at = position_;
        uint8_t b = read_raw<uint8_t>("value");
        if (b > 1) error(at, "metadata key '", key, "' has bool value ", int(b), " (must be 0 or 1)");
        value.u64_ = b;
        break;
      }
      case GgufType::kString: value.string_ = read_string("string value"); break;
      case GgufType::kArray: break;
    }
  }

  void read_key_value(uint64_t index) {
    uint64_t at = position_;
    std::string_view key = read_string("metadata key");
    if (key.empty()) error(at, "metadata entry ", index, " has an empty key");
    if (file_.key_index_.count(key)) error(at, "duplicate metadata key '", key, "'");
    GgufValue value;
    value.type_ = read_type(key);
    if (value.type_ == GgufType::kArray) {
      uint64_t array_at = position_;
      value.element_type_ = read_type(key);
      if (value.element_type_ == GgufType::kArray)
        error(array_at, "metadata key '", key, "' is an array of arrays, which is not supported");
      value.count_ = read_u64("array length");
      if (value.count_ > kMaxGgufArrayLength)
        error(array_at, "metadata key '", key, "' array length ", value.count_,
              " is over the limit of ", kMaxGgufArrayLength, " elements");
      if (value.element_type_ == GgufType::kString) {
        if (value.count_ > remaining() / 8)
          error(array_at, "metadata key '", key, "' claims ", value.count_,
                " strings, more than the file can hold");
        value.strings_.reserve(value.count_);
        for (uint64_t i = 0; i < value.count_; ++i)
          value.strings_.push_back(read_string("array string"));
      } else {
        size_t width = gguf_type_size(value.element_type_);
        if (value.count_ > remaining() / width)
          error(array_at, "metadata key '", key, "' array of ", value.count_, " ",
                gguf_type_name(value.element_type_), " runs past the end of the file");
        value.data_ = data_ + position_;
        if (value.element_type_ == GgufType::kBool) {
          for (uint64_t i = 0; i < value.count_; ++i) {
            if (value.data_[i] > 1)
              error(position_ + i, "metadata key '", key, "' has bool element ", i, " = ",
                    int(value.data_[i]));
          }
        }
        position_ += value.count_ * width;
      }
    } else {
      read_scalar(value.type_, value, key);
    }
    file_.key_index_.emplace(key, file_.metadata_.size());
    file_.metadata_.push_back({key, std::move(value)});
  }

  void apply_alignment() {
    const GgufValue* value = file_.find("general.alignment");
    if (value == nullptr) return;
    if (value->type() != GgufType::kUint32)
      fail(file_.name_, ": general.alignment must be a uint32, found ", gguf_type_name(value->type()));
    uint64_t align = value->as_uint("general.alignment");
    if (align == 0 || (align & (align - 1)) != 0)
      fail(file_.name_, ": general.alignment ", align, " is not a power of two");
    file_.alignment_ = static_cast<uint32_t>(align);
  }

  void read_tensor_info(uint64_t index) {
    uint64_t at = position_;
    GgufTensorInfo info;
    std::string_view name = read_string("tensor name");
    info.name = std::string(name);
    if (name.empty()) error(at, "tensor ", index, " has an empty name");
    uint64_t dims_at = position_;
    uint32_t dims = read_u32("tensor dimensions");
    if (dims == 0 || dims > kGgufMaxDims)
      error(dims_at, "tensor '", name, "' has ", dims, " dimensions (1 to ", kGgufMaxDims, " allowed)");
    info.elements = 1;
    for (uint32_t d = 0; d < dims; ++d) {
      uint64_t extent = read_u64("tensor shape");
      if (extent > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
        error(dims_at, "tensor '", name, "' dimension ", d, " is ", extent, ", too large");
      if (extent != 0 && info.elements > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) / extent)
        error(dims_at, "tensor '", name, "' has too many elements (shape overflows)");
      info.elements *= extent;
      info.shape.push_back(extent);
    }
    uint64_t type_at = position_;
    uint32_t type_id = read_u32("tensor type");
    auto traits = dtype_traits(type_id);
    if (!traits) error(type_at, "tensor '", name, "' has unknown tensor type id ", type_id);
    info.type = traits->type;
    if (info.shape[0] % traits->block_size != 0)
      error(dims_at, "tensor '", name, "' row length ", info.shape[0], " is not a multiple of the ",
            traits->name, " block size ", traits->block_size);
    info.bytes = info.elements / traits->block_size * traits->block_bytes;
    uint64_t offset_at = position_;
    info.offset = read_u64("tensor offset");
    if (info.offset % file_.alignment_ != 0)
      error(offset_at, "tensor '", name, "' data offset ", info.offset, " is not a multiple of the alignment ",
            file_.alignment_);
    file_.tensors_.push_back(std::move(info));
  }

  void bind_tensor_data() {
    // Names are indexed only now: the vector no longer reallocates, so views stay valid.
    for (size_t i = 0; i < file_.tensors_.size(); ++i) {
      GgufTensorInfo& info = file_.tensors_[i];
      uint64_t data_size = size_ - file_.data_offset_;
      if (info.offset > data_size || info.bytes > data_size - info.offset) {
        uint64_t start = file_.data_offset_ + info.offset;
        bool overflow = info.offset > std::numeric_limits<uint64_t>::max() - file_.data_offset_ ||
                        info.bytes > std::numeric_limits<uint64_t>::max() - start;
        if (overflow)
          fail(file_.name_, ": tensor '", info.name, "' offset ", info.offset, " and size ", info.bytes,
               " overflow");
        fail(file_.name_, ": tensor '", info.name, "' data ends at byte ", start + info.bytes,
             ", past the end of the file (", size_, " bytes)");
      }
      info.data = data_ + file_.data_offset_ + info.offset;
      if (!file_.tensor_index_.emplace(info.name, i).second)
        fail(file_.name_, ": duplicate tensor name '", info.name, "'");
    }
  }

  GgufFile& file_;
  const uint8_t* data_;
  uint64_t size_;
  uint64_t position_ = 0;
};

GgufFile GgufFile::open(const std::string& path, FileAccess access, int readers) {
  GgufFile file;
  file.mapping_ = std::make_unique<MappedFile>(MappedFile::open(path, access, readers));
  file.name_ = path;
  file.data_ = file.mapping_->data();
  file.size_ = file.mapping_->size();
  GgufParser(file).parse();
  return file;
}

GgufFile GgufFile::parse(const std::string& name, const uint8_t* data, size_t size) {
  GgufFile file;
  file.name_ = name;
  file.data_ = data;
  file.size_ = size;
  GgufParser(file).parse();
  return file;
}

const GgufValue* GgufFile::find(std::string_view key) const {
  auto it = key_index_.find(key);
  return it == key_index_.end() ? nullptr : &metadata_[it->second].value;
}

const GgufTensorInfo* GgufFile::find_tensor(std::string_view name) const {
  auto it = tensor_index_.find(name);
  return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

std::string GgufFile::get_string(std::string_view key, std::string_view fallback) const {
  const GgufValue* v = find(key);
  if (!v) return std::string(fallback);
  try {
    return std::string(v->as_string(key));
  } catch (const Error& e) {
    fail(name_, ": ", e.what());
  }
}

int64_t GgufFile::get_int(std::string_view key, int64_t fallback) const {
  const GgufValue* v = find(key);
  if (!v) return fallback;
  try {
    return v->as_int(key);
  } catch (const Error& e) {
    fail(name_, ": ", e.what());
  }
}

uint64_t GgufFile::get_uint(std::string_view key, uint64_t fallback) const {
  const GgufValue* v = find(key);
  if (!v) return fallback;
  try {
    return v->as_uint(key);
  } catch (const Error& e) {
    fail(name_, ": ", e.what());
  }
}

double GgufFile::get_double(std::string_view key, double fallback) const {
  const GgufValue* v = find(key);
  if (!v) return fallback;
  try {
    return v->as_double(key);
  } catch (const Error& e) {
    fail(name_, ": ", e.what());
  }
}

bool GgufFile::get_bool(std::string_view key, bool fallback) const {
  const GgufValue* v = find(key);
  if (!v) return fallback;
  try {
    return v->as_bool(key);
  } catch (const Error& e) {
    fail(name_, ": ", e.what());
  }
}

std::string GgufFile::require_string(std::string_view key) const {
  if (!has(key)) fail(name_, ": required metadata key '", key, "' is missing");
  return get_string(key);
}

uint64_t GgufFile::require_uint(std::string_view key) const {
  if (!has(key)) fail(name_, ": required metadata key '", key, "' is missing");
  return get_uint(key, 0);
}

double GgufFile::require_double(std::string_view key) const {
  if (!has(key)) fail(name_, ": required metadata key '", key, "' is missing");
  return get_double(key, 0);
}

}  // namespace slimllm
