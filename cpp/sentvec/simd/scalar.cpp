// The scalar kernels: plain loops in fastText's float order (one accumulator per dot, in
// index order; separate multiply and add), so SENTVEC_SIMD=scalar gives fastText's arithmetic.
#include <algorithm>
#include <cmath>

#include "../half_matrix.h"
#include "kernels.h"
#include "portable.h"

namespace sentvec {
namespace simd {

namespace {

constexpr size_t kAhead = 4;  // rows fetched ahead when summing scattered rows

float dot_k(const float* a, const float* b, int64_t n) {
  float s = 0.f;
  for (int64_t i = 0; i < n; ++i) s += loadf(a + i) * loadf(b + i);
  return s;
}

void dot_rows_k(const float* m, int64_t dim, int64_t nrows, const float* x, float* out) {
  for (int64_t r = 0; r < nrows; ++r) out[r] = dot(x, m + r * dim, dim);
}

void mean_rows_k(const float* m, int64_t dim, const int32_t* rows, size_t n, float* out) {
  std::fill(out, out + dim, 0.f);
  for (size_t i = 0; i < n && i < kAhead; ++i) prefetch_row(m + rows[i] * dim, dim);
  for (size_t i = 0; i < n; ++i) {
    if (i + kAhead < n) prefetch_row(m + rows[i + kAhead] * dim, dim);
    const float* row = m + rows[i] * dim;
    for (int64_t j = 0; j < dim; ++j) out[j] += loadf(row + j);
  }
  if (n) scale(out, 1.f / static_cast<float>(n), dim);
}

void add_to_rows_k(float* m, int64_t dim, const int32_t* rows, size_t n, const float* g) {
  for (size_t i = 0; i < n; ++i) {
    float* row = m + rows[i] * dim;
    for (int64_t j = 0; j < dim; ++j) row[j] += g[j];
  }
}

float logistic_rows_k(float* m, int64_t dim, const int32_t* rows, const uint8_t* labels,
                      size_t n, const float* h, float* grad, float lr, const LogisticTables& t) {
  float loss = 0.f;
  for (size_t k = 0; k < n; ++k) {
    if (k + 1 < n) prefetch_row(m + rows[k + 1] * dim, dim);
    float* w = m + rows[k] * dim;
    const float d = dot_k(w, h, dim);
    const float score = table_sigmoid(t, d);
    const float alpha = lr * (static_cast<float>(labels[k]) - score);
    for (int64_t j = 0; j < dim; ++j) {
      grad[j] += alpha * w[j];
      w[j] += alpha * h[j];
    }
    // 0 * d turns an infinite or NaN score into a NaN loss, which stops training.
    loss += (labels[k] ? -table_log(t, score) : -table_log(t, 1.f - score)) + 0.f * d;
  }
  return loss;
}

void output_rows_step_k(float* m, int64_t dim, int64_t nrows, const float* alpha,
                        const float* h, float* grad) {
  for (int64_t r = 0; r < nrows; ++r) {
    float* w = m + r * dim;
    for (int64_t j = 0; j < dim; ++j) {
      grad[j] += alpha[r] * w[j];
      w[j] += alpha[r] * h[j];
    }
  }
}

void half_to_float_k(const unsigned char* src, int64_t n, float* out) {
  for (int64_t i = 0; i < n; ++i) {
    uint16_t h;
    std::memcpy(&h, src + 2 * i, 2);
    out[i] = half_to_float(h);
  }
}

// p = exp(x - max) / sum, in place, as fastText computes it.
void softmax_k(float* x, int64_t n) {
  float mx = -INFINITY;
  for (int64_t i = 0; i < n; ++i) mx = std::max(mx, x[i]);
  float z = 0.f;
  for (int64_t i = 0; i < n; ++i) {
    x[i] = std::exp(x[i] - mx);
    z += x[i];
  }
  for (int64_t i = 0; i < n; ++i) x[i] /= z;
}

}  // namespace

const Kernels kScalarKernels = {Level::kScalar, "scalar",     dot_k,           dot_rows_k,
                                mean_rows_k,    add_to_rows_k, logistic_rows_k, output_rows_step_k,
                                half_to_float_k, softmax_k};

}  // namespace simd
}  // namespace sentvec
