// Bounds-checked reading of model bytes: every failure is a FormatError naming the field and
// the byte offset. Shared by the .bin reader and the trailer reader.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "../errors.h"

namespace sentvec {

/// File bytes quoted in a message: printable ASCII as is, anything else as \xNN (messages must
/// be valid UTF-8, and a corrupt file can hold anything). Long text is cut.
std::string printable(const std::string& s);

/// Little-endian reader over a mapped file or bytes in memory.
class Cursor {
 public:
  Cursor(const uint8_t* p, size_t n, std::string path) : p_(p), n_(n), path_(std::move(path)) {}
  size_t offset() const { return off_; }
  const std::string& path() const { return path_; }
  size_t size() const { return n_; }
  size_t remaining() const { return n_ - off_; }
  const uint8_t* here() const { return p_ + off_; }
  void rewind() { off_ = 0; }

  [[noreturn]] void fail(const std::string& what) const { fail_at(off_, what); }
  [[noreturn]] void fail_at(size_t at, const std::string& what) const {
    throw FormatError(path_, static_cast<int64_t>(at), what);
  }
  void need(size_t bytes, const char* what) const {
    if (remaining() < bytes)
      fail(std::string("truncated file: expected ") + what + " (" + std::to_string(bytes) +
           " bytes) but only " + std::to_string(remaining()) + " bytes remain");
  }
  template <typename T>
  T get(const char* what) {
    need(sizeof(T), what);
    T v;
    std::memcpy(&v, p_ + off_, sizeof(T));
    off_ += sizeof(T);
    return v;
  }
  std::string cstr(const char* what) {
    const void* z = std::memchr(p_ + off_, 0, remaining());
    if (!z) fail(std::string("truncated file: ") + what + " has no terminating NUL byte");
    size_t len = static_cast<const uint8_t*>(z) - (p_ + off_);
    std::string s(reinterpret_cast<const char*>(p_ + off_), len);
    off_ += len + 1;
    return s;
  }
  void skip(size_t bytes, const char* what) {
    need(bytes, what);
    off_ += bytes;
  }

 private:
  const uint8_t* p_;
  size_t n_;
  size_t off_ = 0;
  std::string path_;
};

}  // namespace sentvec
