// fastText's three training steps on one line: cbow, skipgram and supervised.
#include <algorithm>
#include <string_view>
#include <vector>

#include "tokenizer.h"
#include "trainer.h"

namespace sentvec {

namespace {

/// cbow and skipgram: in-vocabulary words of the line (subsampled), trained in chunks of at
/// most max_line_tokens counted tokens (fastText's MAX_LINE_SIZE), "</s>" included.
class UnsupervisedStep : public LineStep {
 public:
  explicit UnsupervisedStep(const TrainContext& ctx)
      : dict_(ctx.dict), compact_(ctx.word_rows), cbow_(ctx.args.model == ModelName::kCbow),
        window_(ctx.args.update == "window"), ws_(ctx.args.ws),
        max_tokens_(ctx.args.max_line_tokens) {
    ids_.reserve(max_tokens_ + 1);
  }

  int64_t process(std::string_view line, float lr, Worker& w) override {
    int64_t counted = 0, chunk = 0;
    ids_.clear();
    for_each_token(line, [&](std::string_view tok) {
      const int32_t id = dict_.get_id(tok);
      if (id < 0) return true;  // out of vocabulary: skipped, not counted
      ++counted;
      ++chunk;
      if (id < dict_.nwords() && w.keep(id)) ids_.push_back(id);
      if (chunk >= max_tokens_) {
        train_chunk(lr, w);
        ids_.clear();
        chunk = 0;
        if (w.stopping()) return false;  // a long line must not delay a stop
      }
      return true;
    });
    if (!ids_.empty() && !w.stopping()) train_chunk(lr, w);
    return counted;
  }

 private:
  void train_chunk(float lr, Worker& w) {
    if (window_) {
      if (cbow_) cbow_window(lr, w);
      else skipgram_window(lr, w);
      return;
    }
    const int32_t n = static_cast<int32_t>(ids_.size());
    for (int32_t i = 0; i < n; ++i) {
      const int32_t b = w.s.rng.between(1, ws_);
      if (cbow_) {
        bow_.clear();
        for (int32_t c = -b; c <= b; ++c) {
          if (c == 0 || i + c < 0 || i + c >= n) continue;
          const int32_t* r = rows_of(ids_[i + c]);
          bow_.insert(bow_.end(), r, r + rows_count(ids_[i + c]));
        }
        w.update(bow_.data(), bow_.size(), &ids_[i], 1, 0, lr, false);
      } else {
        if (i + 1 < n) prefetch_rows(w.ctx.input, ids_[i + 1]);
        const int32_t* sw = rows_of(ids_[i]);
        const size_t nsw = rows_count(ids_[i]);
        const DenseMatrix& out = w.ctx.output;
        for (int32_t c = -b; c <= b; ++c) {
          if (c == 0 || i + c < 0 || i + c >= n) continue;
          if (i + c + 1 < n) simd::prefetch_row(out.row(ids_[i + c + 1]), out.cols());
          w.update(sw, nsw, &ids_[i + c], 1, 0, lr, false);
        }
      }
    }
  }

  // Asks for a word's input rows ahead of their use: they are scattered over the input matrix
  // and fetching them on use stalls on every one.
  void prefetch_rows(const DenseMatrix& in, int32_t id) const {
    const int32_t* r = rows_of(id);
    for (size_t k = 0, nr = rows_count(id); k < nr; ++k) simd::prefetch_row(in.row(r[k]), in.cols());
  }

  // update="window", skipgram: the centre word's hidden vector (the mean of its rows) is read
  // once for all its context words, their gradients are summed, and the sum is added to the
  // rows once. fastText adds each pair's gradient g to every row of the centre, which moves
  // their mean by exactly g; so adding g to the hidden vector after each pair gives the next
  // pair the hidden vector fastText's would (but for the rounding, and for a row listed twice in
  // one word, which fastText moves twice). The output steps are fastText's, in its order.
  void skipgram_window(float lr, Worker& w) {
    const int32_t n = static_cast<int32_t>(ids_.size());
    DenseMatrix& in = w.ctx.input;
    const DenseMatrix& out = w.ctx.output;
    const int64_t d = in.cols();
    StepScratch& s = w.s;
    for (int32_t i = 0; i < n; ++i) {
      const int32_t b = s.rng.between(1, ws_);
      if (i + 1 < n) prefetch_rows(in, ids_[i + 1]);
      const int32_t* sw = rows_of(ids_[i]);
      const size_t nsw = rows_count(ids_[i]);
      s.kern->mean_rows(in.data(), d, sw, nsw, s.hidden.data());
      gsum_.assign(static_cast<size_t>(d), 0.f);
      bool any = false;
      float* h = s.hidden.data();
      float* g = s.grad.data();
      for (int32_t c = -b; c <= b; ++c) {
        if (c == 0 || i + c < 0 || i + c >= n) continue;
        if (i + c + 1 < n) simd::prefetch_row(out.row(ids_[i + c + 1]), out.cols());
        std::fill_n(g, d, 0.f);
        w.loss_sum += w.ctx.layer.step(&ids_[i + c], 1, 0, lr, s);
        ++w.examples;
        for (int64_t j = 0; j < d; ++j) {
          gsum_[static_cast<size_t>(j)] += g[j];
          h[j] += g[j];
        }
        any = true;
      }
      if (any) s.kern->add_to_rows(in.data_mut(), d, sw, nsw, gsum_.data());
    }
  }

