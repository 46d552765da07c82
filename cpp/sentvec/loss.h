// Output layers for training: negative sampling, hierarchical softmax, softmax, one-vs-all,
// the sigmoid/log lookup tables and the negative-sampling table they share.
#pragma once
#include <cstdint>
#include <vector>

#include "args.h"
#include "matrix.h"
#include "rng.h"

namespace sentvec {

// x86-64-v3 (AVX2, FMA) clone picked at run time by a CPU check (DESIGN.md section 8); the
// default clone runs everywhere else. The training kernels inlined here are what it speeds up.
#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__)
#define SENTVEC_TRAIN_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define SENTVEC_TRAIN_CLONES
#endif

// ---- kernels over owned, aligned training rows -----------------------------------------

/// Dot product with 8 independent partial sums (lets the compiler vectorize the reduction).
inline float train_dot(const float* __restrict a, const float* __restrict b, int64_t n) {
  float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int k = 0; k < 8; ++k) acc[k] += a[i + k] * b[i + k];
  float s = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
  for (; i < n; ++i) s += a[i] * b[i];
  return s;
}

/// dst += a * src.
inline void train_axpy(float* __restrict dst, const float* __restrict src, float a, int64_t n) {
  for (int64_t i = 0; i < n; ++i) dst[i] += a * src[i];
}

/// One logistic/softmax gradient step on an output row: grad += alpha * w; w += alpha * h.
inline void train_output_step(float* __restrict grad, float* __restrict w,
                              const float* __restrict h, float alpha, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    grad[i] += alpha * w[i];
    w[i] += alpha * h[i];
  }
}

// ---- tables ------------------------------------------------------------------------------

/// fastText's lookup tables: sigmoid over [-8, 8] and log over (0, 1], 512 steps each.
class MathTables {
 public:
  static const MathTables& get();
  float sigmoid(float x) const {
    if (!(x >= -kMaxSigmoid)) return 0.f;  // NaN too: never index the table with it
    if (x > kMaxSigmoid) return 1.f;
    return sigmoid_[static_cast<int32_t>((x + kMaxSigmoid) * (kSize / kMaxSigmoid / 2))];
  }
  /// log(x) for x in [0, 1] (x > 1 gives 0, as fastText's table does).
  float log(float x) const {
    if (!(x <= 1.f)) return 0.f;
    if (!(x >= 0.f)) x = 0.f;
    return log_[static_cast<int32_t>(x * kSize)];
  }
  static constexpr int32_t kSize = 512;
  static constexpr float kMaxSigmoid = 8.f;

 private:
  MathTables();
  float sigmoid_[kSize + 1];
  float log_[kSize + 1];
};

/// Negative-sampling table: `size` entries where class i appears about
/// size * sqrt(count_i) / sum_j sqrt(count_j) times, shuffled with `seed`. fastText's size is
/// 10M; with fewer than 10,000 classes sentvec uses 1,000 entries per class instead (the same
/// distribution to within 0.1% for all but the rarest classes, and no 10M-entry shuffle for a
/// small vocabulary or a handful of labels).
class NegativeTable {
 public:
  static constexpr size_t kMaxSize = 10000000;
  NegativeTable() = default;
  NegativeTable(const std::vector<int64_t>& counts, uint64_t seed, size_t size = 0);
  size_t size() const { return table_.size(); }
  int32_t at(size_t i) const { return table_[i]; }
  /// The next negative from cursor `pos` (advanced), never equal to `target` when another
  /// class exists.
  int32_t draw(size_t& pos, int32_t target) const {
    int32_t n;
    size_t tries = 0;
    do {
      n = table_[pos];
      pos = pos + 1 == table_.size() ? 0 : pos + 1;
    } while (n == target && ++tries < table_.size());
    return n;
  }

 private:
  std::vector<int32_t> table_;
};

/// Per-thread scratch of one gradient step.
struct StepScratch {
  std::vector<float> hidden;  ///< input of the output layer (dim)
  std::vector<float> grad;    ///< gradient of the hidden vector (dim)
  std::vector<float> scores;  ///< softmax scores (one per class)
  Rng rng;
  size_t neg_pos = 0;  ///< this thread's cursor in the negative table
};

/// The output layer of a model: owns the loss-specific structures (negative table, Huffman
/// paths) and updates the output matrix in place (Hogwild).
class OutputLayer {
 public:
  /// `counts`: class frequencies in output-row order (words, or labels for supervised).
  OutputLayer(const Args& args, const std::vector<int64_t>& counts, DenseMatrix* output);

  /// Forward and backward for one example whose hidden vector is in s.hidden: updates the
  /// output rows, adds dLoss/dhidden (times lr) to s.grad and returns the example's loss.
  /// `targets[0..ntargets)` are the gold classes; for ns/hs/softmax only
  /// targets[target_index] is used, ova uses all of them.
  float step(const int32_t* targets, int32_t ntargets, int32_t target_index, float lr,
             StepScratch& s) const;

  /// One binary logistic step on output row `row` with label `label`.
  float binary_logistic(int32_t row, bool label, float lr, StepScratch& s) const;
  /// Negative sampling for one target: the target as positive, `neg` table draws as negatives.
  float negative_sampling(int32_t target, float lr, StepScratch& s) const;

  LossName loss() const { return loss_; }
  int32_t classes() const { return osz_; }
  const NegativeTable& negatives() const { return negatives_; }

 private:
  float hierarchical_softmax(int32_t target, float lr, StepScratch& s) const;
  float softmax(int32_t target, float lr, StepScratch& s) const;
  float one_vs_all(const int32_t* targets, int32_t ntargets, float lr, StepScratch& s) const;

  LossName loss_;
  int32_t neg_;
  int32_t osz_;
  int64_t dim_;
  DenseMatrix* out_;
  const MathTables& tables_;
  NegativeTable negatives_;
  // Hierarchical softmax: for class i, path nodes (output rows) and codes in
  // [path_start_[i], path_start_[i + 1]).
  std::vector<int32_t> path_start_, path_nodes_;
  std::vector<uint8_t> path_codes_;
};

}  // namespace sentvec
