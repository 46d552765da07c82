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

// dot8(x, row) for every row of an output layer with W <= 64 floats of x held in named
// registers (an array of them went to the stack, see rows_step_cols): a row then costs its
// own loads only. dot8's accumulation order exactly: full vector v into s0 when v is even, s1
// when odd, the masked tail into s1.
template <int W>
void dot_rows_cols(const float* m, int64_t nrows, const float* x, float* out) {
  constexpr int NV = W / 8, TC = W % 8;
  static_assert(NV <= 8, "at most 8 full vectors");
  const __m256i tm = tail_mask(TC);
#define SV_LOAD(k) const __m256 x##k = NV > k ? _mm256_loadu_ps(x + 8 * k) : _mm256_setzero_ps();
  SV_LOAD(0) SV_LOAD(1) SV_LOAD(2) SV_LOAD(3) SV_LOAD(4) SV_LOAD(5) SV_LOAD(6) SV_LOAD(7)
#undef SV_LOAD
  const __m256 xt = TC ? _mm256_maskload_ps(x + 8 * NV, tm) : _mm256_setzero_ps();
  for (int64_t r = 0; r < nrows; ++r) {
    const float* w = m + r * W;
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
#define SV_DOT(k) \
  if constexpr (NV > k) (k % 2 ? s1 : s0) = _mm256_fmadd_ps(x##k, _mm256_loadu_ps(w + 8 * k), k % 2 ? s1 : s0);
    SV_DOT(0) SV_DOT(1) SV_DOT(2) SV_DOT(3) SV_DOT(4) SV_DOT(5) SV_DOT(6) SV_DOT(7)
#undef SV_DOT
    if constexpr (TC > 0) s1 = _mm256_fmadd_ps(xt, _mm256_maskload_ps(w + 8 * NV, tm), s1);
    out[r] = hsum(_mm256_add_ps(s0, s1));
  }
}

using DotRowsCols = void (*)(const float*, int64_t, const float*, float*);
// dot_rows_cols<W> for W = 0..64.
const DotRowsCols kDotRows[65] = {
    &dot_rows_cols<0>, &dot_rows_cols<1>, &dot_rows_cols<2>, &dot_rows_cols<3>,
    &dot_rows_cols<4>, &dot_rows_cols<5>, &dot_rows_cols<6>, &dot_rows_cols<7>,
    &dot_rows_cols<8>, &dot_rows_cols<9>, &dot_rows_cols<10>, &dot_rows_cols<11>,
    &dot_rows_cols<12>, &dot_rows_cols<13>, &dot_rows_cols<14>, &dot_rows_cols<15>,
    &dot_rows_cols<16>, &dot_rows_cols<17>, &dot_rows_cols<18>, &dot_rows_cols<19>,
    &dot_rows_cols<20>, &dot_rows_cols<21>, &dot_rows_cols<22>, &dot_rows_cols<23>,
    &dot_rows_cols<24>, &dot_rows_cols<25>, &dot_rows_cols<26>, &dot_rows_cols<27>,
    &dot_rows_cols<28>, &dot_rows_cols<29>, &dot_rows_cols<30>, &dot_rows_cols<31>,
    &dot_rows_cols<32>, &dot_rows_cols<33>, &dot_rows_cols<34>, &dot_rows_cols<35>,
    &dot_rows_cols<36>, &dot_rows_cols<37>, &dot_rows_cols<38>, &dot_rows_cols<39>,
    &dot_rows_cols<40>, &dot_rows_cols<41>, &dot_rows_cols<42>, &dot_rows_cols<43>,
    &dot_rows_cols<44>, &dot_rows_cols<45>, &dot_rows_cols<46>, &dot_rows_cols<47>,
    &dot_rows_cols<48>, &dot_rows_cols<49>, &dot_rows_cols<50>, &dot_rows_cols<51>,
    &dot_rows_cols<52>, &dot_rows_cols<53>, &dot_rows_cols<54>, &dot_rows_cols<55>,
    &dot_rows_cols<56>, &dot_rows_cols<57>, &dot_rows_cols<58>, &dot_rows_cols<59>,
    &dot_rows_cols<60>, &dot_rows_cols<61>, &dot_rows_cols<62>, &dot_rows_cols<63>,
    &dot_rows_cols<64>};

// dot8(x, row) for four rows at once: each row's own accumulators and order (dot8's exactly),
// every load of x shared by the four (a row then costs its own loads, not twice as many).
inline void dot8_rows4(const float* x, const float* w, int64_t n, float* out) {
  const float *w0 = w, *w1 = w + n, *w2 = w + 2 * n, *w3 = w + 3 * n;
  __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;  // s0 of each row
  __m256 b0 = a0, b1 = a0, b2 = a0, b3 = a0;                   // s1 of each row
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m256 xa = _mm256_loadu_ps(x + i), xb = _mm256_loadu_ps(x + i + 8);
    a0 = _mm256_fmadd_ps(xa, _mm256_loadu_ps(w0 + i), a0);
    a1 = _mm256_fmadd_ps(xa, _mm256_loadu_ps(w1 + i), a1);
    a2 = _mm256_fmadd_ps(xa, _mm256_loadu_ps(w2 + i), a2);
    a3 = _mm256_fmadd_ps(xa, _mm256_loadu_ps(w3 + i), a3);
    b0 = _mm256_fmadd_ps(xb, _mm256_loadu_ps(w0 + i + 8), b0);
    b1 = _mm256_fmadd_ps(xb, _mm256_loadu_ps(w1 + i + 8), b1);
    b2 = _mm256_fmadd_ps(xb, _mm256_loadu_ps(w2 + i + 8), b2);
    b3 = _mm256_fmadd_ps(xb, _mm256_loadu_ps(w3 + i + 8), b3);
  }
  if (i + 8 <= n) {
    const __m256 xa = _mm256_loadu_ps(x + i);
    a0 = _mm256_fmadd_ps(xa, _mm256_loadu_ps(w0 + i), a0);
    a1 = _mm256_fmadd_ps(xa, _mm256_loadu_ps(w1 + i), a1);
    a2 = _mm256_fmadd_ps(xa, _mm256_loadu_ps(w2 + i), a2);
    a3 = _mm256_fmadd_ps(xa, _mm256_loadu_ps(w3 + i), a3);
    i += 8;
  }
  if (i < n) {
    const __m256i m = tail_mask(n - i);
    const __m256 xt = _mm256_maskload_ps(x + i, m);
    b0 = _mm256_fmadd_ps(xt, _mm256_maskload_ps(w0 + i, m), b0);
    b1 = _mm256_fmadd_ps(xt, _mm256_maskload_ps(w1 + i, m), b1);
    b2 = _mm256_fmadd_ps(xt, _mm256_maskload_ps(w2 + i, m), b2);
    b3 = _mm256_fmadd_ps(xt, _mm256_maskload_ps(w3 + i, m), b3);
  }
  out[0] = hsum(_mm256_add_ps(a0, b0));
  out[1] = hsum(_mm256_add_ps(a1, b1));
  out[2] = hsum(_mm256_add_ps(a2, b2));
  out[3] = hsum(_mm256_add_ps(a3, b3));
}

