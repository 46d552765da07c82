// float16 storage of the input matrix (Model.to_float16): rows of IEEE 754 binary16 values,
// owned or a read-only view into a file mapping, converted to float32 when a row is used.
#pragma once
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "simd/portable.h"

namespace sentvec {

/// float32 -> binary16, rounding to nearest, ties to even (numpy's astype(float16)); values
/// past the half range become infinities, NaN stays NaN.
uint16_t float_to_half(float f);

/// binary16 -> float32, exact (every half value is a float; a signalling NaN becomes quiet).
inline float half_to_float(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t e = (h >> 10) & 0x1fu, mant = h & 0x3ffu;
  uint32_t bits;
  if (e == 0) {
    // Zero or subnormal: mant * 2^-24, exact in float32.
    float v = static_cast<float>(mant) * 5.9604644775390625e-8f;
    std::memcpy(&bits, &v, 4);
    bits |= sign;
  } else if (e == 31) {
    // Infinity, or NaN made quiet as F16C's conversion does (the levels agree bit for bit;
    // float_to_half only ever writes quiet NaNs).
    bits = sign | 0x7f800000u | (mant << 13) | (mant ? 0x400000u : 0u);
  } else {
    bits = sign | ((e + 112u) << 23) | (mant << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

/// Row-major binary16 matrix. A mapped view's rows are in general not 2-byte aligned (the
/// .bin layout packs fields): rows are read through memcpy.
class HalfMatrix {
 public:
  HalfMatrix() = default;
  HalfMatrix(const HalfMatrix&) = delete;  // data_ may point into owned_: moves only
  HalfMatrix& operator=(const HalfMatrix&) = delete;
  HalfMatrix(HalfMatrix&&) = default;
  HalfMatrix& operator=(HalfMatrix&&) = default;
  /// An owned m x n matrix of zeros.
  HalfMatrix(int64_t m, int64_t n) : m_(m), n_(n), owned_(static_cast<size_t>(m * n), 0) {
    data_ = reinterpret_cast<const unsigned char*>(owned_.data());
  }
  /// A read-only view over m * n * 2 bytes at `data`, kept alive by `keep`.
  static HalfMatrix view(int64_t m, int64_t n, const unsigned char* data,
                         std::shared_ptr<const void> keep) {
    HalfMatrix h;
    h.m_ = m;
    h.n_ = n;
    h.data_ = data;
    h.keep_ = std::move(keep);
    return h;
  }
  int64_t rows() const { return m_; }
  int64_t cols() const { return n_; }
  bool mapped() const { return keep_ != nullptr; }
  /// The raw bytes (m * n * 2, little-endian halves).
  const unsigned char* bytes() const { return data_; }
  /// Writable halves of an owned matrix.
  uint16_t* owned_mut() { return owned_.data(); }
  /// Row i as float32 into out[0..n).
  void decode_row(int64_t i, float* out) const {
    const unsigned char* p = data_ + static_cast<size_t>(i * n_) * 2;
    for (int64_t j = 0; j < n_; ++j) {
      uint16_t h;
      std::memcpy(&h, p + 2 * j, 2);
      out[j] = half_to_float(h);
    }
  }
  // The whole row is decoded first so that the arithmetic is exactly the float32 kernels' on
  // the rounded row (a model rounded to half and kept in float32 gives the same numbers).
  void add_row_to(float* x, int64_t i, float a = 1.f) const {
    with_row(i, [&](const float* r) { axpy(x, r, a, n_); });
  }
  float dot_row(const float* x, int64_t i) const {
    float d = 0.f;
    with_row(i, [&](const float* r) { d = dot(x, r, n_); });
    return d;
  }

 private:
  // Row i decoded into a buffer on the stack (the heap for rows over 1024 floats); not a
  // thread_local one, whose first use in a thread can abort the process (see LineScratch).
  template <typename F>
  void with_row(int64_t i, F&& f) const {
    constexpr int64_t kStack = 1024;
    float buf[kStack];
    std::vector<float> big;
    float* r = buf;
    if (n_ > kStack) {
      big.resize(static_cast<size_t>(n_));
      r = big.data();
    }
    decode_row(i, r);
    f(static_cast<const float*>(r));
  }
  int64_t m_ = 0, n_ = 0;
  const unsigned char* data_ = nullptr;
  std::vector<uint16_t> owned_;
  std::shared_ptr<const void> keep_;
};

}  // namespace sentvec
