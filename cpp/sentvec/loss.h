// The losses, each in one place with its training step and its prediction: negative
// sampling, hierarchical softmax (and its Huffman tree), softmax, one-vs-all; the one
// sigmoid/log table and the negative-sampling table they share. The float loops run in the
// dispatched kernels (simd/kernels.h), one call per example.
#pragma once
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "args.h"
#include "matrix.h"
#include "rng.h"
#include "simd/kernels.h"

namespace sentvec {

/// fastText's lookup tables: sigmoid over [-8, 8] and log over (0, 1], 512 steps each.
/// Training steps, one-vs-all and negative-sampling prediction all read this one table.
class MathTables {
 public:
  static const MathTables& get();
  float sigmoid(float x) const { return simd::table_sigmoid(view_, x); }
  /// log(x) for x in [0, 1] (x > 1 gives 0, as fastText's table does).
  float log(float x) const { return simd::table_log(view_, x); }
  const simd::LogisticTables& view() const { return view_; }
  static constexpr int32_t kSize = simd::LogisticTables::kSize;
  static constexpr float kMaxSigmoid = simd::LogisticTables::kMaxSigmoid;

 private:
  MathTables();
  float sigmoid_[kSize + 1];
  float log_[kSize + 1];
  simd::LogisticTables view_;
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
  /// The entry `i` draws from cursor position i (wrapping around), for prefetching.
  int32_t peek(size_t i) const { return table_[i < table_.size() ? i : i % table_.size()]; }
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

/// (score, class) pairs of a prediction.
using ScoreHeap = std::vector<std::pair<float, int32_t>>;
/// Keeps the k best (score, id) pairs in a min-heap, as fastText's top-k search does: a
/// candidate below the current k-th score is skipped.
void push_top_k(ScoreHeap& heap, int32_t k, float score, int32_t id);
/// Turns the heap into a list sorted best first.
void sort_top_k(ScoreHeap& heap);

/// fastText's Huffman tree over class counts (sorted descending): 2n-1 nodes, leaves first;
/// node n-1+j is internal and owns output row j. Training walks a class's path; prediction
/// searches the tree depth first.
class HuffmanTree {
 public:
  struct Node {
    int32_t parent = -1, left = -1, right = -1;
    int64_t count = 0;
    bool binary = false;
  };
  explicit HuffmanTree(const std::vector<int64_t>& counts);
  int32_t classes() const { return n_; }
  const std::vector<Node>& nodes() const { return nodes_; }
  /// Class i's path from leaf to root: output rows and codes (1 = right child).
  const int32_t* path_rows(int32_t i) const { return rows_.data() + start_[i]; }
  const uint8_t* path_codes(int32_t i) const { return codes_.data() + start_[i]; }
  int32_t path_length(int32_t i) const { return start_[i + 1] - start_[i]; }
  /// fastText's hs prediction: the k most probable leaves with p >= threshold.
  void predict(const AnyMatrix& out, const float* h, int32_t k, float threshold,
               const simd::Kernels& kern, ScoreHeap& heap) const;
  /// The same search as fastText writes it (a stack of both children); `predict` gives its
  /// results with fewer steps.
  void predict_reference(const AnyMatrix& out, const float* h, int32_t k, float threshold,
                         const simd::Kernels& kern, ScoreHeap& heap) const;

 private:
  int32_t n_ = 0;
  std::vector<Node> nodes_;
  std::vector<std::pair<int32_t, int32_t>> children_;  ///< internal node n+j: (left, right)
  std::vector<int32_t> start_, rows_;
  std::vector<uint8_t> codes_;
};

/// Top-k (log(p + 1e-5), class) pairs with p >= threshold, best first, from hidden vector h
/// under `loss` (`tree` is needed for hs only).
ScoreHeap predict_top_k(LossName loss, const AnyMatrix& out, const HuffmanTree* tree,
                        const float* h, int32_t k, float threshold, const simd::Kernels& kern);

/// Per-thread scratch of one gradient step.
struct StepScratch {
  std::vector<float> hidden;  ///< input of the output layer (dim)
  std::vector<float> grad;    ///< gradient of the hidden vector (dim)
  std::vector<float> scores;  ///< softmax scores (one per class)
  std::vector<int32_t> rows;  ///< output rows of one example's logistic steps
  std::vector<uint8_t> labels;
  Rng rng;
  size_t neg_pos = 0;  ///< this thread's cursor in the negative table
  const simd::Kernels* kern = &simd::active();  ///< chosen once per thread
  /// update="local" (OutputLayer::start_local): this thread's copy of the output matrix, the
  /// shared matrix's values when it was last merged, and the examples since then.
  std::vector<float> local_out, base_out;
  int32_t since_merge = 0;
  int64_t local_merges = 0;  ///< merges made (update="local"), for the training report
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

  /// update="local" (supervised softmax and one-vs-all with several threads): every example
  /// rewrites all the output rows, so Hogwild threads sharing them pass each cache line back and
  /// forth on every example. With a local copy a thread steps on its own rows and merges its
  /// change (local - base) into the shared matrix every kLocalMerge examples, taking the
  /// others' changes back. start_local makes the copy; merge_local merges (the end of a run
  /// must call it).
  static constexpr int32_t kLocalMerge = 16;
  void start_local(StepScratch& s) const;
  void merge_local(StepScratch& s) const;

  /// Negative sampling for one target: the target as positive, `neg` table draws as negatives.
  float negative_sampling(int32_t target, float lr, StepScratch& s) const;

  LossName loss() const { return loss_; }
  int32_t classes() const { return osz_; }
  const NegativeTable& negatives() const { return negatives_; }

 private:
  /// The output rows a softmax/ova step works on: the thread's copy under update="local".
  float* rows_for(StepScratch& s) const { return s.local_out.empty() ? out_->data_mut() : s.local_out.data(); }
  /// After a softmax/ova example: merges every kLocalMerge examples under update="local".
  void example_done(StepScratch& s) const {
    if (!s.local_out.empty() && ++s.since_merge >= kLocalMerge) merge_local(s);
  }
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
  std::unique_ptr<HuffmanTree> tree_;  ///< hs only
};

}  // namespace sentvec
