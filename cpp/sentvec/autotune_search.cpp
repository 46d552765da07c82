#include "autotune_search.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace sentvec {

// ---------------------------------------------------------------------------- candidates

bool Candidate::operator==(const Candidate& o) const {
  return lr == o.lr && epoch == o.epoch && dim == o.dim && word_ngrams == o.word_ngrams &&
         bucket == o.bucket && minn == o.minn && maxn == o.maxn && dsub == o.dsub;
}

Args Candidate::apply(Args a) const {
  a.lr = lr;
  a.epoch = epoch;
  a.dim = dim;
  a.word_ngrams = word_ngrams;
  a.bucket = bucket;
  a.minn = minn;
  a.maxn = maxn;
  return a;
}

Candidate Candidate::from(const Args& a) {
  Candidate c;
  c.lr = a.lr;
  c.epoch = a.epoch;
  c.dim = a.dim;
  c.word_ngrams = a.word_ngrams;
  c.bucket = a.bucket;
  c.minn = a.minn;
  c.maxn = a.maxn;
  return c;
}

std::string Candidate::describe(bool with_dsub) const {
  char buf[200];
  std::snprintf(buf, sizeof buf, "lr %.4g epoch %d dim %d wordNgrams %d bucket %d minn %d maxn %d",
                lr, epoch, dim, word_ngrams, bucket, minn, maxn);
  std::string s = buf;
  if (with_dsub) s += " dsub " + std::to_string(dsub);
  return s;
}

// ---------------------------------------------------------------------------- cost model

namespace {

// Reference seconds per unit of work, fitted on the CPU time of one core of an x86-64-v3
// machine (cooking: train, evaluate and quantize runs of several sizes): the constants only set how much work a second of
// budget buys, so they affect which options fit, never reproducibility.
constexpr double kPerInputValue = 1.1e-9;   // one feature row x one dimension, forward + backward
constexpr double kPerOutputValue = 0.45e-9; // one output row x one dimension, forward + update
constexpr double kPerToken = 25e-9;         // reading, hashing, the n-gram loop
constexpr double kPerCorpusByte = 12e-9;    // the counting pass of every trial
constexpr double kPerInitFloat = 2.0e-9;     // uniform initialisation of the input matrix
constexpr double kPerKmeansValue = 0.1e-9;  // one point x centroid x dimension of k-means
constexpr double kPerKmeansPoint = 1.6e-9;  // one point x centroid of k-means
constexpr double kPerEvalValue = 0.6e-9;    // one output row x dimension at prediction
constexpr double kPerEvalRow = 15e-9;       // one output row at prediction (exp, top-k)
constexpr double kPerTrial = 0.08;          // fixed overhead (the vocabulary table, threads)

bool has_hashed_rows(const Candidate& c) { return c.word_ngrams > 1 || c.maxn > 0; }

// Char n-grams of a word of `chars` characters, wrapped in < >, for n in [minn, maxn].
double char_ngrams(double chars, int32_t minn, int32_t maxn) {
  if (maxn <= 0) return 0.0;
  double n = 0;
  for (int32_t len = std::max(1, minn); len <= maxn; ++len) n += std::max(0.0, chars + 2 - len + 1);
  return n;
}

}  // namespace

double CostModel::per_epoch(const Candidate& c) const {
  const double feats = 1.0 + (c.word_ngrams - 1) + char_ngrams(data.mean_word_chars, c.minn, c.maxn);
  double out_rows = data.nlabels;
  if (loss == LossName::kNs) out_rows = neg + 1.0;
  if (loss == LossName::kHs) out_rows = std::log2(std::max(2, data.nlabels)) + 1.0;
  const double in = static_cast<double>(data.train_words) * feats * c.dim * kPerInputValue;
  const double out = static_cast<double>(data.train_lines) * out_rows * c.dim * kPerOutputValue;
  const double tok = static_cast<double>(data.train_words) * (1.0 + (c.word_ngrams - 1)) * kPerToken;
  return in + out + tok;
}

double CostModel::train(const Candidate& c) const {
  const double rows = data.nwords + (has_hashed_rows(c) ? static_cast<double>(c.bucket) : 0.0);
  return kPerTrial + static_cast<double>(data.train_bytes) * kPerCorpusByte +
         rows * c.dim * kPerInitFloat + c.epoch * per_epoch(c);
}

double CostModel::evaluate(const Candidate& c) const {
  const double feats = 1.0 + (c.word_ngrams - 1) + char_ngrams(data.mean_word_chars, c.minn, c.maxn);
  double out_rows = data.nlabels;
  if (loss == LossName::kHs) out_rows = 2.0 * std::max(1, k) * (std::log2(std::max(2, data.nlabels)) + 1.0);
  const double in = static_cast<double>(data.valid_words) * feats * c.dim * kPerInputValue * 0.5;
  const double out = static_cast<double>(data.valid_lines) * out_rows * (c.dim * kPerEvalValue + kPerEvalRow);
  return in + out + static_cast<double>(data.valid_words) * kPerToken;
}

double CostModel::quantize(const Candidate& c, int64_t rows) const {
  // k-means: 25 iterations over at most 32768 sampled rows, then every row is encoded; each
  // point-centroid distance costs a fixed part plus one per dimension of the sub-vector.
  const double sample = static_cast<double>(std::min<int64_t>(rows, 32768));
  const double nsubq = (c.dim + c.dsub - 1) / c.dsub;
  return (25.0 * sample + static_cast<double>(rows)) * 256.0 * nsubq *
         (kPerKmeansPoint + c.dsub * kPerKmeansValue);
}

