// Quantizing a trained supervised model: pruning the input matrix by row norm and product
// quantization (k-means sub-quantizers), as fastText's `quantize` does (.ftz output).
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "matrix.h"
#include "model.h"
#include "trainer.h"

namespace sentvec {

struct QuantizeOptions {
  int32_t dsub = 2;           ///< sub-vector size (the last one takes what is left)
  bool qnorm = false;         ///< quantize row norms separately (rows normalized before PQ)
  bool qout = false;          ///< quantize the output matrix too (needs >= 256 rows)
  int32_t threads = 1;
  uint64_t seed = 1234;
  int32_t max_points = 32768;  ///< k-means trains on at most this many sampled rows
  /// When not empty, the input rows the k-means sample is drawn from (ascending): the rows that
  /// hold trained values. A word model's never-used bucket rows are still their random
  /// initialisation; sampled, they would spend centroids on noise.
  std::vector<int64_t> train_rows;
  int32_t niter = 25;          ///< k-means iterations
  /// Word models: encode each word row again so that the word's vector, the mean of its
  /// quantized subword rows, makes up for its n-gram rows' quantization errors.
  bool refit_words = false;
  /// Called between k-means iterations; may throw to abort (autotune's Ctrl-C). With
  /// threads > 1 it runs on the worker threads.
  std::function<void()> check;
};

/// Keeps the `cutoff` input rows with the largest L2 norms (words and n-gram buckets): kept
/// words are re-indexed (labels kept), kept buckets go through pruneidx. Does nothing when
/// cutoff <= 0 or cutoff >= the number of input rows. The input must be dense.
void prune_input(Model& m, int64_t cutoff);

/// Product-quantizes a dense matrix (throws ArgError when it has fewer than 256 rows).
QuantMatrix quantize_matrix(const DenseMatrix& d, const QuantizeOptions& o);

/// Quantizes a dense supervised model in place: input (and output when qout). Checks as
/// check_quantizable (for `cutoff` 0).
void quantize_model(Model& m, const QuantizeOptions& o);

/// What fastText's Model.quantize takes (its Python package's defaults).
struct QuantizeRequest {
  int64_t cutoff = 0;               ///< keep this many input rows (0: all)
  bool qout = false;
  bool qnorm = false;
  int32_t dsub = 2;
  std::optional<int32_t> thread;    ///< unset: cpu count - 1 to retrain, every core for k-means
  bool retrain = false;             ///< train the pruned model on `input` before quantizing
  std::string input;
  std::optional<int32_t> epoch;     ///< unset: the model's
  std::optional<double> lr;         ///< unset: the model's
  std::optional<int32_t> verbose;   ///< unset: the model's
  std::optional<uint64_t> seed;     ///< k-means seed; unset: the model's seed
};

/// The one place quantization's arguments and the model's state are checked; ArgError names
/// what is wrong. Nothing has changed when it throws.
void check_quantizable(const Model& m, const QuantizeRequest& r);

/// fastText's quantize: check_quantizable, then prune to `cutoff` rows, retrain if asked
/// (`topts` polls for Ctrl-C), product-quantize (k-means seeded from the model's seed).
void quantize(Model& m, const QuantizeRequest& r, const TrainOptions& topts = {});

}  // namespace sentvec
