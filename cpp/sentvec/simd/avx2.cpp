// The AVX2 + FMA (+ F16C) kernels. CMake compiles this file alone with -mavx2 -mfma -mf16c;
// dispatch.cpp calls into it only after the CPU check says all three are there. It includes nothing with
// inline functions of external linkage (see kernels.h), and loads row tails with masked
// loads: rows of a mapped file may start at any byte and end anywhere in a page.
#include "kernels.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

#include <cmath>

namespace sentvec {
namespace simd {

namespace {

// Rows asked for ahead when summing scattered rows: a row of a 2M-bucket matrix comes from DRAM
// (~100 ns) while adding one takes a few ns, so short distances leave most of the wait.
constexpr size_t kAhead = 16;

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
  // The tail without masked stores (slow on AMD cores): four lanes, then one at a time.
  if (i + 4 <= n) {
    _mm_storeu_ps(x + i, _mm_add_ps(_mm_loadu_ps(x + i), _mm_loadu_ps(y + i)));
    i += 4;
  }
  for (; i < n; ++i) {
    float v;  // y may be a row of a mapped file, not 4-byte aligned
    __builtin_memcpy(&v, y + i, sizeof v);
    x[i] += v;
  }
}

// grad[j] += a * w[j]; w[j] += a * h[j] for j in [i, n), n - i < 8: the same fused
// multiply-adds as the vector loop, without masked stores.
inline void output_step_tail(float* grad, float* w, const float* h, float a, int64_t i, int64_t n) {
  if (i + 4 <= n) {
    const __m128 va = _mm_set1_ps(a);
    const __m128 wv = _mm_loadu_ps(w + i);
    _mm_storeu_ps(grad + i, _mm_fmadd_ps(va, wv, _mm_loadu_ps(grad + i)));
    _mm_storeu_ps(w + i, _mm_fmadd_ps(va, _mm_loadu_ps(h + i), wv));
    i += 4;
  }
  for (; i < n; ++i) {
    const float wj = w[i];
    grad[i] = __builtin_fmaf(a, wj, grad[i]);
    w[i] = __builtin_fmaf(a, h[i], wj);
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
  output_step_tail(grad, w, h, a, i, n);
}

float dot_k(const float* a, const float* b, int64_t n) { return dot8(a, b, n); }

// Up to 64 floats of x held in registers across all rows of an output layer (dot_rows): a row
// then costs its own loads only. Vector i of the `width` floats is full below `nfull` and
// masked at `nfull` when width % 8 != 0.
template <int NV>
struct RegBlock {
  __m256 v[NV];
  int nfull;
  __m256i mask;
  RegBlock(const float* p, int64_t width) : nfull(static_cast<int>(width / 8)) {
    mask = tail_mask(width % 8);
    for (int i = 0; i < NV; ++i)
      v[i] = i < nfull ? _mm256_loadu_ps(p + 8 * i)
                       : (i == nfull && width % 8 ? _mm256_maskload_ps(p + 8 * i, mask) : _mm256_setzero_ps());
  }
  __m256 load(const float* p, int i) const {
    return i < nfull ? _mm256_loadu_ps(p + 8 * i) : _mm256_maskload_ps(p + 8 * i, mask);
  }
};

// dot8's accumulation order exactly (full vector v into s0 when v is even, s1 when odd; the
// masked tail into s1), with x in registers.
template <int NV>
void dot_rows_reg(const float* m, int64_t dim, int64_t nrows, const float* x, float* out) {
  const RegBlock<NV> xb(x, dim);
  const int nv = xb.nfull + (dim % 8 ? 1 : 0);
  for (int64_t r = 0; r < nrows; ++r) {
    const float* w = m + r * dim;
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    for (int i = 0; i < NV; ++i) {
      if (i >= nv) break;
      if (i < xb.nfull && i % 2 == 0) s0 = _mm256_fmadd_ps(xb.v[i], xb.load(w, i), s0);
      else s1 = _mm256_fmadd_ps(xb.v[i], xb.load(w, i), s1);
    }
    out[r] = hsum(_mm256_add_ps(s0, s1));
  }
}

void dot_rows_k(const float* m, int64_t dim, int64_t nrows, const float* x, float* out) {
  if (dim <= 32) return dot_rows_reg<4>(m, dim, nrows, x, out);
  if (dim <= 64) return dot_rows_reg<8>(m, dim, nrows, x, out);
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

// output_step8 over every row, a block of columns at a time with the block's h and grad in
// registers (a tail of fewer than 8 columns in memory): the same fused multiply-adds in the
// same order, so the same bits.
template <int NV>
void rows_step_block(float* m, int64_t dim, int64_t nrows, const float* alpha, const float* h,
                     float* grad, int64_t c0, int64_t width) {
  const int nv = static_cast<int>(width / 8);
  __m256 hv[NV], gv[NV];
  for (int i = 0; i < NV; ++i) {
    hv[i] = i < nv ? _mm256_loadu_ps(h + c0 + 8 * i) : _mm256_setzero_ps();
    gv[i] = i < nv ? _mm256_loadu_ps(grad + c0 + 8 * i) : _mm256_setzero_ps();
  }
  const int64_t t0 = c0 + 8 * nv, t1 = c0 + width;
  for (int64_t r = 0; r < nrows; ++r) {
    float* w = m + r * dim;
    const __m256 va = _mm256_set1_ps(alpha[r]);
    for (int i = 0; i < NV; ++i) {
      if (i >= nv) break;
      float* wp = w + c0 + 8 * i;
      const __m256 wv = _mm256_loadu_ps(wp);
      gv[i] = _mm256_fmadd_ps(va, wv, gv[i]);
      _mm256_storeu_ps(wp, _mm256_fmadd_ps(va, hv[i], wv));
    }
    if (t0 < t1) output_step_tail(grad, w, h, alpha[r], t0, t1);
  }
  for (int i = 0; i < nv; ++i) _mm256_storeu_ps(grad + c0 + 8 * i, gv[i]);
}

void output_rows_step_k(float* m, int64_t dim, int64_t nrows, const float* alpha,
                        const float* h, float* grad) {
  // Rows of up to 55 floats in one pass (h and grad take 12 of the 16 vector registers, the
  // tail of fewer than 8 is done in memory); longer rows 32 columns per pass.
  if (dim < 56) return rows_step_block<6>(m, dim, nrows, alpha, h, grad, 0, dim);
  for (int64_t c0 = 0; c0 < dim; c0 += 32)
    rows_step_block<4>(m, dim, nrows, alpha, h, grad, c0, dim - c0 < 32 ? dim - c0 : 32);
}

// exp(x) for x <= 0 (softmax after subtracting the maximum): 2^k * e^r with k = round(x / ln 2),
// r = x - k ln 2 in [-ln2/2, ln2/2], e^r by its Taylor polynomial to degree 7 (relative error
// below 2e-7); below -87 the result is 0.
inline __m256 exp_nonpositive(__m256 x) {
  const __m256 lo = _mm256_set1_ps(-87.f);
  const __m256 under = _mm256_cmp_ps(x, lo, _CMP_LT_OQ);
  x = _mm256_max_ps(x, lo);
  const __m256 k = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                                   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  // ln 2 in two parts: k * hi is exact for |k| < 2^9.
  __m256 r = _mm256_fnmadd_ps(k, _mm256_set1_ps(0.693145751953125f), x);
  r = _mm256_fnmadd_ps(k, _mm256_set1_ps(1.428606765330187e-06f), r);
  __m256 p = _mm256_set1_ps(1.f / 5040.f);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.f / 720.f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.f / 120.f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.f / 24.f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.f / 6.f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0.5f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.f));
  const __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(k), _mm256_set1_epi32(127)), 23);
  return _mm256_andnot_ps(under, _mm256_mul_ps(p, _mm256_castsi256_ps(e)));
}

