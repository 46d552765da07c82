// A labelled validation file, read once, and the figures of a supervised model on it: shared by
// autotune (its metric on every trial) and by training with option 'validation' (after every
// epoch, trainer loop).
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "meter.h"

namespace sentvec {

class Model;

/// The validation file's raw lines (with their '\n').
struct ValidationSet {
  std::vector<std::string> lines;
  int64_t words = 0;  ///< tokens that are not labels, "</s>" included
};

/// Reads `path` (a regular file). `option` names the option in errors (an empty file is an
/// ArgError). `terminate_last`: a last line without '\n' gets one, as Model::test reads it, so
/// that the figures equal `test`'s; autotune keeps its lines as they are.
ValidationSet read_validation(const std::string& path, const std::string& label_prefix,
                              const std::function<void()>& check, const std::string& option,
                              bool terminate_last);

/// fastText's meter of `m` on the validation lines, top `k` predictions, threshold 0
/// (lines without a known label or without a known word are skipped, as `test` does).
Meter evaluate(const Model& m, const ValidationSet& v, int32_t k, bool curves,
               const std::function<void()>& check);

/// The figures training reports after an epoch.
struct EpochFigures {
  int32_t epoch = 0;
  double precision = 0, recall = 0;  ///< P@1 and R@1, as Model::test(path, 1) gives them
  /// Mean over the scored lines of -log(p + 1e-5) of their gold labels (p as `predict`
  /// reports it, averaged over a line's gold labels): the loss softmax trains.
  double loss = 0;
  int64_t examples = 0;  ///< lines scored
};

/// P@1, R@1 and the loss of `m` on `v`.
EpochFigures score_validation(const Model& m, const ValidationSet& v, int32_t epoch);

/// Throws ArgError (naming option 'validation') unless some line of `v` has a label and a word
/// that `m`'s dictionary knows: checked before training starts.
void check_validation_usable(const Model& m, const ValidationSet& v, const std::string& path);

}  // namespace sentvec
