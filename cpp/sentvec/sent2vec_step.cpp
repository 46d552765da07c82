// The sent2vec training step (spec section 6) with the sentvec n-gram scheme.
//
// For each line (one sentence):
//  - the in-vocabulary words are the sentence; an unknown word (or a label) is a gap that no
//    n-gram spans, exactly as inference (Dictionary::sent2vec_line) treats it;
//  - the word n-grams of the sentence are enumerated once (for_each_word_ngram, the function
//    inference and sentvec.ngram_ids use), instead of rehashing the line for every target;
//  - every word whose count is at least minCountLabel ("minCountTarget") and that survives
//    subsampling is a target. Its context is the other words of the sentence plus every n-gram
//    that touches neither the target nor one of dropoutK positions drawn at random; the
//    target is left out, not replaced by a placeholder row (sent2vec writes id 0 over it,
//    which adds the placeholder's row to every context and makes spans that start at the
//    target collide with shorter spans);
//  - a model read from sent2vec and trained further (init_model) keeps its 'sent2vec' scheme:
//    n-gram keys are the polynomial over word ids and unknown words are dropped, not gaps, as
//    its inference reads them; the target and dropped positions are left out the same way;
//  - hidden = mean of the context rows; the output layer (negative sampling, hs or softmax)
//    steps on the target; the gradient, divided by the context size, goes to every row.
#include "sent2vec_step.h"

#include <string>
#include <string_view>
#include <vector>

#include "errors.h"
#include "hashing.h"
#include "tokenizer.h"

namespace sentvec {

namespace {

struct Ngram {
  uint32_t start, end;
  int32_t row;
};

// n-gram rows sit at random places in a large matrix, and output rows of negatives too: their
// misses are overlapped by asking for them ahead (simd::prefetch_row).
using simd::prefetch_row;

class Sent2vecStep : public LineStep {
 public:
  explicit Sent2vecStep(const TrainContext& ctx)
      : dict_(ctx.dict),
        input_(ctx.input),
        output_(ctx.output),
        negatives_(ctx.layer.negatives()),
        ns_(ctx.args.loss == LossName::kNs),
        neg_(ctx.args.neg),
        nwords_(ctx.dict.nwords()),
        bucket_(ctx.args.bucket),
        nmax_(ctx.args.word_ngrams),
        dropout_k_(ctx.args.dropout_k),
        scheme_(ctx.args.scheme),
        max_words_(ctx.args.max_line_tokens > 1 ? ctx.args.max_line_tokens : 1024) {
    // One 64-bit key per word (the sentvec token key of its bytes), and whether it may be a
    // target: a word (not "</s>") counted at least minCountLabel times.
    keys_.resize(nwords_);
    target_.resize(nwords_);
    for (int32_t i = 0; i < nwords_; ++i) {
      const Entry& e = dict_.entry(i);
      keys_[i] = scheme_ == NgramScheme::kSentvec ? token_key64(e.word) : static_cast<uint64_t>(i);
      target_[i] = e.word != kEos && e.count >= ctx.args.min_count_label;
    }
  }

  int64_t process(std::string_view line, float lr, Worker& w) override {
    int64_t counted = 0;
    bool ended = false;
    ids_.clear();
    keys_line_.clear();
    blocked_.clear();
    nwords_line_ = 0;
    for_each_token(line, [&](std::string_view tok) {
      ++counted;  // every token counts toward progress, as every token counts in ntokens
      if (ended) return true;
      if (tok == kEos) {
        ended = true;  // one sentence per line; inference also stops at "</s>"
        return true;
      }
      const int32_t id = dict_.get_id(tok);
      if (id < 0 || id >= nwords_) {
        // Unknown word or label: a gap (consecutive gaps collapse into one); the legacy
        // scheme's n-grams span it, as sent2vec's inference does.
        if (scheme_ == NgramScheme::kSentvec && !ids_.empty() && ids_.back() >= 0) push(-1, 0, 1);
        return true;
      }
      push(id, keys_[id], 0);
      if (++nwords_line_ >= max_words_) {  // overlong line: train it in pieces
        train_sentence(lr, w);
        ids_.clear();
        keys_line_.clear();
        blocked_.clear();
        nwords_line_ = 0;
        if (w.stopping()) return false;  // the rest of the line is dropped
      }
      return true;
    });
    if (!w.stopping()) train_sentence(lr, w);
    return counted;
  }