void softmax_k(float* x, int64_t n) {
  if (n <= 0) return;
  float mx = -INFINITY;
  for (int64_t i = 0; i < n; ++i) mx = x[i] > mx ? x[i] : mx;
  if (!(mx - mx == 0.f)) {  // an infinite or NaN score: the scalar arithmetic decides
    kScalarKernels.softmax(x, n);
    return;
  }
  const __m256 vm = _mm256_set1_ps(mx);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(x + i, exp_nonpositive(_mm256_sub_ps(_mm256_loadu_ps(x + i), vm)));
  if (i < n) {
    alignas(32) float t[8] = {};
    for (int64_t j = i; j < n; ++j) t[j - i] = x[j] - mx;
    _mm256_store_ps(t, exp_nonpositive(_mm256_load_ps(t)));
    for (int64_t j = i; j < n; ++j) x[j] = t[j - i];
  }
  // The sum in index order and a division, as the scalar level does: over hundreds of labels
  // a sum in eight lanes would round differently by more than the exp's own error.
  float z = 0.f;
  for (i = 0; i < n; ++i) z += x[i];
  const __m256 vz = _mm256_set1_ps(z);
  for (i = 0; i + 8 <= n; i += 8) _mm256_storeu_ps(x + i, _mm256_div_ps(_mm256_loadu_ps(x + i), vz));
  for (; i < n; ++i) x[i] /= z;
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
                              half_to_float_k, softmax_k};

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
