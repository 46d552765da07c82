#include "meter.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <utility>

#include "errors.h"

namespace sentvec {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double ratio(int64_t num, int64_t den) {
  return den == 0 ? kNaN : static_cast<double>(num) / static_cast<double>(den);
}
}  // namespace

double Meter::Counts::precision() const { return ratio(predicted_gold, predicted); }
double Meter::Counts::recall() const { return ratio(predicted_gold, gold); }
double Meter::Counts::f1() const { return ratio(2 * predicted_gold, predicted + gold); }

Meter::Meter(int32_t nlabels, bool collect_scores)
    : per_label(static_cast<size_t>(nlabels)), collect_(collect_scores) {
  if (collect_) scores_.resize(static_cast<size_t>(nlabels));
}

Meter Meter::from_scores(std::vector<Scores> per_label_scores, const std::vector<int64_t>& golds) {
  if (per_label_scores.size() != golds.size())
    throw ArgError("from_scores: one gold count per label is needed");
  Meter m(static_cast<int32_t>(golds.size()), true);
  m.scores_ = std::move(per_label_scores);
  for (size_t l = 0; l < golds.size(); ++l) {
    m.per_label[l].gold = golds[l];
    m.all.gold += golds[l];
  }
  return m;
}

void Meter::log(const std::vector<int32_t>& gold,
                const std::vector<std::pair<float, int32_t>>& preds) {
  ++nexamples;
  all.gold += static_cast<int64_t>(gold.size());
  all.predicted += static_cast<int64_t>(preds.size());
  auto is_gold = [&gold](int32_t l) { return std::find(gold.begin(), gold.end(), l) != gold.end(); };
  for (const auto& p : preds) {
    Counts& c = per_label[p.second];
    ++c.predicted;
    const bool hit = is_gold(p.second);
    if (hit) {
      ++c.predicted_gold;
      ++all.predicted_gold;
    }
    // The probability as predict reports it (p + 1e-5), capped at 1 as fastText does.
    if (collect_) scores_[p.second].emplace_back(std::min(std::exp(p.first), 1.f), hit ? 1.f : 0.f);
  }
  for (int32_t l : gold) {
    ++per_label[l].gold;  // a label listed twice counts twice, as in fastText
    if (!collect_) continue;
    const bool predicted = std::any_of(preds.begin(), preds.end(),
                                       [l](const std::pair<float, int32_t>& p) { return p.second == l; });
    if (!predicted) scores_[l].emplace_back(kFalseNegativeScore, 1.f);
  }
}

void Meter::check_label(int32_t label) const {
  if (label != kAllLabels && (label < 0 || label >= nlabels()))
    throw ArgError("label index " + std::to_string(label) + " out of range [0, " +
                   std::to_string(nlabels()) + ")");
}

const Meter::Counts& Meter::counts(int32_t label) const {
  check_label(label);
  return label == kAllLabels ? all : per_label[label];
}

Meter::Scores Meter::score_vs_true(int32_t label) const {
  check_label(label);
  if (!collect_) throw ArgError("this meter was made without the prediction scores");
  Scores out;
  if (label == kAllLabels) {
    for (const auto& s : scores_) out.insert(out.end(), s.begin(), s.end());
  } else {
    out = scores_[label];
  }
  std::sort(out.begin(), out.end());
  return out;
}

Meter::Curve Meter::precision_recall_curve(int32_t label) const {
  const Scores s = score_vs_true(label);
  // (true positives, false positives) above each distinct score, from the highest score
  // down; the false negatives (score -1) are never reached.
  std::vector<std::pair<int64_t, int64_t>> tpfp;
  int64_t tp = 0, fp = 0;
  float last = kFalseNegativeScore;
  for (auto it = s.rbegin(); it != s.rend() && it->first >= 0.f; ++it) {
    if (it->second == 1.f) ++tp; else ++fp;
    if (!tpfp.empty() && it->first == last)
      tpfp.back() = {tp, fp};  // one point per distinct score
    else
      tpfp.emplace_back(tp, fp);
    last = it->first;
  }
  Curve curve;
  if (tpfp.empty()) return curve;
  const int64_t golds = counts(label).gold;
  for (const auto& [t, f] : tpfp) {
    const double precision = t + f > 0 ? static_cast<double>(t) / static_cast<double>(t + f) : 0.0;
    curve.emplace_back(precision, ratio(t, golds));
    if (t >= golds) break;  // full recall reached: lower scores add only false positives
  }
  curve.emplace_back(1.0, 0.0);
  return curve;
}

double Meter::precision_at_recall(double recall, int32_t label) const {
  double best = 0.0;
  for (const auto& [p, r] : precision_recall_curve(label))
    if (r >= recall && p > best) best = p;
  return best;
}

double Meter::recall_at_precision(double precision, int32_t label) const {
  double best = 0.0;
  for (const auto& [p, r] : precision_recall_curve(label))
    if (p >= precision && r > best) best = r;
  return best;
}

}  // namespace sentvec
