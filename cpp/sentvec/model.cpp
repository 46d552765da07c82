#include "model.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <functional>

#include "errors.h"
#include "line_reader.h"
#include "memory_guard.h"
#include "tokenizer.h"

namespace sentvec {

namespace {

// fastText's log with a floor: log(x + 1e-5).
inline float std_log(float x) { return std::log(x + 1e-5f); }

// fastText's sigmoid lookup table (512 steps over [-8, 8]), used by its one-vs-all and
// negative-sampling prediction.
constexpr int kSigmoidTable = 512;
constexpr float kMaxSigmoid = 8.f;
struct SigmoidTable {
  float t[kSigmoidTable + 1];
  SigmoidTable() {
    for (int i = 0; i <= kSigmoidTable; ++i) {
      double x = double(i * 2 * kMaxSigmoid) / kSigmoidTable - kMaxSigmoid;
      t[i] = static_cast<float>(1.0 / (1.0 + std::exp(-x)));
    }
  }
  float operator()(float x) const {
    // `!(x >= -8)` also catches NaN (from NaN weights in a damaged file): indexing with it
    // would be undefined behaviour.
    if (!(x >= -kMaxSigmoid)) return 0.f;
    if (x > kMaxSigmoid) return 1.f;
    int64_t i = static_cast<int64_t>((x + kMaxSigmoid) * kSigmoidTable / kMaxSigmoid / 2);
    return t[i];
  }
};
const SigmoidTable& sigmoid_table() {
  static const SigmoidTable t;
  return t;
}

using ScoreHeap = std::vector<std::pair<float, int32_t>>;
inline bool heap_cmp(const std::pair<float, int32_t>& a, const std::pair<float, int32_t>& b) {
  return a.first > b.first;  // min-heap on score
}

// Keeps the k best (score, id) pairs in a min-heap, as fastText's top-k search does: a
// candidate below the current k-th score is skipped.
inline void push_top_k(ScoreHeap& heap, int32_t k, float score, int32_t id) {
  if (static_cast<int32_t>(heap.size()) == k && score < heap.front().first) return;
  heap.emplace_back(score, id);
  std::push_heap(heap.begin(), heap.end(), heap_cmp);
  if (static_cast<int32_t>(heap.size()) > k) {
    std::pop_heap(heap.begin(), heap.end(), heap_cmp);
    heap.pop_back();
  }
}

}  // namespace

std::vector<HsNode> build_huffman(const std::vector<int64_t>& counts) {
  const int32_t n = static_cast<int32_t>(counts.size());
  if (n == 0) return {};
  std::vector<HsNode> t(2 * n - 1);
  for (int32_t i = 0; i < 2 * n - 1; ++i) t[i].count = i < n ? counts[i] : int64_t(1e15);
  // Two cursors: leaves from the rarest end, internal nodes in creation order.
  int32_t leaf = n - 1, node = n;
  for (int32_t i = n; i < 2 * n - 1; ++i) {
    int32_t pick[2];
    for (int j = 0; j < 2; ++j) {
      // `node < i`: never pick a node not built yet (counts of 1e15 or more in a hostile
      // file would otherwise make a node its own child).
      if (leaf >= 0 && (node >= i || t[leaf].count < t[node].count)) pick[j] = leaf--;
      else pick[j] = node++;
    }
    t[i].left = pick[0];
    t[i].right = pick[1];
    t[i].count = t[pick[0]].count + t[pick[1]].count;
    t[pick[0]].parent = i;
    t[pick[1]].parent = i;
    t[pick[1]].binary = true;
  }
  return t;
}

void Model::reset_caches() {
  std::lock_guard<std::mutex> g(cache_mu_);
  wv_.reset();
  tree_.reset();
}

void Model::word_vector(std::string_view w, float* out) const {
  const int64_t d = dim();
  std::fill(out, out + d, 0.f);
  std::vector<int32_t> feats;
  dict.word_features(w, feats);
  // A label's own id (fastText gives labels a subword list too) can lie past the input rows
  // of a pruned .ftz, where fastText reads out of bounds: such rows are skipped here.
  const int64_t rows = input.rows();
  size_t used = 0;
  for (int32_t f : feats) {
    if (f < 0 || f >= rows) continue;
    input.add_row_to(out, f);
    ++used;
  }
  if (used) scale(out, 1.f / used, d);
}

void Model::hidden(const std::vector<int32_t>& feats, float* h) const {
  const int64_t d = dim();
  std::fill(h, h + d, 0.f);
  for (int32_t f : feats) input.add_row_to(h, f);
  if (!feats.empty()) scale(h, 1.f / feats.size(), d);
}

void Model::line_features(std::string_view line, std::vector<int32_t>& words,
                          std::vector<int32_t>& labels) const {
  // The official Python API appends "\n" to every query line, so "</s>" ends it.
  std::string text(line);
  text.push_back('\n');
  dict.supervised_line(text, words, labels);
}

void Model::sentence_vector(std::string_view line, float* out) const {
  const int64_t d = dim();
  std::fill(out, out + d, 0.f);
  if (is_sent2vec()) {
    std::vector<int32_t> feats;
    dict.sent2vec_line(line, feats);
    hidden(feats, out);
  } else if (is_supervised()) {
    std::vector<int32_t> words, labels;
    line_features(line, words, labels);
    hidden(words, out);
  } else {
    // fastText: average of the L2-normalized word vectors; zero vectors are skipped.
    std::vector<float> v(d);
    int32_t count = 0;
    for_each_word_isspace(line, [&](std::string_view w) {
      word_vector(w, v.data());
      float nrm = norm2(v.data(), d);
      if (nrm > 0) {
        for (int64_t i = 0; i < d; ++i) out[i] += v[i] / nrm;
        ++count;
      }
    });
    if (count > 0) scale(out, 1.f / count, d);
  }
}

std::shared_ptr<const std::vector<HsNode>> Model::tree() const {
  std::lock_guard<std::mutex> g(cache_mu_);
  if (!tree_) {
    std::vector<int64_t> counts;
    const int32_t osz = static_cast<int32_t>(output.rows());
    const int32_t base = is_supervised() ? dict.nwords() : 0;
    for (int32_t i = 0; i < osz && base + i < dict.size(); ++i)
      counts.push_back(dict.entry(base + i).count);
    tree_ = std::make_shared<std::vector<HsNode>>(build_huffman(counts));
  }
  return tree_;
}

void Model::hs_dfs(const std::vector<HsNode>& t, int32_t k, float threshold, int32_t root,
                   float root_score, const float* h, ScoreHeap& heap) const {
  // fastText's depth-first search, left child first, with an explicit stack: a tree of
  // skewed counts can be as deep as the number of labels.
  const int32_t osz = static_cast<int32_t>(output.rows());
  std::vector<std::pair<int32_t, float>> stack{{root, root_score}};
  while (!stack.empty()) {
    auto [node, score] = stack.back();
    stack.pop_back();
    if (score < std_log(threshold)) continue;
    if (static_cast<int32_t>(heap.size()) == k && score < heap.front().first) continue;
    if (t[node].left == -1 && t[node].right == -1) {
      push_top_k(heap, k, score, node);
      continue;
    }
    float f = output.dot_row(h, node - osz);
    f = 1.f / (1.f + std::exp(-f));
    stack.emplace_back(t[node].right, score + std_log(f));
    stack.emplace_back(t[node].left, score + std_log(1.f - f));
  }
}

std::vector<std::pair<float, int32_t>> Model::predict_features(const std::vector<int32_t>& words,
                                                               int32_t k, float threshold) const {
  ScoreHeap heap;
  if (words.empty() || k <= 0) return heap;
  const int64_t d = dim();
  std::vector<float> h(d);
  hidden(words, h.data());
  const int32_t osz = static_cast<int32_t>(output.rows());
  heap.reserve(static_cast<size_t>(std::min(k, osz)) + 1);  // k may be INT32_MAX ("all")
  if (args.loss == LossName::kHs) {
    auto t = tree();
    if (t->empty()) return heap;
    hs_dfs(*t, k, threshold, 2 * osz - 2, 0.f, h.data(), heap);
  } else {
    std::vector<float> out(osz);
    for (int32_t i = 0; i < osz; ++i) out[i] = output.dot_row(h.data(), i);
    if (args.loss == LossName::kSoftmax) {
      float mx = out.empty() ? 0.f : *std::max_element(out.begin(), out.end());
      float z = 0.f;
      for (auto& o : out) {
        o = std::exp(o - mx);
        z += o;
      }
      for (auto& o : out) o /= z;
    } else {
      const auto& sig = sigmoid_table();
      for (auto& o : out) o = sig(o);
    }
    for (int32_t i = 0; i < osz; ++i) {
      if (out[i] < threshold) continue;
      push_top_k(heap, k, std_log(out[i]), i);
    }
  }
  std::sort_heap(heap.begin(), heap.end(), heap_cmp);
  return heap;
}

std::vector<std::pair<float, int32_t>> Model::predict(std::string_view line, int32_t k,
                                                      float threshold) const {
  std::vector<int32_t> words, labels;
  line_features(line, words, labels);
  return predict_features(words, k, threshold);
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
  std::sort_heap(heap.begin(), heap.end(), heap_cmp);
  return heap;
}

Meter Model::test(const std::string& path, int32_t k, float threshold, bool collect_scores) const {
  // The training corpus's reader: a regular file only, lines of more than 4 MB in pieces.
  LineReader in(path, "test file");
  Meter m(dict.nlabels(), collect_scores);
  std::string_view piece;
  std::string last;
  std::vector<int32_t> words, labels;
  while (in.next(piece)) {
    std::string_view line = piece;
    if (line.back() != '\n') {  // the file's last line, or a piece of an overlong one
      last.assign(piece.data(), piece.size());
      last.push_back('\n');
      line = last;
    }
    dict.supervised_line(line, words, labels);
    if (labels.empty() || words.empty()) continue;
    m.log(labels, predict_features(words, k, threshold));
  }
  return m;
}

}  // namespace sentvec
