// A loaded or trained model: options, dictionary and matrices, and every inference query.
#pragma once
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "args.h"
#include "dictionary.h"
#include "loss.h"
#include "matrix.h"
#include "meter.h"
#include "simd/kernels.h"

namespace sentvec {

/// Asks for every listed row of `m` ahead of its use (nothing when `m` is null: a quantized or
/// float16 matrix). Batch paths call it on the next item's rows while they work on this one.
inline void prefetch_rows(const DenseMatrix* m, const std::vector<int32_t>& rows) {
  if (!m) return;
  for (int32_t r : rows) simd::prefetch_row(m->row(r), m->cols());
}

class Model {
 public:
  Args args;
  int32_t version = 12;       ///< file version read (or to write)
  bool legacy = false;        ///< file had no magic/version (pre-2017)
  int32_t header_maxn = -1;   ///< maxn as stored in the header when it differs from args.maxn
  bool eos_subwords = false;  ///< sent2vec: "</s>" has char n-grams
  Dictionary dict;
  AnyMatrix input, output;
  std::string unknown_trailer;  ///< trailing bytes we did not write (kept for identical re-save)
  bool has_sentvec_trailer = false;
  bool trailer_float16 = false;  ///< the trailer read says "storage=float16"
  bool mapped = false;

  bool is_sent2vec() const { return args.model == ModelName::kSent2vec; }
  bool is_supervised() const { return args.model == ModelName::kSupervised; }
  bool quantized() const { return input.quantized(); }
  int32_t dim() const { return static_cast<int32_t>(input.cols()); }

  /// Average of a word's feature rows (zeros when it has none).
  void word_vector(std::string_view w, float* out) const;
  /// word_vector of words[0..n) into out (n x dim), the same values; the next word's rows are
  /// asked for while the current one is averaged.
  void word_vectors(const std::string* words, int64_t n, float* out) const;
  /// The vector of one line of text, under the rule of the model's kind.
  void sentence_vector(std::string_view line, float* out) const;
  /// The input features of a line (predict/test path, supervised rule).
  void line_features(std::string_view line, std::vector<int32_t>& words,
                     std::vector<int32_t>& labels) const {
    LineScratch scratch;
    line_features(line, words, labels, scratch);
  }
  void line_features(std::string_view line, std::vector<int32_t>& words,
                     std::vector<int32_t>& labels, LineScratch& scratch) const;
  /// Top-k (log(p + 1e-5), label index) pairs with p >= threshold, best first.
  std::vector<std::pair<float, int32_t>> predict(std::string_view line, int32_t k,
                                                 float threshold) const;
  std::vector<std::pair<float, int32_t>> predict_features(const std::vector<int32_t>& words,
                                                          int32_t k, float threshold) const;
  /// out[i] = predict(lines[i], k, threshold) for i < n, with one set of scratch vectors, and
  /// the next line's first rows asked for while this one is scored.
  void predict_lines(const std::string* lines, int64_t n, int32_t k, float threshold,
                     std::vector<std::pair<float, int32_t>>* out) const;
  /// Cosine nearest words to `query` among the word vectors, excluding `ban`.
  std::vector<std::pair<float, int32_t>> nearest(const float* query, int32_t k,
                                                 const std::unordered_set<std::string>& ban) const;
  /// fastText's `test`: reads a labelled file (lines without a label or without a word are
  /// skipped). `collect_scores` keeps every prediction's score for the meter's curve.
  Meter test(const std::string& path, int32_t k, float threshold,
             bool collect_scores = false) const;

  /// Row-normalized composed word vectors of every word (computed once, thread-safe).
  std::shared_ptr<const DenseMatrix> normalized_word_vectors() const;

  /// Invalidates caches after the matrices change (training).
  void reset_caches();
  /// The input matrix was handed out writable (a numpy view): from now on nothing is cached
  /// from it that a write could make stale (the word-vector cache is dropped and not made).
  void input_exposed() const;

  /// out = mean of input rows rows[0..n) (zeros when n == 0): the one averaging routine of
  /// inference (word vectors, sentence vectors, predict's hidden vector, batch embedding).
  /// Bit for bit the same at every SIMD level.
  void average_rows(const int32_t* rows, size_t n, float* out,
                    const simd::Kernels& kern = simd::active()) const;

 private:
  struct WordCache;
  std::shared_ptr<const HuffmanTree> tree() const;
  /// The composed-vector cache of a word model (null when it does not apply or fit).
  std::shared_ptr<WordCache> word_cache() const;
  /// Word `id`'s composed vector (its mean of rows, as word_vector gives it) from the cache,
  /// made there on first use, with its norm2 in `norm`; null while another thread is making it.
  const float* cached_word(WordCache& c, int32_t id, std::string_view w, float* norm) const;

  mutable std::mutex cache_mu_;
  mutable std::shared_ptr<DenseMatrix> wv_;
  mutable std::shared_ptr<WordCache> word_cache_;
  mutable bool word_cache_tried_ = false;
  mutable bool input_exposed_ = false;  ///< guarded by cache_mu_
  mutable std::shared_ptr<const HuffmanTree> tree_;
};

}  // namespace sentvec
