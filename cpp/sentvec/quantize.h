// Quantizing a trained supervised model: pruning the input matrix by row norm and product
// quantization (k-means sub-quantizers), as fastText's `quantize` does (.ftz output).
#pragma once
#include <cstdint>
#include <functional>

#include "matrix.h"
#include "model.h"

namespace sentvec {

struct QuantizeOptions {
  int32_t dsub = 2;           ///< sub-vector size (the last one takes what is left)
  bool qnorm = false;         ///< quantize row norms separately (rows normalized before PQ)
  bool qout = false;          ///< quantize the output matrix too (needs >= 256 rows)
  int32_t threads = 1;
  uint64_t seed = 1234;
  int32_t max_points = 32768;  ///< k-means trains on at most this many sampled rows
  int32_t niter = 25;          ///< k-means iterations
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

/// Quantizes a dense supervised model in place: input (and output when qout).
void quantize_model(Model& m, const QuantizeOptions& o);

}  // namespace sentvec