// ---------------------------------------------------------------------------- search

Search::Search(const Args& base, const SearchSpace& space, const DataStats& data, uint64_t seed)
    : space_(space), data_(data), rng_(seed ^ 0x6175746f74756e65ull) {
  base_ = clamp(Candidate::from(base));
  queue_.push_back(base_);
  // Anchors: fastText's tutorial settings for classifiers (lr 0.5 - 1, 10 - 25 epochs, word
  // bigrams, smaller dimensions), cheapest first so that a short budget still reaches one.
  const Candidate anchors[] = {
      {0.5, 10, 20, 2, 1000000, base.minn, base.maxn, 2},
      {1.0, 25, 50, 2, 2000000, base.minn, base.maxn, 2},
      {0.25, 25, 30, 1, base.bucket, base.minn, base.maxn, 4},
  };
  for (const Candidate& a : anchors) {
    Candidate c = clamp(a);
    if (!seen(c) && std::find(queue_.begin(), queue_.end(), c) == queue_.end()) queue_.push_back(c);
  }
}

double Search::gauss() {
  // Box-Muller over two 53-bit uniforms: the same numbers on every platform.
  const double u1 = (static_cast<double>(rng_.next() >> 11) + 1.0) / 9007199254740993.0;
  const double u2 = static_cast<double>(rng_.next() >> 11) / 9007199254740992.0;
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
}

bool Search::seen(const Candidate& c) const {
  return std::find(tried_.begin(), tried_.end(), c) != tried_.end();
}

Candidate Search::clamp(Candidate c) const {
  c.lr = std::min(space_.lr_max, std::max(space_.lr_min, c.lr));
  c.lr = std::round(c.lr * 1e4) / 1e4;  // 4 decimals: readable options, stable dedupe
  c.epoch = std::min(space_.epoch_max, std::max(space_.epoch_min, c.epoch));
  c.dim = std::min(space_.dim_max, std::max(space_.dim_min, c.dim));
  c.word_ngrams = std::min(space_.ngrams_max, std::max(1, c.word_ngrams));
  c.dsub = space_.size_limited ? std::min(8, std::max(1, c.dsub)) : 2;
  if (c.word_ngrams > 1 || c.maxn > 0) {
    c.bucket = std::min(space_.bucket_max, std::max(space_.bucket_min, c.bucket));
    const int64_t cap = space_.max_input_floats / std::max(1, c.dim) - data_.nwords;
    if (c.bucket > cap) c.bucket = static_cast<int32_t>(std::max<int64_t>(space_.bucket_min, cap));
    c.bucket = static_cast<int32_t>(std::round(c.bucket / 1000.0) * 1000);
  }
  return c;
}

Candidate Search::perturb(const Candidate& from, double t) {
  t = std::min(1.0, std::max(0.0, t));
  auto shrink = [t](double start, double end) { return start + (end - start) * t; };
  auto log_step = [&](double v, double sigma) { return v * std::exp(sigma * gauss()); };
  Candidate c = from;
  const double p_move = 0.7;
  bool moved = false;
  for (int attempt = 0; attempt < 4 && !moved; ++attempt) {
    if (rng_.uniform() < p_move) {
      c.lr = log_step(c.lr, shrink(0.8, 0.2));
      moved = true;
    }
    if (rng_.uniform() < p_move) {
      c.epoch = static_cast<int32_t>(std::lround(log_step(c.epoch, shrink(0.7, 0.15))));
      moved = true;
    }
    if (rng_.uniform() < p_move) {
      c.dim = static_cast<int32_t>(std::lround(log_step(c.dim, shrink(0.7, 0.15))));
      moved = true;
    }
    if (rng_.uniform() < shrink(0.35, 0.1)) {
      c.word_ngrams += rng_.uniform() < 0.5 ? -1 : 1;
      moved = true;
    }
    if ((c.word_ngrams > 1 || c.maxn > 0) && rng_.uniform() < 0.5) {
      c.bucket = static_cast<int32_t>(std::min(2e9, log_step(c.bucket, shrink(1.0, 0.3))));
      moved = true;
    }
    if (rng_.uniform() < shrink(0.15, 0.05)) {
      // Char n-grams: none, short, fastText's unsupervised default.
      static const int32_t choices[3][2] = {{0, 0}, {2, 5}, {3, 6}};
      const uint32_t i = rng_.below(3);
      c.minn = choices[i][0];
      c.maxn = choices[i][1];
      moved = true;
    }
    if (space_.size_limited && rng_.uniform() < shrink(0.3, 0.1)) {
      c.dsub = rng_.uniform() < 0.5 ? c.dsub / 2 : c.dsub * 2;
      moved = true;
    }
  }
  return clamp(c);
}

Candidate Search::next(double t) {
  Candidate c;
  if (!queue_.empty()) {
    c = queue_.front();
    queue_.erase(queue_.begin());
  } else {
    const Candidate& from = has_best_ ? best_ : base_;
    c = perturb(from, t);
    for (int i = 0; i < 50 && seen(c); ++i) c = perturb(from, t);
  }
  ++proposed_;
  return c;
}

void Search::report(const Candidate& c, double score) {
  tried_.push_back(c);
  if (std::isnan(score)) return;
  // Ties keep the earlier (cheaper to have found) configuration.
  if (!has_best_ || score > best_score_) {
    best_ = c;
    best_score_ = score;
    has_best_ = true;
  }
}

}  // namespace sentvec
