#include "loss.h"

#include <algorithm>
#include <cmath>

#include "model.h"  // build_huffman

namespace sentvec {

const MathTables& MathTables::get() {
  static const MathTables t;
  return t;
}

MathTables::MathTables() {
  for (int32_t i = 0; i <= kSize; ++i) {
    const double x = static_cast<double>(i) * 2 * kMaxSigmoid / kSize - kMaxSigmoid;
    sigmoid_[i] = static_cast<float>(1.0 / (1.0 + std::exp(-x)));
    // fastText's log table: log((i + 1e-5) / size).
    log_[i] = static_cast<float>(std::log((static_cast<double>(i) + 1e-5) / kSize));
  }
}

NegativeTable::NegativeTable(const std::vector<int64_t>& counts, uint64_t seed, size_t size) {
  double z = 0;
  for (int64_t c : counts) z += std::sqrt(static_cast<double>(c));
  if (z <= 0) return;
  if (size == 0) size = std::min(kMaxSize, std::max<size_t>(1, counts.size() * 1000));
  table_.reserve(size + counts.size());
  for (size_t i = 0; i < counts.size(); ++i) {
    const double c = std::sqrt(static_cast<double>(counts[i]));
    const size_t n = static_cast<size_t>(c * static_cast<double>(size) / z);
    for (size_t j = 0; j < n; ++j) table_.push_back(static_cast<int32_t>(i));
  }
  if (table_.empty()) table_.push_back(0);
  // Fisher-Yates with our own generator so the table depends on the seed only.
  Rng rng(seed ^ 0x6e65675f7461626cull);
  for (size_t i = table_.size() - 1; i > 0; --i) {
    size_t j = static_cast<size_t>((rng.next() >> 11) % (i + 1));
    std::swap(table_[i], table_[j]);
  }
}

OutputLayer::OutputLayer(const Args& args, const std::vector<int64_t>& counts,
                         DenseMatrix* output)
    : loss_(args.loss),
      neg_(args.neg),
      osz_(static_cast<int32_t>(counts.size())),
      dim_(output->cols()),
      out_(output),
      tables_(MathTables::get()) {
  if (loss_ == LossName::kNs) negatives_ = NegativeTable(counts, args.seed);
  if (loss_ == LossName::kHs) {
    std::vector<HsNode> t = build_huffman(counts);
    path_start_.assign(1, 0);
    for (int32_t i = 0; i < osz_; ++i) {
      // Walk from the leaf to the root; rows of internal nodes are node - osz.
      for (int32_t n = i; t[n].parent != -1; n = t[n].parent) {
        path_nodes_.push_back(t[n].parent - osz_);
        path_codes_.push_back(t[n].binary ? 1 : 0);
      }
      path_start_.push_back(static_cast<int32_t>(path_nodes_.size()));
    }
  }
}

SENTVEC_TRAIN_CLONES
float OutputLayer::binary_logistic(int32_t row, bool label, float lr, StepScratch& s) const {
  float* w = out_->row_mut(row);
  const float d = train_dot(w, s.hidden.data(), dim_);
  const float score = tables_.sigmoid(d);
  const float alpha = lr * ((label ? 1.f : 0.f) - score);
  train_output_step(s.grad.data(), w, s.hidden.data(), alpha, dim_);
  // 0 * d turns an infinite or NaN score into a NaN loss, which stops training.
  return (label ? -tables_.log(score) : -tables_.log(1.f - score)) + 0.f * d;
}

float OutputLayer::negative_sampling(int32_t target, float lr, StepScratch& s) const {
  float loss = binary_logistic(target, true, lr, s);
  for (int32_t k = 0; k < neg_; ++k)
    loss += binary_logistic(negatives_.draw(s.neg_pos, target), false, lr, s);
  return loss;
}

float OutputLayer::hierarchical_softmax(int32_t target, float lr, StepScratch& s) const {
  float loss = 0.f;
  for (int32_t k = path_start_[target]; k < path_start_[target + 1]; ++k)
    loss += binary_logistic(path_nodes_[k], path_codes_[k] != 0, lr, s);
  return loss;
}

float OutputLayer::softmax(int32_t target, float lr, StepScratch& s) const {
  s.scores.resize(osz_);
  float* sc = s.scores.data();
  const float* h = s.hidden.data();
  float mx = -INFINITY;
  for (int32_t i = 0; i < osz_; ++i) {
    sc[i] = train_dot(out_->row(i), h, dim_);
    mx = std::max(mx, sc[i]);
  }
  float z = 0.f;
  for (int32_t i = 0; i < osz_; ++i) {
    sc[i] = std::exp(sc[i] - mx);
    z += sc[i];
  }
  for (int32_t i = 0; i < osz_; ++i) sc[i] /= z;
  for (int32_t i = 0; i < osz_; ++i) {
    const float alpha = lr * ((i == target ? 1.f : 0.f) - sc[i]);
    train_output_step(s.grad.data(), out_->row_mut(i), h, alpha, dim_);
  }
  // fastText's loss floor: -log(p + 1e-5).
  return -std::log(sc[target] + 1e-5f);
}

float OutputLayer::one_vs_all(const int32_t* targets, int32_t ntargets, float lr,
                              StepScratch& s) const {
  float loss = 0.f;
  for (int32_t i = 0; i < osz_; ++i) {
    const bool gold = std::find(targets, targets + ntargets, i) != targets + ntargets;
    loss += binary_logistic(i, gold, lr, s);
  }
  return loss;
}

float OutputLayer::step(const int32_t* targets, int32_t ntargets, int32_t target_index, float lr,
                        StepScratch& s) const {
  switch (loss_) {
    case LossName::kNs: return negative_sampling(targets[target_index], lr, s);
    case LossName::kHs: return hierarchical_softmax(targets[target_index], lr, s);
    case LossName::kSoftmax: return softmax(targets[target_index], lr, s);
    case LossName::kOva: return one_vs_all(targets, ntargets, lr, s);
  }
  return 0.f;
}

}  // namespace sentvec
