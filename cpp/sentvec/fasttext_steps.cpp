// fastText's three training steps on one line: cbow, skipgram and supervised.
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
      : dict_(ctx.dict), compact_(ctx.word_rows), cbow_(ctx.args.model == ModelName::kCbow), ws_(ctx.args.ws),
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
        if (i + 1 < n) {
          // The next centre's rows are scattered over the input matrix: ask for them now, so
          // they arrive while this centre trains (fetching them on use stalls on every one).
          const DenseMatrix& in = w.ctx.input;
          const int32_t* r = rows_of(ids_[i + 1]);
          for (size_t k = 0, nr = rows_count(ids_[i + 1]); k < nr; ++k)
            simd::prefetch_row(in.row(r[k]), in.cols());
        }
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
  const int32_t ws_;
  const int64_t max_tokens_;
  std::vector<int32_t> ids_, bow_;
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
    dict_.supervised_line(line, words_, labels_, &ntokens);
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
};

}  // namespace

std::unique_ptr<LineStep> make_fasttext_step(const TrainContext& ctx, int32_t /*thread_id*/) {
  if (ctx.args.model == ModelName::kSupervised) return std::make_unique<SupervisedStep>(ctx);
  return std::make_unique<UnsupervisedStep>(ctx);
}

}  // namespace sentvec
