#include "matrix.h"

namespace sentvec {

void DenseMatrix::make_owned() {
  if (!mapped_) return;
  decltype(owned_) copy(static_cast<size_t>(m_ * n_));
  if (!copy.empty()) std::memcpy(copy.data(), static_cast<const void*>(data_), copy.size() * sizeof(float));
  owned_ = std::move(copy);
  data_ = owned_.data();
  keep_.reset();
  mapped_ = false;
}

void ProductQuantizer::add_code(float* x, const uint8_t* codes, float alpha) const {
  for (int32_t m = 0; m < nsubq; ++m) {
    const float* c = centroid(m, codes[m]);
    const int32_t d = (m == nsubq - 1) ? lastdsub : dsub;
    for (int32_t j = 0; j < d; ++j) x[m * dsub + j] += alpha * c[j];
  }
}

float ProductQuantizer::mul_code(const float* x, const uint8_t* codes, float alpha) const {
  float s = 0.f;
  for (int32_t m = 0; m < nsubq; ++m) {
    const float* c = centroid(m, codes[m]);
    const int32_t d = (m == nsubq - 1) ? lastdsub : dsub;
    for (int32_t j = 0; j < d; ++j) s += x[m * dsub + j] * c[j];
  }
  return s * alpha;
}

}  // namespace sentvec
