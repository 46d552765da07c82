// Fitting a trained supervised model into autotune's size limit (`autotuneModelSize`): the
// dense model when its file already fits, else pruning (cutoff) and product quantization
// (quantize.h) with the largest cutoff whose file fits, checked on the saved bytes.
#pragma once
#include <cstdint>
#include <functional>

#include "autotune.h"
#include "model.h"

namespace sentvec {

class SizeFitter {
 public:
  /// `limit` in bytes (< 0: no limit); `seed` seeds the k-means; `check` is called during
  /// quantization (Ctrl-C).
  SizeFitter(int64_t limit, uint64_t seed, std::function<void()> check);
  /// Makes `m` (dense) fit: true when its saved size is at most the limit, with `q` and
  /// `size` describing the result; false (m unspecified) when no cutoff of at least 256 rows
  /// fits with sub-vectors of `dsub` dimensions.
  bool fit(Model& m, int32_t dsub, TrialQuant& q, int64_t& size);

 private:
  int64_t saved_size(const Model& m) const;
  /// The largest cutoff whose predicted size fits (0 when none of >= 256 rows does) and
  /// its predicted size.
  int64_t best_cutoff(const Model& m, int32_t dsub, int64_t& predicted) const;

  int64_t limit_;
  uint64_t seed_;
  std::function<void()> check_;
  int64_t overhead_ = 0;  ///< bytes the layout formula misses (the trailer), learnt by saving
};

}  // namespace sentvec
