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
//
// update="fasttext" does that literally: every target reads its context rows from the matrix
// and adds its gradient to each of them. update="window" (the default) gives the same steps up
// to float rounding with far fewer row operations. The sentence's distinct rows are read once
// into a local buffer; a row used m times by the sentence (a repeated word, two n-grams in one
// bucket) is one entry with multiplicity m. Every target's context is the whole sentence less
// a few items (the target's own occurrence and the n-grams touching a marked position), so:
//  - the value of entry u after some targets is row_u + m_u G - E_u, where row_u is the row as
//    it was (nothing writes it before the sentence ends), G the sum of the gradients applied
//    so far (each to every item in its context) and E_u the sum of those that left out one of
//    u's items (once per item left out);
//  - S, the sum over all items of their current value, moves by (Q - sum of m over the items
//    left out) times the gradient, Q = sum of m_u^2;
//  - a target's context sum is S less its left-out items' values, or the sum over its context
//    items when those are fewer; only the left-out entries' E change per target;
//  - at the end of the sentence each row gets m_u G - E_u once.
// The random draws (subsampling, dropout positions, negatives) are those of "fasttext", in the
// same order; the rows other threads write meanwhile are seen from the next sentence on.
#include "sent2vec_step.h"

#include <algorithm>
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
        window_(ctx.args.update != "fasttext"),
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
    bool ended = false, stopped = false;
    clear_sentence();
    toks_.clear();
    for_each_token(line, [&](std::string_view tok) {
      ++counted;  // every token counts toward progress, as every token counts in ntokens
      if (ended) return true;
      if (tok == kEos) {
        ended = true;  // one sentence per line; inference also stops at "</s>"
        return true;
      }
      toks_.push_back(tok);
      if (toks_.size() == kLookupBatch && !take_tokens(lr, w)) stopped = true;
      return !stopped;
    });
    if (!stopped && take_tokens(lr, w)) train_sentence(lr, w);
    return counted;
  }

 private:
  // Tokens are looked up kLookupBatch at a time (Dictionary::get_ids overlaps their misses).
  static constexpr size_t kLookupBatch = 64;

  void clear_sentence() {
    s_.ids.clear();
    s_.keys.clear();
    s_.blocked.clear();
    s_.nwords = 0;
  }

  // Adds the buffered tokens to the sentence (false: training stops, the rest is dropped).
  bool take_tokens(float lr, Worker& w) {
    tok_ids_.resize(toks_.size());
    dict_.get_ids(toks_.data(), toks_.size(), tok_ids_.data());
    toks_.clear();
    for (const int32_t id : tok_ids_) {
      if (id < 0 || id >= nwords_) {
        // Unknown word or label: a gap (consecutive gaps collapse into one); the legacy
        // scheme's n-grams span it, as sent2vec's inference does.
        if (scheme_ == NgramScheme::kSentvec && !s_.ids.empty() && s_.ids.back() >= 0) push(-1, 0, 1);
        continue;
      }
      push(id, keys_[id], 0);
      if (++s_.nwords >= max_words_) {  // overlong line: train it in pieces
        train_sentence(lr, w);
        clear_sentence();
        if (w.stopping()) return false;  // the rest of the line is dropped
      }
    }
    return !w.stopping();
  }

  void push(int32_t id, uint64_t key, uint8_t blocked) {
    s_.ids.push_back(id);
    s_.keys.push_back(key);
    s_.blocked.push_back(blocked);
  }

  // The output rows of the step on the target at position t: its own row and, for negative
  // sampling, those of the negatives from table position `pos` on.
  void prefetch_output(uint32_t t, size_t pos, int64_t dim) const {
    const size_t nt = negatives_.size();
    if (!ns_ || nt == 0) return;
    prefetch_row(output_.row(s_.ids[t]), dim);
    for (int32_t k = 0; k < neg_; ++k) prefetch_row(output_.row(negatives_.at((pos + k) % nt)), dim);
  }

  // The sentence's word positions and n-grams, their rows asked for now or, with `defer`, queued
  // for train_window to ask for a few at a time (false: nothing to train).
  bool layout(bool defer = false) {
    if (s_.nwords < 2) return false;  // a target needs at least one other word
    const size_t len = s_.ids.size();
    s_.word_pos.clear();
    for (size_t p = 0; p < len; ++p)
      if (s_.ids[p] >= 0) s_.word_pos.push_back(static_cast<uint32_t>(p));
    s_.ngrams.clear();
    if (bucket_ > 0 && nmax_ > 1) {
      const uint64_t b = static_cast<uint64_t>(bucket_);
      for_each_word_ngram(scheme_, s_.keys.data(), s_.blocked.data(), len, nmax_,
                          [&](size_t s, size_t e, uint64_t key) {
                            s_.ngrams.push_back({static_cast<uint32_t>(s), static_cast<uint32_t>(e),
                                               nwords_ + static_cast<int32_t>(key % b)});
                          });
    }
    const int64_t dim = input_.cols();
    if (defer) {
      ahead_.clear();
      ahead_at_ = 0;
      for (uint32_t p : s_.word_pos) ahead_.push_back(input_.row(s_.ids[p]));
      for (const Ngram& g : s_.ngrams) ahead_.push_back(input_.row(g.row));
      return true;
    }
    for (uint32_t p : s_.word_pos) prefetch_row(input_.row(s_.ids[p]), dim);
    for (const Ngram& g : s_.ngrams) prefetch_row(input_.row(g.row), dim);
    return true;
  }

  // Asks for the queued rows of the next sentence: `n` of them, or all that are left (n < 0).
  // Spread over the targets of the sentence training now, the misses never queue up at once
  // behind the core's few outstanding-miss slots.
  void prefetch_ahead(int64_t n) {
    const int64_t dim = input_.cols();
    const size_t end =
        n < 0 ? ahead_.size() : std::min(ahead_.size(), ahead_at_ + static_cast<size_t>(n));
    for (; ahead_at_ < end; ++ahead_at_) prefetch_row(ahead_[ahead_at_], dim);
  }

  // The targets of the laid-out sentence (indices into s_.word_pos), decided first so that the
  // output rows of the next one can be fetched while this one trains (false: none).
  bool choose_targets(Worker& w) {
    targets_.clear();
    for (uint32_t i = 0; i < s_.word_pos.size(); ++i)
      if (target_[s_.ids[s_.word_pos[i]]] && w.keep(s_.ids[s_.word_pos[i]])) targets_.push_back(i);
    if (targets_.empty()) return false;
    prefetch_output(s_.word_pos[targets_[0]], w.s.neg_pos, input_.cols());
    mark_.assign(s_.ids.size(), 0);
    return true;
  }

  // update="window" trains each sentence one line late: its rows are asked for when it is
  // read and arrive while the sentence before it trains. The sentence waiting is trained by
  // finish() (end of the thread's run, before a checkpoint), with the rate it was read at;
  // the random draws keep their order (none is made while reading).
  void train_pending(float lr, Worker& w, bool has_new) {
    const bool had = pending_.valid;
    const float pending_lr = pending_.lr;
    std::swap(s_, pending_.s);  // s_ now holds the sentence read before
    pending_.valid = has_new;
    pending_.lr = lr;
    if (had && choose_targets(w)) train_window(pending_lr, w);
  }

 public:
  void finish(Worker& w) override {
    if (!window_ || !pending_.valid) return;
    clear_sentence();
    train_pending(0.f, w, false);
    clear_sentence();
  }

 private:
  // Marks the target's position and dropoutK positions drawn at random with `stamp`.
  void mark_positions(uint32_t t, uint32_t stamp, Worker& w) {
    const uint32_t nw = static_cast<uint32_t>(s_.word_pos.size());
    marked_.clear();
    marked_.push_back(t);
    mark_[t] = stamp;
    for (int32_t k = 0; k < dropout_k_; ++k) {
      const uint32_t q = s_.word_pos[w.s.rng.below(nw)];
      if (mark_[q] != stamp) marked_.push_back(q);
      mark_[q] = stamp;
    }
  }

  void train_sentence(float lr, Worker& w) {
    if (window_) {
      const bool laid = layout(true);
      if (laid || pending_.valid) train_pending(lr, w, laid);
      prefetch_ahead(-1);  // what the targets did not ask for (or no sentence trained)
      return;
    }
    if (!layout() || !choose_targets(w)) return;
    const int64_t dim = input_.cols();
    uint32_t stamp = 0;
    for (size_t ti = 0; ti < targets_.size(); ++ti) {
      const uint32_t t = s_.word_pos[targets_[ti]];
      int32_t target = s_.ids[t];
      if (ti + 1 < targets_.size())
        prefetch_output(s_.word_pos[targets_[ti + 1]], w.s.neg_pos + neg_, dim);
      context_.clear();
      for (uint32_t p : s_.word_pos)
        if (p != t) context_.push_back(s_.ids[p]);
      if (!s_.ngrams.empty()) {
        mark_positions(t, ++stamp, w);
        for (const Ngram& g : s_.ngrams) {
          bool touched = false;
          for (uint32_t q = g.start; q < g.end; ++q) touched |= mark_[q] == stamp;
          if (!touched) context_.push_back(g.row);
        }
      }
      w.update(context_.data(), context_.size(), &target, 1, 0, lr, true);
    }
  }

  // Entry of `row` in the sentence's distinct rows (added with multiplicity 0 when new).
  uint32_t entry_of(int32_t row) {
    const size_t mask = slot_.size() - 1;
    size_t h = (static_cast<uint32_t>(row) * 0x9E3779B1u) & mask;
    while (slot_[h] >= 0) {
      if (rows_[slot_[h]] == row) return static_cast<uint32_t>(slot_[h]);
      h = (h + 1) & mask;
    }
    slot_[h] = static_cast<int32_t>(rows_.size());
    rows_.push_back(row);
    mult_.push_back(0);
    return static_cast<uint32_t>(rows_.size() - 1);
  }

  void train_window(float lr, Worker& w) {
    const int64_t d = input_.cols();
    const size_t nw = s_.word_pos.size(), ng = s_.ngrams.size();
    // The distinct rows, each item's entry, multiplicities.
    size_t tsize = 16;
    while (tsize < 2 * (nw + ng)) tsize *= 2;
    slot_.assign(tsize, -1);
    rows_.clear();
    mult_.clear();
    word_u_.resize(nw);
    ngram_u_.resize(ng);
    for (size_t i = 0; i < nw; ++i) ++mult_[word_u_[i] = entry_of(s_.ids[s_.word_pos[i]])];
    for (size_t j = 0; j < ng; ++j) ++mult_[ngram_u_[j] = entry_of(s_.ngrams[j].row)];
    const size_t nu = rows_.size();
    double q_sum = 0;
    for (int32_t m : mult_) q_sum += static_cast<double>(m) * m;
    const float q = static_cast<float>(q_sum);
    // E = 0, S = sum of m_u times row u, G = 0. The rows themselves stay where they are:
    // nothing writes them before the end of the sentence (other threads apart, Hogwild).
    e_.assign(nu * d, 0.f);
    sum_.assign(d, 0.f);
    gsum_.assign(d, 0.f);
    float* S = sum_.data();
    float* G = gsum_.data();
    for (size_t u = 0; u < nu; ++u) {
      const float* src = input_.row(rows_[u]);
      const float m = static_cast<float>(mult_[u]);
      for (int64_t j = 0; j < d; ++j) S[j] += m * src[j];
    }
    // The n-grams covering each position (CSR), so that a target finds the n-grams it leaves
    // out from its marked positions instead of testing every n-gram.
    const size_t len = s_.ids.size();
    if (ng > 0) {
      cover_at_.assign(len + 1, 0);
      for (const Ngram& g : s_.ngrams)
        for (uint32_t p = g.start; p < g.end; ++p) ++cover_at_[p + 1];
      for (size_t p = 0; p < len; ++p) cover_at_[p + 1] += cover_at_[p];
      cover_.resize(cover_at_[len]);
      fill_.assign(cover_at_.begin(), cover_at_.end() - 1);
      for (uint32_t j = 0; j < ng; ++j)
        for (uint32_t p = s_.ngrams[j].start; p < s_.ngrams[j].end; ++p) cover_[fill_[p]++] = j;
      ngram_mark_.assign(ng, 0);
    }
    float* h = w.s.hidden.data();
    float* g = w.s.grad.data();
    uint32_t stamp = 0;
    for (size_t ti = 0; ti < targets_.size(); ++ti) {
      const uint32_t wi = targets_[ti];
      const uint32_t t = s_.word_pos[wi];
      int32_t target = s_.ids[t];
      if (ti + 1 < targets_.size())
        prefetch_output(s_.word_pos[targets_[ti + 1]], w.s.neg_pos + neg_, d);
      const size_t left = targets_.size() - ti;
      prefetch_ahead(static_cast<int64_t>((ahead_.size() - ahead_at_ + left - 1) / left));
      // The items left out: the target's occurrence and the n-grams touching a marked position.
      out_.clear();
      out_.push_back(word_u_[wi]);
      size_t ng_out = 0;
      ++stamp;
      if (ng > 0) {
        mark_positions(t, stamp, w);
        for (uint32_t p : marked_)
          for (uint32_t c = cover_at_[p]; c < cover_at_[p + 1]; ++c) {
            const uint32_t j = cover_[c];
            if (ngram_mark_[j] == stamp) continue;
            ngram_mark_[j] = stamp;
            out_.push_back(ngram_u_[j]);
            ++ng_out;
          }
      }
      const size_t nctx = (nw - 1) + (ng - ng_out);
      if (nctx == 0) continue;  // as Worker::update with no rows: no step
      float c_out = 0;
      for (uint32_t u : out_) c_out += static_cast<float>(mult_[u]);
      if (out_.size() <= nctx) {
        // S less the left-out items' values (row_u - E_u + m_u G each).
        for (int64_t j = 0; j < d; ++j) h[j] = S[j] - c_out * G[j];
        for (uint32_t u : out_) {
          const float* r = input_.row(rows_[u]);
          const float* eu = e_.data() + u * d;
          for (int64_t j = 0; j < d; ++j) h[j] -= r[j] - eu[j];
        }
      } else {
        // Fewer context items than left-out ones: their values summed directly.
        std::fill(h, h + d, 0.f);
        float c_in = 0;
        auto add = [&](uint32_t u) {
          const float* r = input_.row(rows_[u]);
          const float* eu = e_.data() + u * d;
          for (int64_t j = 0; j < d; ++j) h[j] += r[j] - eu[j];
          c_in += static_cast<float>(mult_[u]);
        };
        for (size_t i = 0; i < nw; ++i)
          if (i != wi) add(word_u_[i]);
        for (size_t j = 0; j < ng; ++j)
          if (ngram_mark_[j] != stamp) add(ngram_u_[j]);
        for (int64_t j = 0; j < d; ++j) h[j] += c_in * G[j];
      }
      const float inv = 1.f / static_cast<float>(nctx);
      for (int64_t j = 0; j < d; ++j) h[j] *= inv;
      std::fill(g, g + d, 0.f);
      w.loss_sum += w.ctx.layer.step(&target, 1, 0, lr, w.s);
      ++w.examples;
      // Every context item gets g / nctx: G and S move, the left-out entries' E too.
      const float sc = q - c_out;
      for (int64_t j = 0; j < d; ++j) {
        const float gj = g[j] * inv;
        G[j] += gj;
        S[j] += sc * gj;
      }
      for (uint32_t u : out_) {
        float* eu = e_.data() + u * d;
        for (int64_t j = 0; j < d; ++j) eu[j] += g[j] * inv;
      }
    }
    // Each row once: m_u G - E_u.
    for (size_t u = 0; u < nu; ++u) {
      float* dst = input_.row_mut(rows_[u]);
      const float* eu = e_.data() + u * d;
      const float m = static_cast<float>(mult_[u]);
      for (int64_t j = 0; j < d; ++j) dst[j] += m * G[j] - eu[j];
    }
  }

  const Dictionary& dict_;
  DenseMatrix& input_;
  const DenseMatrix& output_;
  const NegativeTable& negatives_;
  const bool ns_;
  const int32_t neg_;
  const int32_t nwords_, bucket_, nmax_, dropout_k_;
  const NgramScheme scheme_;
  const bool window_;
  const int64_t max_words_;
  std::vector<uint64_t> keys_;
  std::vector<uint8_t> target_;
  // A sentence: word id (-1 for a gap), its key and blocked flag per position, the words
  // (not gaps) counted, the positions of the words, its n-grams.
  struct Sentence {
    std::vector<int32_t> ids;
    std::vector<uint64_t> keys;
    std::vector<uint8_t> blocked;
    int64_t nwords = 0;
    std::vector<uint32_t> word_pos;
    std::vector<Ngram> ngrams;
  };
  Sentence s_;  // the one being read or trained
  struct Pending {  // update="window": the sentence read but not yet trained
    Sentence s;
    float lr = 0.f;
    bool valid = false;
  } pending_;
  std::vector<uint32_t> mark_, targets_, marked_;
  std::vector<int32_t> context_;
  std::vector<const float*> ahead_;  // the next sentence's rows, asked for a few per target
  size_t ahead_at_ = 0;
  std::vector<std::string_view> toks_;  // tokens not yet looked up
  std::vector<int32_t> tok_ids_;
  // update="window": distinct rows (slot_ a small hash of them), multiplicities, each word's
  // and n-gram's entry, E (e_), S and G, the n-grams covering each position, the entries a
  // target leaves out.
  std::vector<int32_t> slot_, rows_, mult_;
  std::vector<uint32_t> word_u_, ngram_u_, cover_at_, cover_, fill_, ngram_mark_, out_;
  std::vector<float> e_, sum_, gsum_;
};

}  // namespace

std::unique_ptr<LineStep> make_sent2vec_step(const TrainContext& ctx, int32_t /*thread_id*/) {
  // Its options (scheme, maxn) are checked by Args::validate.
  return std::make_unique<Sent2vecStep>(ctx);
}

}  // namespace sentvec
