// Autotune's search strategy and cost model (used by autotune.cpp).
//
// Strategy: the user's options first (as fastText), then a few anchor configurations known to
// suit fastText classifiers (higher lr, more epochs, word bigrams), then random perturbations
// of the best configuration so far in log space, with a radius that shrinks as the budget is
// spent. Every proposal is drawn from one seeded generator, and a proposal already tried is
// drawn again, so a run is a pure function of (seed, data, budget).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "args.h"
#include "rng.h"

namespace sentvec {

/// Sizes of the data that trial costs depend on (measured once, before the search).
struct DataStats {
  int64_t train_bytes = 0;
  int64_t train_lines = 0;    ///< examples
  int64_t train_words = 0;    ///< word tokens incl. "</s>", labels excluded
  int64_t valid_lines = 0;
  int64_t valid_words = 0;
  int32_t nwords = 0;         ///< vocabulary under the user's minCount
  int32_t nlabels = 0;
  double mean_word_chars = 5; ///< characters per word token (for char n-gram counts)
};

/// The options the search varies; the rest comes from the user's options.
struct Candidate {
  double lr = 0.1;
  int32_t epoch = 5, dim = 100, word_ngrams = 1, bucket = 2000000, minn = 0, maxn = 0;
  int32_t dsub = 2;  ///< size-limited runs only
  bool operator==(const Candidate& o) const;
  Args apply(Args a) const;
  static Candidate from(const Args& a);
  std::string describe(bool with_dsub) const;
};

/// Estimated cost, in reference seconds (one unloaded core), of the pieces of a trial.
struct CostModel {
  DataStats data;
  int32_t neg = 5;
  LossName loss = LossName::kSoftmax;
  int32_t k = 1;  ///< validation predictions
  /// Training (dictionary, initialisation and the epochs), per thread of work.
  double train(const Candidate& c) const;
  /// The part of train() that scales with the number of epochs.
  double per_epoch(const Candidate& c) const;
  double evaluate(const Candidate& c) const;
  /// Product quantization of `rows` input rows (k-means + encoding).
  double quantize(const Candidate& c, int64_t rows) const;
};

/// Bounds of the search (fastText's ranges, narrowed where a value cannot help).
struct SearchSpace {
  double lr_min = 0.01, lr_max = 5.0;
  int32_t epoch_min = 1, epoch_max = 100;
  int32_t dim_min = 1, dim_max = 1000;
  int32_t ngrams_max = 5;
  int32_t bucket_min = 10000, bucket_max = 10000000;
  int64_t max_input_floats = 250000000;  ///< (nwords + bucket) * dim cap: 1 GB of floats
  bool size_limited = false;
};

/// The proposal generator.
class Search {
 public:
  Search(const Args& base, const SearchSpace& space, const DataStats& data, uint64_t seed);
  /// The next candidate to try, `t` in [0, 1] the fraction of the budget spent.
  Candidate next(double t);
  /// Records a finished trial (score NaN for a failed one).
  void report(const Candidate& c, double score);
  const Candidate& best() const { return best_; }
  double best_score() const { return best_score_; }
  bool has_best() const { return has_best_; }
  /// Clamps a candidate into the space (and the memory cap).
  Candidate clamp(Candidate c) const;
  /// Candidates proposed so far (first trial included).
  int32_t proposed() const { return proposed_; }

 private:
  Candidate perturb(const Candidate& from, double t);
  bool seen(const Candidate& c) const;
  double gauss();

  SearchSpace space_;
  DataStats data_;
  Rng rng_;
  Candidate base_, best_;
  double best_score_ = 0.0;
  bool has_best_ = false;
  std::vector<Candidate> queue_;  ///< the first trial and the anchors, in order
  std::vector<Candidate> tried_;
  int32_t proposed_ = 0;
};

}  // namespace sentvec
