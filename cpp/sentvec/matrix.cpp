#include "matrix.h"

#include <cstring>
#ifdef __linux__
#include <sys/mman.h>
#endif

namespace sentvec {

void DenseMatrix::advise_huge_pages() {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  if (mapped_ || owned_.empty()) return;
  constexpr uintptr_t kHuge = uintptr_t{2} << 20;
  const uintptr_t begin = reinterpret_cast<uintptr_t>(owned_.data());
  const uintptr_t end = begin + owned_.size() * sizeof(float);
  const uintptr_t a = (begin + kHuge - 1) & ~(kHuge - 1), b = end & ~(kHuge - 1);
  // Advice only: where transparent huge pages are off (or the kernel refuses) nothing changes.
  if (b > a) (void)::madvise(reinterpret_cast<void*>(a), b - a, MADV_HUGEPAGE);
#endif
}

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