  // update="window", cbow: every position's rows are read once, when it enters the reach of
  // the windows (ws positions ahead), kept as their mean and count, and every window's hidden
  // vector is the count-weighted mean of its positions' means; each window's gradient g is
  // summed per position and added to the position's rows once, when no later window can reach
  // it. fastText adds g to every row of the window at once, which moves each of its positions'
  // means by g: the kept means move by g too, so later windows see what fastText's would (but
  // for rounding, and for rows two positions share: another position of the same word, or an
  // n-gram two words have in common, which fastText's update moves as well).
  void cbow_window(float lr, Worker& w) {
    const int32_t n = static_cast<int32_t>(ids_.size());
    DenseMatrix& in = w.ctx.input;
    const int64_t d = in.cols();
    StepScratch& s = w.s;
    const int32_t R = 2 * ws_ + 1;
    mean_.resize(static_cast<size_t>(R * d));
    gsum_.resize(static_cast<size_t>(R * d));
    cnt_.resize(static_cast<size_t>(R));
    used_.resize(static_cast<size_t>(R));
    auto slot = [&](int32_t p) { return static_cast<size_t>(p % R); };
    auto load = [&](int32_t p) {
      const size_t k = slot(p);
      s.kern->mean_rows(in.data(), d, rows_of(ids_[p]), rows_count(ids_[p]), mean_.data() + k * d);
      cnt_[k] = static_cast<float>(rows_count(ids_[p]));
      std::fill_n(gsum_.data() + k * d, d, 0.f);
      used_[k] = 0;
    };
    auto flush = [&](int32_t p) {
      const size_t k = slot(p);
      if (used_[k])
        s.kern->add_to_rows(in.data_mut(), d, rows_of(ids_[p]), rows_count(ids_[p]), gsum_.data() + k * d);
    };
    int32_t loaded = 0;  // positions [0, loaded) have been loaded
    for (int32_t i = 0; i < n; ++i) {
      const int32_t b = s.rng.between(1, ws_);
      for (; loaded < n && loaded <= i + ws_; ++loaded) load(loaded);
      if (loaded < n) prefetch_rows(in, ids_[loaded]);
      float* h = s.hidden.data();
      std::fill_n(h, d, 0.f);
      float total = 0.f;
      for (int32_t c = -b; c <= b; ++c) {
        if (c == 0 || i + c < 0 || i + c >= n) continue;
        const size_t k = slot(i + c);
        const float* m = mean_.data() + k * d;
        const float wgt = cnt_[k];
        for (int64_t j = 0; j < d; ++j) h[j] += wgt * m[j];
        total += wgt;
      }
      if (total > 0.f) {
        const float inv = 1.f / total;
        for (int64_t j = 0; j < d; ++j) h[j] *= inv;
        std::fill(s.grad.begin(), s.grad.end(), 0.f);
        w.loss_sum += w.ctx.layer.step(&ids_[i], 1, 0, lr, s);
        ++w.examples;
        const float* g = s.grad.data();
        for (int32_t c = -b; c <= b; ++c) {
          if (c == 0 || i + c < 0 || i + c >= n) continue;
          const size_t k = slot(i + c);
          float* gs = gsum_.data() + k * d;
          float* m = mean_.data() + k * d;
          for (int64_t j = 0; j < d; ++j) {
            gs[j] += g[j];
            m[j] += g[j];
          }
          used_[k] = 1;
        }
      }
      if (i - ws_ >= 0) flush(i - ws_);  // no window after this one reaches it
    }
    for (int32_t p = std::max(0, n - ws_); p < n; ++p) flush(p);
  }

  // A word's input rows: the dictionary's subwords, or their numbers in the compact matrix.
  const int32_t* rows_of(int32_t id) const {
    return compact_ ? compact_->of(id) : dict_.entry(id).subwords.data();
  }
  size_t rows_count(int32_t id) const {
    return compact_ ? compact_->count(id) : dict_.entry(id).subwords.size();
  }

  const Dictionary& dict_;
  const WordRows* compact_;
  const bool cbow_;
  const bool window_;
  const int32_t ws_;
  const int64_t max_tokens_;
  std::vector<int32_t> ids_, bow_;
  std::vector<float> mean_, gsum_, cnt_;  // cbow_window's ring of 2 ws + 1 positions
  std::vector<char> used_;
};

/// supervised: the line's features (words, char n-grams, word n-grams under the model's
/// scheme, exactly what prediction uses) predict one random label of the line, or all of
/// them with one-vs-all. Every token counts toward progress; nothing is subsampled.
class SupervisedStep : public LineStep {
 public:
  explicit SupervisedStep(const TrainContext& ctx)
      : dict_(ctx.dict), ova_(ctx.args.loss == LossName::kOva) {}

  int64_t process(std::string_view line, float lr, Worker& w) override {
    int64_t ntokens = 0;
    dict_.supervised_line(line, words_, labels_, scratch_, &ntokens);
    if (labels_.empty() || words_.empty()) return ntokens;
    const int32_t nl = static_cast<int32_t>(labels_.size());
    const int32_t ti = ova_ ? 0 : static_cast<int32_t>(w.s.rng.below(nl));
    w.update(words_.data(), words_.size(), labels_.data(), nl, ti, lr, true);
    return ntokens;
  }

 private:
  const Dictionary& dict_;
  const bool ova_;
  std::vector<int32_t> words_, labels_;
  LineScratch scratch_;
};

}  // namespace

std::unique_ptr<LineStep> make_fasttext_step(const TrainContext& ctx, int32_t /*thread_id*/) {
  if (ctx.args.model == ModelName::kSupervised) return std::make_unique<SupervisedStep>(ctx);
  return std::make_unique<UnsupervisedStep>(ctx);
}

}  // namespace sentvec
