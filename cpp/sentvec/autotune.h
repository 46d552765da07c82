// Autotune for supervised models: searches the training options that maximise a metric on a
// validation file within a budget, with fastText's option names and metric syntax.
//
// The budget and reproducibility (the design; README "Autotune" says the same for users):
// - Every trial is trained with the user's seed and the options the search proposes; the
//   proposals come from one generator seeded with the same seed.
// - thread == 1: the budget is counted in *work*, not in wall time. Each trial's cost is
//   estimated from the data sizes and its options (dimension, epochs, tokens, labels, loss,
//   word and char n-grams, quantization) in "reference seconds": the time one unloaded core
//   of a 2020s x86-64 machine takes. `autotuneDuration` seconds buy that much work. Nothing
//   depends on the clock, so two runs with the same seed pick the same options and produce
//   byte-identical models, on a busy machine as on an idle one (which only takes longer).
// - thread > 1: Hogwild training is not reproducible anyway, so the budget is wall time, as
//   in fastText: a trial still running at the deadline is abandoned.
// - In both modes a trial is never started when its estimated cost exceeds what is left
//   (its epochs are reduced to fit first), so the search ends close to the budget.
#pragma once
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "args.h"
#include "model.h"
#include "trainer.h"

namespace sentvec {

/// What `autotuneMetric` asks for: "f1", "f1:LABEL", "precisionAtRecall:X[:LABEL]" or
/// "recallAtPrecision:X[:LABEL]", X in percent (fastText: "precisionAtRecall:30" is the
/// precision at 30% recall).
struct AutotuneMetric {
  enum class Kind { kF1, kPrecisionAtRecall, kRecallAtPrecision };
  Kind kind = Kind::kF1;
  double value = 0.0;  ///< the recall or precision asked for, as a fraction in (0, 1]
  std::string label;   ///< empty: every label (micro-averaged)
  std::string text;    ///< as given
};

/// Parses an `autotuneMetric` string; throws ArgError naming the accepted forms.
AutotuneMetric parse_autotune_metric(const std::string& s);

/// Parses an `autotuneModelSize` ("2M", "500K", "1.5G", "123456"; K/M/G are 10^3/10^6/10^9
/// bytes, as in fastText) into bytes; "" gives -1 (no limit). Throws ArgError.
int64_t parse_model_size(const std::string& s);

/// The autotune options (fastText's names in the comments).
struct AutotuneOptions {
  std::string validation_file;  ///< autotuneValidationFile (required)
  std::string metric = "f1";    ///< autotuneMetric
  int32_t predictions = 1;      ///< autotunePredictions: k of the validation predictions (-1: all)
  double duration = 300.0;      ///< autotuneDuration, seconds (see the budget note above)
  std::string model_size;       ///< autotuneModelSize, "" for no limit
};

/// The autotune options of `a` (its autotune* fields).
AutotuneOptions autotune_options(const Args& a);

/// Throws ArgError for autotune options that cannot work: a bad metric or size string, a
/// duration <= 0, predictions other than >= 1 or -1, or a metric / size given without a
/// validation file (fastText silently ignores them then). Called by Args::validate.
void check_autotune_options(const Args& a);

/// The quantization a size-limited trial used.
struct TrialQuant {
  bool quantized = false;
  int32_t dsub = 2;
  int64_t cutoff = 0;
  bool qnorm = true;
};

/// One trial of the search.
struct AutotuneTrial {
  Args args;
  TrialQuant quant;
  double score = 0.0;        ///< the metric on the validation file (NaN: failed or abandoned)
  double cost = 0.0;         ///< estimated cost, reference seconds
  double seconds = 0.0;      ///< wall time it took
  int64_t file_size = -1;    ///< size-limited runs: bytes of the model as saved
  std::string status;        ///< "ok", "diverged", "out of memory", "abandoned", ...
};

/// What the search did and chose.
struct AutotuneResult {
  Args best;                   ///< the chosen training options
  TrialQuant quant;            ///< how the chosen model was quantized (size limit)
  double score = 0.0;          ///< its validation score
  std::string metric;
  int32_t predictions = 1;
  bool deterministic = false;  ///< budget counted in work (thread == 1)
  double budget = 0.0;         ///< seconds (reference seconds when deterministic)
  double used = 0.0;           ///< estimated reference seconds used (deterministic) or wall seconds
  double wall_seconds = 0.0;
  int64_t model_size_limit = -1;
  int64_t file_size = -1;      ///< bytes of the chosen model as saved (size-limited runs)
  std::vector<AutotuneTrial> trials;
};

/// Progress of the whole search for callbacks: `overall` in [0, 1], and the status of the
/// trial being trained (its own progress, lr, loss, ...).
struct AutotuneProgress {
  double overall = 0.0;
  int32_t trial = 0;
  double best_score = 0.0;
  TrainStatus train;
  bool finished = false;
};

/// How autotune reports and is stopped.
struct AutotuneHooks {
  /// Called about every 0.1 s on the calling thread and once at the end (finished); return
  /// false to stop the search early (the best model so far is returned); throw to abort.
  std::function<bool(const AutotuneProgress&)> poll;
  /// Called often outside training too (evaluation, quantization); may throw (Ctrl-C).
  std::function<void()> interrupt_check;
  /// verbose >= 2 prints a progress line here, verbose >= 3 one line per trial.
  std::FILE* log = stderr;
};

/// Searches training options for a supervised model on `input`, starting from `base` (the
/// user's options: the first trial), scored on `opts.validation_file`. Returns the best model
/// (quantized when a size limit needs it; then its saved size is at most the limit) and fills
/// `result`. Throws ArgError for bad options (metric, size, label not in the data, a size
/// limit no model fits), IoError for unreadable files.
std::shared_ptr<Model> autotune(const Args& base, const std::string& input,
                                const AutotuneOptions& opts, const AutotuneHooks& hooks,
                                AutotuneResult& result);

}  // namespace sentvec
