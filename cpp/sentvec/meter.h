// Precision, recall and F1 of a supervised model on labelled examples, and the
// precision-recall curve, with the semantics of fastText's meter (`test`, `test-label`,
// `get_meter` and autotune's metrics).
#pragma once
#include <cstdint>
#include <utility>
#include <vector>

namespace sentvec {

/// Counts of `test`, overall and per label, and (when collected) every prediction's score.
///
/// fastText's conventions, which this reproduces:
/// - precision = predicted_gold / predicted, recall = predicted_gold / gold,
///   F1 = 2 predicted_gold / (predicted + gold); NaN when the denominator is 0.
/// - the overall figures are micro-averaged (sums over every label).
/// - a prediction's score is min(p + 1e-5, 1) (the probability `predict` reports);
///   a gold label that is not among the predictions is recorded with score -1, so that the
///   curve's recall is measured against every gold label, not only the predicted ones.
/// - the curve walks the scores from the highest down, one point per distinct score, stops
///   at the first point whose recall reaches 1, and ends with (precision 1, recall 0).
class Meter {
 public:
  struct Counts {
    int64_t gold = 0, predicted = 0, predicted_gold = 0;
    double precision() const;
    double recall() const;
    double f1() const;
  };
  /// (score, 1 for a gold label / 0 otherwise), as fastText's scoreVsTrue.
  using Scores = std::vector<std::pair<float, float>>;
  /// (precision, recall) points.
  using Curve = std::vector<std::pair<double, double>>;
  /// The label argument that means "every label" (micro-averaged).
  static constexpr int32_t kAllLabels = -1;
  /// Score given to a gold label the model did not predict.
  static constexpr float kFalseNegativeScore = -1.f;

  Meter() = default;
  /// `collect_scores`: keep each prediction's score (for the curve and the *At* queries).
  Meter(int32_t nlabels, bool collect_scores);

  /// A meter over given per-label (score, gold) pairs and gold counts (tests feed it another
  /// program's scores to compare the curves exactly).
  static Meter from_scores(std::vector<Scores> per_label_scores, const std::vector<int64_t>& golds);

  /// One example: its gold labels and the model's (log(p + 1e-5), label) predictions.
  void log(const std::vector<int32_t>& gold, const std::vector<std::pair<float, int32_t>>& preds);

  int64_t nexamples = 0;
  Counts all;
  std::vector<Counts> per_label;

  bool has_scores() const { return collect_; }
  int32_t nlabels() const { return static_cast<int32_t>(per_label.size()); }
  /// Counts of one label, or `all` for kAllLabels.
  const Counts& counts(int32_t label) const;
  double precision(int32_t label = kAllLabels) const { return counts(label).precision(); }
  double recall(int32_t label = kAllLabels) const { return counts(label).recall(); }
  double f1(int32_t label = kAllLabels) const { return counts(label).f1(); }

  /// The recorded (score, gold) pairs of a label (or of all), sorted ascending.
  Scores score_vs_true(int32_t label = kAllLabels) const;
  Curve precision_recall_curve(int32_t label = kAllLabels) const;
  /// Best precision among the curve's points whose recall >= `recall` (0 when none).
  double precision_at_recall(double recall, int32_t label = kAllLabels) const;
  /// Best recall among the curve's points whose precision >= `precision` (0 when none).
  double recall_at_precision(double precision, int32_t label = kAllLabels) const;

 private:
  void check_label(int32_t label) const;

  bool collect_ = false;
  std::vector<Scores> scores_;  // per label, in the order logged
};

}  // namespace sentvec
