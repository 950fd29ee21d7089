#pragma once

// Little-endian encoding of the integers, strings and values that segment
// footers and catalog files are made of. Private to furl_storage.
//
// ByteReader never reads past its input: every read returns false once the
// input is short, so a corrupted length or count turns into an error at the
// caller instead of an out-of-bounds read or a huge allocation.

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>

namespace furl::storage {

// Stored formats are little-endian and both encoders copy host integers as
// they are, so a big-endian host needs byte swaps added here first.
static_assert(std::endian::native == std::endian::little, "storage formats assume a little-endian host");

/// Appends little-endian values to a growing byte string.
class ByteWriter {
 public:
  template <typename T>
    requires std::is_arithmetic_v<T>
  void put(T value) {
    char bytes[sizeof(T)];
    std::memcpy(bytes, &value, sizeof(T));
    out_.append(bytes, sizeof(T));
  }

  void putU8(uint8_t v) { put(v); }
  void putU32(uint32_t v) { put(v); }
  void putU64(uint64_t v) { put(v); }
  void putI32(int32_t v) { put(v); }
  void putI64(int64_t v) { put(v); }

  /// Writes a u32 byte length followed by the bytes.
  void putString(std::string_view s) {
    putU32(static_cast<uint32_t>(s.size()));
    out_.append(s.data(), s.size());
  }
  void putBytes(const void* data, size_t size) { out_.append(static_cast<const char*>(data), size); }

  size_t size() const { return out_.size(); }
  std::string& buffer() { return out_; }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

/// Reads little-endian values from a byte range it does not own.
class ByteReader {
 public:
  explicit ByteReader(std::string_view input) : input_(input) {}

  template <typename T>
    requires std::is_arithmetic_v<T>
  bool get(T& value) {
    if (input_.size() - pos_ < sizeof(T)) return false;
    std::memcpy(&value, input_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return true;
  }

  bool getU8(uint8_t& v) { return get(v); }
  bool getU32(uint32_t& v) { return get(v); }
  bool getU64(uint64_t& v) { return get(v); }
  bool getI32(int32_t& v) { return get(v); }
  bool getI64(int64_t& v) { return get(v); }

  /// Reads a u32 length and that many bytes; the view points into the input.
  bool getString(std::string_view& s) {
    uint32_t length = 0;
    if (!getU32(length) || input_.size() - pos_ < length) return false;
    s = input_.substr(pos_, length);
    pos_ += length;
    return true;
  }
  bool getString(std::string& s) {
    std::string_view view;
    if (!getString(view)) return false;
    s.assign(view);
    return true;
  }

  /// True when `count` items of at least `minItemBytes` each could still
  /// follow; checked before reserving memory for a stored count.
  bool canHold(uint64_t count, size_t minItemBytes) const {
    return minItemBytes == 0 || count <= remaining() / minItemBytes;
  }

  size_t remaining() const { return input_.size() - pos_; }
  size_t position() const { return pos_; }

 private:
  std::string_view input_;
  size_t pos_ = 0;
};

}  // namespace furl::storage