void dot_rows_k(const float* m, int64_t dim, int64_t nrows, const float* x, float* out) {
  if (dim <= 64) return kDotRows[dim](m, nrows, x, out);
  int64_t r = 0;
  for (; r + 4 <= nrows; r += 4) dot8_rows4(x, m + r * dim, dim, out + r);
  for (; r < nrows; ++r) out[r] = dot8(x, m + r * dim, dim);
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

// The first N < 8 lanes of v to p, without a masked store (slow on AMD cores).
template <int N>
inline void store_first(float* p, __m256 v) {
  __m128 x = _mm256_castps256_ps128(v);
  if constexpr (N >= 4) {
    _mm_storeu_ps(p, x);
    p += 4;
    x = _mm256_extractf128_ps(v, 1);
  }
  if constexpr (N % 4 >= 2) {
    _mm_storel_pi(reinterpret_cast<__m64*>(p), x);
    p += 2;
    x = _mm_movehl_ps(x, x);
  }
  if constexpr (N % 2) _mm_store_ss(p, x);
}

// output_step8 over every row for the W < 56 columns from c0, with the columns' h and grad in
// registers, their tail of W % 8 columns too. W is a compile-time width: with a run-time count
// or tail the compiler kept the grad accumulators in memory, a store-to-load chain through every
// row (~9 cycles a row instead of ~4). The same fused multiply-adds in the same order as
// output_step8, so the same bits.
template <int W>
void rows_step_cols(float* m, int64_t dim, int64_t nrows, const float* alpha, const float* h,
                    float* grad, int64_t c0) {
  constexpr int NV = W / 8, TC = W % 8;
  static_assert(NV <= 6, "at most 6 full vectors");
  // Named registers, not arrays: GCC turned an array's load loop into a memcpy and kept the
  // array on the stack.
#define SV_LOAD(k)                                                              \
  const __m256 h##k = NV > k ? _mm256_loadu_ps(h + c0 + 8 * k) : _mm256_setzero_ps(); \
  __m256 g##k = NV > k ? _mm256_loadu_ps(grad + c0 + 8 * k) : _mm256_setzero_ps();
  SV_LOAD(0) SV_LOAD(1) SV_LOAD(2) SV_LOAD(3) SV_LOAD(4) SV_LOAD(5)
#undef SV_LOAD
  const int64_t t0 = c0 + 8 * NV;
  const __m256i tm = tail_mask(TC);
  __m256 ht = _mm256_setzero_ps(), gt = _mm256_setzero_ps();
  if constexpr (TC > 0) {
    ht = _mm256_maskload_ps(h + t0, tm);
    gt = _mm256_maskload_ps(grad + t0, tm);
  }
  for (int64_t r = 0; r < nrows; ++r) {
    float* w = m + r * dim + c0;
    const __m256 va = _mm256_set1_ps(alpha[r]);
#define SV_STEP(k)                                              \
  if constexpr (NV > k) {                                       \
    const __m256 wv = _mm256_loadu_ps(w + 8 * k);               \
    g##k = _mm256_fmadd_ps(va, wv, g##k);                       \
    _mm256_storeu_ps(w + 8 * k, _mm256_fmadd_ps(va, h##k, wv)); \
  }
    SV_STEP(0) SV_STEP(1) SV_STEP(2) SV_STEP(3) SV_STEP(4) SV_STEP(5)
#undef SV_STEP
    if constexpr (TC > 0) {
      const __m256 wt = _mm256_maskload_ps(w + 8 * NV, tm);
      gt = _mm256_fmadd_ps(va, wt, gt);
      store_first<TC>(w + 8 * NV, _mm256_fmadd_ps(va, ht, wt));
    }
  }
#define SV_STORE(k) \
  if constexpr (NV > k) _mm256_storeu_ps(grad + c0 + 8 * k, g##k);
  SV_STORE(0) SV_STORE(1) SV_STORE(2) SV_STORE(3) SV_STORE(4) SV_STORE(5)
#undef SV_STORE
  if constexpr (TC > 0) store_first<TC>(grad + t0, gt);
}

using RowsStepCols = void (*)(float*, int64_t, int64_t, const float*, const float*, float*, int64_t);
// rows_step_cols<W> for W = 0..55 (written out: this file includes no standard header).
const RowsStepCols kRowsStep[56] = {
    &rows_step_cols<0>, &rows_step_cols<1>, &rows_step_cols<2>, &rows_step_cols<3>,
    &rows_step_cols<4>, &rows_step_cols<5>, &rows_step_cols<6>, &rows_step_cols<7>,
    &rows_step_cols<8>, &rows_step_cols<9>, &rows_step_cols<10>, &rows_step_cols<11>,
    &rows_step_cols<12>, &rows_step_cols<13>, &rows_step_cols<14>, &rows_step_cols<15>,
    &rows_step_cols<16>, &rows_step_cols<17>, &rows_step_cols<18>, &rows_step_cols<19>,
    &rows_step_cols<20>, &rows_step_cols<21>, &rows_step_cols<22>, &rows_step_cols<23>,
    &rows_step_cols<24>, &rows_step_cols<25>, &rows_step_cols<26>, &rows_step_cols<27>,
    &rows_step_cols<28>, &rows_step_cols<29>, &rows_step_cols<30>, &rows_step_cols<31>,
    &rows_step_cols<32>, &rows_step_cols<33>, &rows_step_cols<34>, &rows_step_cols<35>,
    &rows_step_cols<36>, &rows_step_cols<37>, &rows_step_cols<38>, &rows_step_cols<39>,
    &rows_step_cols<40>, &rows_step_cols<41>, &rows_step_cols<42>, &rows_step_cols<43>,
    &rows_step_cols<44>, &rows_step_cols<45>, &rows_step_cols<46>, &rows_step_cols<47>,
    &rows_step_cols<48>, &rows_step_cols<49>, &rows_step_cols<50>, &rows_step_cols<51>,
    &rows_step_cols<52>, &rows_step_cols<53>, &rows_step_cols<54>, &rows_step_cols<55>};

void output_rows_step_k(float* m, int64_t dim, int64_t nrows, const float* alpha,
                        const float* h, float* grad) {
  // Rows of up to 55 floats in one pass (h and grad take up to 14 of the 16 vector registers
  // with their tails); longer rows 32 columns per pass.
  if (dim < 56) return kRowsStep[dim](m, dim, nrows, alpha, h, grad, 0);
  for (int64_t c0 = 0; c0 < dim; c0 += 32)
    kRowsStep[dim - c0 < 32 ? dim - c0 : 32](m, dim, nrows, alpha, h, grad, c0);
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
  // The largest score that is not NaN (-inf if none), as the scalar `x > mx ? x : mx`: in
  // eight lanes, then over the lanes (a max is exact, so the order does not matter).
  __m256 lanes = _mm256_set1_ps(-INFINITY);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 v = _mm256_loadu_ps(x + i);
    lanes = _mm256_blendv_ps(lanes, v, _mm256_cmp_ps(v, lanes, _CMP_GT_OQ));
  }
  alignas(32) float lane[8];
  _mm256_store_ps(lane, lanes);
  float mx = -INFINITY;
  for (float l : lane) mx = l > mx ? l : mx;
  for (; i < n; ++i) mx = x[i] > mx ? x[i] : mx;
  if (!(mx - mx == 0.f)) {  // an infinite or NaN score: the scalar arithmetic decides
    kScalarKernels.softmax(x, n);
    return;
  }
  // The sum in index order and a division, as the scalar level does: over hundreds of labels
  // a sum in eight lanes would round differently by more than the exp's own error. The sum
  // is a chain of dependent adds; made block by block as the exps come, those overlap it.
  const __m256 vm = _mm256_set1_ps(mx);
  float z = 0.f;
  for (i = 0; i + 8 <= n; i += 8) {
    _mm256_storeu_ps(x + i, exp_nonpositive(_mm256_sub_ps(_mm256_loadu_ps(x + i), vm)));
    for (int64_t j = i; j < i + 8; ++j) z += x[j];
  }
  if (i < n) {
    alignas(32) float t[8] = {};
    for (int64_t j = i; j < n; ++j) t[j - i] = x[j] - mx;
    _mm256_store_ps(t, exp_nonpositive(_mm256_load_ps(t)));
    for (int64_t j = i; j < n; ++j) z += (x[j] = t[j - i]);
  }
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
