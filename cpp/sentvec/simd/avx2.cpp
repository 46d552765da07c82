// The AVX2 + FMA (+ F16C) kernels. CMake compiles this file alone with -mavx2 -mfma -mf16c;
// dispatch.cpp calls into it only after the CPU check says all three are there. It includes nothing with
// inline functions of external linkage (see kernels.h), and loads row tails with masked
// loads: rows of a mapped file may start at any byte and end anywhere in a page.
#include "kernels.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

namespace sentvec {
namespace simd {

namespace {

constexpr size_t kAhead = 4;  // rows fetched ahead when summing scattered rows

// Lanes [0, r) set: kMask + 8 - r is the mask of a tail of r floats.
alignas(64) const int32_t kMask[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
inline __m256i tail_mask(int64_t r) {
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kMask + 8 - r));
}

inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// Dot product with two independent vector accumulators: with one, every FMA waits for the
// last (4-cycle latency); two keep the loads of both rows the limit for dims of 50 and more.
inline float dot8(const float* a, const float* b, int64_t n) {
  __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
    s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
  }
  if (i + 8 <= n) {
    s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
    i += 8;
  }
  if (i < n) {
    const __m256i m = tail_mask(n - i);
    s1 = _mm256_fmadd_ps(_mm256_maskload_ps(a + i, m), _mm256_maskload_ps(b + i, m), s1);
  }
  return hsum(_mm256_add_ps(s0, s1));
}

// x += y over n floats (y may be unaligned): the same single rounding per element as the
// scalar loop, so sums of rows are bit for bit those of scalar.cpp.
inline void add8(float* x, const float* y, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(x + i, _mm256_add_ps(_mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
  if (i < n) {
    const __m256i m = tail_mask(n - i);
    _mm256_maskstore_ps(x + i, m, _mm256_add_ps(_mm256_maskload_ps(x + i, m), _mm256_maskload_ps(y + i, m)));
  }
}

// grad += a * w; w += a * h (one output row's logistic or softmax update).
inline void output_step8(float* grad, float* w, const float* h, float a, int64_t n) {
  const __m256 va = _mm256_set1_ps(a);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 wv = _mm256_loadu_ps(w + i);
    _mm256_storeu_ps(grad + i, _mm256_fmadd_ps(va, wv, _mm256_loadu_ps(grad + i)));
    _mm256_storeu_ps(w + i, _mm256_fmadd_ps(va, _mm256_loadu_ps(h + i), wv));
  }
  if (i < n) {
    const __m256i m = tail_mask(n - i);
    const __m256 wv = _mm256_maskload_ps(w + i, m);
    _mm256_maskstore_ps(grad + i, m, _mm256_fmadd_ps(va, wv, _mm256_maskload_ps(grad + i, m)));
    _mm256_maskstore_ps(w + i, m, _mm256_fmadd_ps(va, _mm256_maskload_ps(h + i, m), wv));
  }
}

float dot_k(const float* a, const float* b, int64_t n) { return dot8(a, b, n); }

void dot_rows_k(const float* m, int64_t dim, int64_t nrows, const float* x, float* out) {
  for (int64_t r = 0; r < nrows; ++r) out[r] = dot8(x, m + r * dim, dim);
}

void mean_rows_k(const float* m, int64_t dim, const int32_t* rows, size_t n, float* out) {
  for (int64_t j = 0; j < dim; ++j) out[j] = 0.f;
  for (size_t i = 0; i < n && i < kAhead; ++i) prefetch_row(m + rows[i] * dim, dim);
  for (size_t i = 0; i < n; ++i) {
    if (i + kAhead < n) prefetch_row(m + rows[i + kAhead] * dim, dim);
    add8(out, m + rows[i] * dim, dim);
  }
  if (n == 0) return;
  const float inv = 1.f / static_cast<float>(n);
  for (int64_t j = 0; j < dim; ++j) out[j] *= inv;
}

void add_to_rows_k(float* m, int64_t dim, const int32_t* rows, size_t n, const float* g) {
  for (size_t i = 0; i < n; ++i) add8(m + rows[i] * dim, g, dim);
}

float logistic_rows_k(float* m, int64_t dim, const int32_t* rows, const uint8_t* labels,
                      size_t n, const float* h, float* grad, float lr, const LogisticTables& t) {
  // The rows of one example (a target and its negatives, a Huffman path) sit at random
  // places in the output matrix: ask for all of the first few at once.
  for (size_t k = 0; k < n && k < 8; ++k) prefetch_row(m + rows[k] * dim, dim);
  float loss = 0.f;
  for (size_t k = 0; k < n; ++k) {
    if (k + 8 < n) prefetch_row(m + rows[k + 8] * dim, dim);
    float* w = m + rows[k] * dim;
    const float d = dot8(w, h, dim);
    const float score = table_sigmoid(t, d);
    const float alpha = lr * (static_cast<float>(labels[k]) - score);
    output_step8(grad, w, h, alpha, dim);
    // 0 * d turns an infinite or NaN score into a NaN loss, which stops training.
    loss += (labels[k] ? -table_log(t, score) : -table_log(t, 1.f - score)) + 0.f * d;
  }
  return loss;
}

void output_rows_step_k(float* m, int64_t dim, int64_t nrows, const float* alpha,
                        const float* h, float* grad) {
  for (int64_t r = 0; r < nrows; ++r) output_step8(grad, m + r * dim, h, alpha[r], dim);
}

// F16C: eight halves at a time; the tail is copied into a zeroed block of eight, so no load
// reaches past the row (a mapped row may end at the end of a page).
void half_to_float_k(const unsigned char* src, int64_t n, float* out) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(out + i, _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src + 2 * i))));
  if (i < n) {
    alignas(16) unsigned char tail[16] = {};
    __builtin_memcpy(tail, src + 2 * i, static_cast<size_t>(n - i) * 2);
    alignas(32) float f[8];
    _mm256_store_ps(f, _mm256_cvtph_ps(_mm_load_si128(reinterpret_cast<const __m128i*>(tail))));
    __builtin_memcpy(out + i, f, static_cast<size_t>(n - i) * 4);
  }
}

const Kernels kAvx2Kernels = {Level::kAvx2,  "avx2",        dot_k,           dot_rows_k,
                              mean_rows_k,   add_to_rows_k, logistic_rows_k, output_rows_step_k,
                              half_to_float_k};

}  // namespace

const Kernels* avx2_kernels() { return &kAvx2Kernels; }

}  // namespace simd
}  // namespace sentvec

#else

namespace sentvec {
namespace simd {
const Kernels* avx2_kernels() { return nullptr; }
}  // namespace simd
}  // namespace sentvec

#endif
