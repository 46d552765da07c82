// Portable scalar helpers for code off the hot paths (norms, scaling, one-off dots) and the
// scalar kernels. Rows of a mapped .bin are not 4-byte aligned, so every load from a row goes
// through memcpy (compiled to a plain unaligned load). avx2.cpp never includes this file (see
// kernels.h on inline functions and per-file flags).
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>

namespace sentvec {

inline float loadf(const float* p) {
  float v;
  std::memcpy(&v, static_cast<const void*>(p), sizeof(float));
  return v;
}

/// dst[i] += a * src[i]; src may be unaligned.
inline void axpy(float* dst, const float* src, float a, int64_t n) {
  for (int64_t i = 0; i < n; ++i) dst[i] += a * loadf(src + i);
}

/// Dot product; b may be unaligned. One float accumulator, in index order, like fastText.
inline float dot(const float* a, const float* b, int64_t n) {
  float s = 0.f;
  for (int64_t i = 0; i < n; ++i) s += a[i] * loadf(b + i);
  return s;
}

inline void scale(float* x, float a, int64_t n) {
  for (int64_t i = 0; i < n; ++i) x[i] *= a;
}

inline float norm2(const float* x, int64_t n) {
  float s = 0.f;
  for (int64_t i = 0; i < n; ++i) s += x[i] * x[i];
  return std::sqrt(s);
}

}  // namespace sentvec