 private:
  void push(int32_t id, uint64_t key, uint8_t blocked) {
    ids_.push_back(id);
    keys_line_.push_back(key);
    blocked_.push_back(blocked);
  }

  // The output rows of the step on the target at position t: its own row and, for negative
  // sampling, those of the negatives from table position `pos` on.
  void prefetch_output(uint32_t t, size_t pos, int64_t dim) const {
    const size_t nt = negatives_.size();
    if (!ns_ || nt == 0) return;
    prefetch_row(output_.row(ids_[t]), dim);
    for (int32_t k = 0; k < neg_; ++k) prefetch_row(output_.row(negatives_.at((pos + k) % nt)), dim);
  }

  void train_sentence(float lr, Worker& w) {
    if (nwords_line_ < 2) return;  // a target needs at least one other word
    const size_t len = ids_.size();
    word_pos_.clear();
    for (size_t p = 0; p < len; ++p)
      if (ids_[p] >= 0) word_pos_.push_back(static_cast<uint32_t>(p));
    ngrams_.clear();
    if (bucket_ > 0 && nmax_ > 1) {
      const uint64_t b = static_cast<uint64_t>(bucket_);
      for_each_word_ngram(scheme_, keys_line_.data(), blocked_.data(), len, nmax_,
                          [&](size_t s, size_t e, uint64_t key) {
                            ngrams_.push_back({static_cast<uint32_t>(s), static_cast<uint32_t>(e),
                                               nwords_ + static_cast<int32_t>(key % b)});
                          });
    }
    const int64_t dim = input_.cols();
    for (uint32_t p : word_pos_) prefetch_row(input_.row(ids_[p]), dim);
    for (const Ngram& g : ngrams_) prefetch_row(input_.row(g.row), dim);
    // The targets of the sentence, decided first so that the output rows of the next one can
    // be fetched while this one trains.
    targets_.clear();
    for (uint32_t t : word_pos_)
      if (target_[ids_[t]] && w.keep(ids_[t])) targets_.push_back(t);
    if (targets_.empty()) return;
    prefetch_output(targets_[0], w.s.neg_pos, dim);
    mark_.assign(len, 0);
    uint32_t stamp = 0;
    const uint32_t nw = static_cast<uint32_t>(word_pos_.size());
    for (size_t ti = 0; ti < targets_.size(); ++ti) {
      const uint32_t t = targets_[ti];
      int32_t target = ids_[t];
      if (ti + 1 < targets_.size()) prefetch_output(targets_[ti + 1], w.s.neg_pos + neg_, dim);
      context_.clear();
      for (uint32_t p : word_pos_)
        if (p != t) context_.push_back(ids_[p]);
      if (!ngrams_.empty()) {
        ++stamp;
        mark_[t] = stamp;
        for (int32_t k = 0; k < dropout_k_; ++k) mark_[word_pos_[w.s.rng.below(nw)]] = stamp;
        for (const Ngram& g : ngrams_) {
          bool touched = false;
          for (uint32_t q = g.start; q < g.end; ++q) touched |= mark_[q] == stamp;
          if (!touched) context_.push_back(g.row);
        }
      }
      w.update(context_.data(), context_.size(), &target, 1, 0, lr, true);
    }
  }

  const Dictionary& dict_;
  const DenseMatrix& input_;
  const DenseMatrix& output_;
  const NegativeTable& negatives_;
  const bool ns_;
  const int32_t neg_;
  const int32_t nwords_, bucket_, nmax_, dropout_k_;
  const NgramScheme scheme_;
  const int64_t max_words_;
  std::vector<uint64_t> keys_;
  std::vector<uint8_t> target_;
  // The current sentence: word id (-1 for a gap), its key, blocked flag.
  std::vector<int32_t> ids_;
  std::vector<uint64_t> keys_line_;
  std::vector<uint8_t> blocked_;
  int64_t nwords_line_ = 0;
  std::vector<uint32_t> word_pos_, mark_, targets_;
  std::vector<Ngram> ngrams_;
  std::vector<int32_t> context_;
};

}  // namespace

std::unique_ptr<LineStep> make_sent2vec_step(const TrainContext& ctx, int32_t /*thread_id*/) {
  // Its options (scheme, maxn) are checked by Args::validate.
  return std::make_unique<Sent2vecStep>(ctx);
}

}  // namespace sentvec
