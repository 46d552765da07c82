#include "model.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <functional>

#include "errors.h"
#include "line_reader.h"
#include "memory_guard.h"
#include "tokenizer.h"

namespace sentvec {

// Sentence vectors of skipgram/cbow models average their words' vectors, each the mean of a
// word's own row and its ~10-20 char n-gram rows, scattered over a matrix of hundreds of MB:
// a line costs a row fetch from memory per n-gram. A known word's vector is made once and kept
// here (one row to read next time), exactly as word_vector computes it. The rows are zeroed
// storage (calloc: pages become resident only for the words used) and a word's state goes
// 0 (not made) -> 1 (being made by one thread) -> 2 (ready).
struct Model::WordCache {
  DenseMatrix vecs;
  std::unique_ptr<float[]> norms;  ///< norm2 of each made vector (a sentence adds x / norm)
  std::unique_ptr<std::atomic<uint8_t>[]> state;
};

void Model::reset_caches() {
  std::lock_guard<std::mutex> g(cache_mu_);
  wv_.reset();
  tree_.reset();
  word_cache_.reset();
  word_cache_tried_ = false;
}

void Model::input_exposed() const {
  std::lock_guard<std::mutex> g(cache_mu_);
  input_exposed_ = true;
  word_cache_.reset();
}

std::shared_ptr<Model::WordCache> Model::word_cache() const {
  std::lock_guard<std::mutex> g(cache_mu_);
  if (!word_cache_tried_ && !input_exposed_) {
    word_cache_tried_ = true;
    const int64_t n = dict.nwords(), d = dim(), bytes = n * d * 4;
    // Only where a word has n-gram rows to add up, and at most 1 GiB of address space.
    constexpr int64_t kMaxBytes = int64_t{1} << 30;
    if (!is_supervised() && !is_sent2vec() && args.maxn > 0 && args.bucket > 0 && n > 0 &&
        bytes <= kMaxBytes) {
      try {
        check_memory(bytes + 5 * n, "the word-vector cache", "");
        auto c = std::make_shared<WordCache>();
        c->vecs = DenseMatrix(n, d);
        c->norms.reset(new float[static_cast<size_t>(n)]);
        c->state.reset(new std::atomic<uint8_t>[static_cast<size_t>(n)]);
        for (int64_t i = 0; i < n; ++i) c->state[i].store(0, std::memory_order_relaxed);
        word_cache_ = std::move(c);
      } catch (const MemError&) {
        // no room: sentence vectors read every row, as without a cache
      } catch (const std::bad_alloc&) {
      }
    }
  }
  return word_cache_;
}

namespace {

// A word's input rows. A label's own id (fastText gives labels a subword list too) can lie
// past the input rows of a pruned .ftz, where fastText reads out of bounds: such rows are
// left out here.
void word_rows(const Model& m, std::string_view w, std::vector<int32_t>& feats) {
  feats.clear();
  m.dict.word_features(w, feats);
  const int64_t rows = m.input.rows();
  feats.erase(std::remove_if(feats.begin(), feats.end(),
                             [rows](int32_t f) { return f < 0 || f >= rows; }),
              feats.end());
}

}  // namespace

void Model::word_vector(std::string_view w, float* out) const {
  const int64_t d = dim();
  std::fill(out, out + d, 0.f);
  std::vector<int32_t> feats;
  word_rows(*this, w, feats);
  average_rows(feats.data(), feats.size(), out);
}

const float* Model::cached_word(WordCache& c, int32_t id, std::string_view w,
                               float* norm) const {
  std::atomic<uint8_t>& st = c.state[id];
  uint8_t s = st.load(std::memory_order_acquire);
  if (s == 2) {
    *norm = c.norms[id];
    return c.vecs.row(id);
  }
  if (s != 0 || !st.compare_exchange_strong(s, 1, std::memory_order_acq_rel)) return nullptr;
  float* v = c.vecs.row_mut(id);
  word_vector(w, v);
  c.norms[id] = *norm = norm2(v, dim());
  st.store(2, std::memory_order_release);
  return v;
}

void Model::word_vectors(const std::string* words, int64_t n, float* out) const {
  const int64_t d = dim();
  const DenseMatrix* dm = input.dense();
  std::vector<int32_t> cur, next;
  if (n > 0) word_rows(*this, words[0], cur);
  for (int64_t i = 0; i < n; ++i) {
    if (i + 1 < n) {
      word_rows(*this, words[i + 1], next);
      prefetch_rows(dm, next);
    }
    std::fill(out + i * d, out + (i + 1) * d, 0.f);
    average_rows(cur.data(), cur.size(), out + i * d);
    cur.swap(next);
  }
}

void Model::average_rows(const int32_t* rows, size_t n, float* out,
                         const simd::Kernels& kern) const {
  const int64_t d = dim();
  if (const DenseMatrix* m = input.dense()) {
    kern.mean_rows(m->data(), d, rows, n, out);
    return;
  }
  if (const HalfMatrix* h = input.half_matrix()) {
    // float16 rows: decoded side by side, then the dense kernel, so the result is bit for bit
    // that of the float32 model with its rows rounded to half.
    // Local, not thread_local (see LineScratch): a float16 model pays an allocation a call.
    std::vector<float> buf(n * static_cast<size_t>(d));
    std::vector<int32_t> idx(n);
    for (size_t i = 0; i < n; ++i) idx[i] = static_cast<int32_t>(i);
    for (size_t i = 0; i < n; ++i)
      kern.half_to_float(h->bytes() + static_cast<size_t>(rows[i]) * static_cast<size_t>(d) * 2, d,
                         buf.data() + i * static_cast<size_t>(d));
    kern.mean_rows(buf.data(), d, idx.data(), n, out);
    return;
  }
  std::fill(out, out + d, 0.f);
  for (size_t i = 0; i < n; ++i) input.add_row_to(out, rows[i]);
  if (n) scale(out, 1.f / static_cast<float>(n), d);
}

void Model::line_features(std::string_view line, std::vector<int32_t>& words,
                          std::vector<int32_t>& labels, LineScratch& scratch) const {
  // The official Python API appends "\n" to every query line, so "</s>" ends it.
  scratch.line.assign(line);
  scratch.line.push_back('\n');
  dict.supervised_line(scratch.line, words, labels, scratch);
}

void Model::sentence_vector(std::string_view line, float* out) const {
  const int64_t d = dim();
  std::fill(out, out + d, 0.f);
  if (is_sent2vec()) {
    std::vector<int32_t> feats;
    dict.sent2vec_line(line, feats);
    average_rows(feats.data(), feats.size(), out);
  } else if (is_supervised()) {
    std::vector<int32_t> words, labels;
    line_features(line, words, labels);
    average_rows(words.data(), words.size(), out);
  } else {
    // fastText: average of the L2-normalized word vectors; zero vectors are skipped. The
    // next word's rows are asked for while one word is averaged (as word_vectors does).
    // Known words' vectors come from the cache when there is one (word_cache).
    std::vector<float> v(d);
    int32_t count = 0;
    const DenseMatrix* dm = input.dense();
    const std::shared_ptr<WordCache> cache = word_cache();
    std::vector<int32_t> cur, next;
    const float* cur_vec = nullptr;  // the current word's cached vector, if any
    float cur_norm = 0.f, next_norm = 0.f;  // and its norm2, kept with it in the cache
    bool have = false;
    auto add = [&]() {
      const float* x = cur_vec;
      float nrm = cur_norm;
      if (!x) {
        std::fill(v.begin(), v.end(), 0.f);
        average_rows(cur.data(), cur.size(), v.data());
        x = v.data();
        nrm = norm2(x, d);
      }
      if (nrm > 0) {
        for (int64_t i = 0; i < d; ++i) out[i] += x[i] / nrm;
        ++count;
      }
    };
    for_each_word_isspace(line, [&](std::string_view w) {
      const float* next_vec = nullptr;
      if (cache) {
        const int32_t id = dict.get_id(w);
        if (id >= 0 && id < dict.nwords()) next_vec = cached_word(*cache, id, w, &next_norm);
      }
      if (next_vec) {
        next.clear();
        simd::prefetch_row(next_vec, d);
      } else {
        word_rows(*this, w, next);
        prefetch_rows(dm, next);
      }
      if (have) add();
      cur.swap(next);
      cur_vec = next_vec;
      cur_norm = next_norm;
      have = true;
    });
    if (have) add();
    if (count > 0) scale(out, 1.f / count, d);
  }
}

std::shared_ptr<const HuffmanTree> Model::tree() const {
  std::lock_guard<std::mutex> g(cache_mu_);
  if (!tree_) {
    std::vector<int64_t> counts;
    const int32_t osz = static_cast<int32_t>(output.rows());
    const int32_t base = is_supervised() ? dict.nwords() : 0;
    for (int32_t i = 0; i < osz && base + i < dict.size(); ++i)
      counts.push_back(dict.entry(base + i).count);
    tree_ = std::make_shared<const HuffmanTree>(counts);
  }
  return tree_;
}

std::vector<std::pair<float, int32_t>> Model::predict_features(const std::vector<int32_t>& words,
                                                               int32_t k, float threshold) const {
  if (words.empty() || k <= 0) return {};
  const simd::Kernels& kern = simd::active();  // one choice for the whole query
  std::vector<float> h(dim());
  average_rows(words.data(), words.size(), h.data(), kern);
  std::shared_ptr<const HuffmanTree> t;
  if (args.loss == LossName::kHs) t = tree();
  return predict_top_k(args.loss, output, t.get(), h.data(), k, threshold, kern);
}

std::vector<std::pair<float, int32_t>> Model::predict(std::string_view line, int32_t k,
                                                      float threshold) const {
  std::vector<int32_t> words, labels;
  line_features(line, words, labels);
  return predict_features(words, k, threshold);
}

void Model::predict_lines(const std::string* lines, int64_t n, int32_t k, float threshold,
                          std::vector<std::pair<float, int32_t>>* out) const {
  if (n <= 0) return;
  const simd::Kernels& kern = simd::active();
  const DenseMatrix* dm = input.dense();
  std::shared_ptr<const HuffmanTree> t;
  if (args.loss == LossName::kHs) t = tree();
  std::vector<int32_t> cur, next, labels;
  std::vector<float> h(dim());
  LineScratch scratch;
  auto features = [&](int64_t i, std::vector<int32_t>& words) {
    line_features(lines[i], words, labels, scratch);
  };
  // A long document's rows are asked for by mean_rows as it goes; asking for all of them at
  // once would only evict the first before they are read.
  constexpr size_t kAheadRows = 24;
  features(0, cur);
  for (int64_t i = 0; i < n; ++i) {
    if (i + 1 < n) {
      features(i + 1, next);
      if (dm)
        for (size_t r = 0; r < next.size() && r < kAheadRows; ++r)
          simd::prefetch_row(dm->row(next[r]), dm->cols());
    }
    out[i].clear();
    if (!cur.empty() && k > 0) {
      average_rows(cur.data(), cur.size(), h.data(), kern);
      out[i] = predict_top_k(args.loss, output, t.get(), h.data(), k, threshold, kern);
    }
    cur.swap(next);
  }
}

std::shared_ptr<const DenseMatrix> Model::normalized_word_vectors() const {
  std::lock_guard<std::mutex> g(cache_mu_);
  if (!wv_) {
    const int32_t n = dict.nwords();
    const int64_t d = dim();
    check_memory(static_cast<int64_t>(n) * d * 4,
                 "the nearest-neighbour index (" + std::to_string(n) + " words x " +
                     std::to_string(d) + " floats)",
                 "");
    auto m = std::make_shared<DenseMatrix>(n, d);
    for (int32_t i = 0; i < n; ++i) {
      float* r = m->row_mut(i);
      word_vector(dict.entry(i).word, r);
      float nrm = norm2(r, d);
      if (nrm > 0) scale(r, 1.f / nrm, d);
    }
    wv_ = std::move(m);
  }
  return wv_;
}

std::vector<std::pair<float, int32_t>> Model::nearest(
    const float* query, int32_t k, const std::unordered_set<std::string>& ban) const {
  auto wv = normalized_word_vectors();
  const int64_t d = dim();
  float qn = norm2(query, d);
  if (std::fabs(qn) < 1e-8f) qn = 1.f;
  ScoreHeap heap;
  if (k <= 0) return heap;
  for (int32_t i = 0; i < dict.nwords(); ++i) {
    float s = dot(query, wv->row(i), d) / qn;
    if (static_cast<int32_t>(heap.size()) == k && s < heap.front().first) continue;
    if (!ban.empty() && ban.count(dict.entry(i).word)) continue;
    push_top_k(heap, k, s, i);
  }
  sort_top_k(heap);
  return heap;
}

Meter Model::test(const std::string& path, int32_t k, float threshold, bool collect_scores) const {
  // The training corpus's reader: a regular file only, lines of more than 4 MB in pieces.
  LineReader in(path, "test file");
  Meter m(dict.nlabels(), collect_scores);
  std::string_view piece;
  std::string last;
  std::vector<int32_t> words, labels;
  LineScratch scratch;
  while (in.next(piece)) {
    std::string_view line = piece;
    if (line.back() != '\n') {  // the file's last line, or a piece of an overlong one
      last.assign(piece.data(), piece.size());
      last.push_back('\n');
      line = last;
    }
    dict.supervised_line(line, words, labels, scratch);
    if (labels.empty() || words.empty()) continue;
    m.log(labels, predict_features(words, k, threshold));
  }
  return m;
}

}  // namespace sentvec
