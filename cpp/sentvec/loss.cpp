#include "loss.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace sentvec {

namespace {

// fastText's log with a floor: log(x + 1e-5).
inline float std_log(float x) { return std::log(x + 1e-5f); }

struct HeapCmp {
  bool operator()(const std::pair<float, int32_t>& a, const std::pair<float, int32_t>& b) const {
    return a.first > b.first;  // min-heap on score
  }
};
constexpr HeapCmp heap_cmp{};

// One output row's dot with h, through the kernels when the matrix is dense.
inline float row_dot(const AnyMatrix& out, const simd::Kernels& kern, const float* h, int64_t i) {
  if (const DenseMatrix* d = out.dense()) return kern.dot(h, d->row(i), d->cols());
  return out.dot_row(h, i);
}

}  // namespace

// ---- shared tables and top-k ---------------------------------------------------------------

const MathTables& MathTables::get() {
  static const MathTables t;
  return t;
}

MathTables::MathTables() : view_{sigmoid_, log_} {
  for (int32_t i = 0; i <= kSize; ++i) {
    const double x = static_cast<double>(i) * 2 * kMaxSigmoid / kSize - kMaxSigmoid;
    sigmoid_[i] = static_cast<float>(1.0 / (1.0 + std::exp(-x)));
    // fastText's log table: log((i + 1e-5) / size).
    log_[i] = static_cast<float>(std::log((static_cast<double>(i) + 1e-5) / kSize));
  }
}

void push_top_k(ScoreHeap& heap, int32_t k, float score, int32_t id) {
  if (static_cast<int32_t>(heap.size()) == k && score < heap.front().first) return;
  heap.emplace_back(score, id);
  std::push_heap(heap.begin(), heap.end(), heap_cmp);
  if (static_cast<int32_t>(heap.size()) > k) {
    std::pop_heap(heap.begin(), heap.end(), heap_cmp);
    heap.pop_back();
  }
}

void sort_top_k(ScoreHeap& heap) { std::sort_heap(heap.begin(), heap.end(), heap_cmp); }

// ---- negative sampling ---------------------------------------------------------------------

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
  // Fisher-Yates with our own generator so the table depends on the seed only. The swap
  // partners depend on the generator alone, so they are drawn kAhead steps early and their
  // entries asked for then: the 10M scattered swaps no longer wait on memory one by one.
  Rng rng(seed ^ 0x6e65675f7461626cull);
  constexpr size_t kAhead = 32;
  size_t ring[kAhead];
  const size_t last = table_.size() - 1;
  auto partner = [&](size_t i) { return static_cast<size_t>((rng.next() >> 11) % (i + 1)); };
  size_t drawn = last;  // partners of steps (drawn, last] are in the ring
  for (size_t i = last; i > 0; --i) {
    for (; drawn > 0 && last - drawn < (last - i) + kAhead; --drawn) {
      const size_t j = partner(drawn);
      ring[drawn % kAhead] = j;
      __builtin_prefetch(&table_[j], 1);
    }
    std::swap(table_[i], table_[ring[i % kAhead]]);
  }
}

float OutputLayer::negative_sampling(int32_t target, float lr, StepScratch& s) const {
  // The target and its negatives are drawn first (the table cursor is all they depend on),
  // so the kernel can fetch their scattered rows ahead and step on them in fastText's order.
  s.rows.resize(static_cast<size_t>(neg_) + 1);
  s.labels.assign(static_cast<size_t>(neg_) + 1, 0);
  s.rows[0] = target;
  s.labels[0] = 1;
  for (int32_t k = 0; k < neg_; ++k) s.rows[k + 1] = negatives_.draw(s.neg_pos, target);
  // The next example's negatives are the next table entries (but for a rare collision with
  // its target): their rows are asked for now and arrive while this example trains.
  for (int32_t k = 0; k < neg_; ++k)
    simd::prefetch_row(out_->row(negatives_.peek(s.neg_pos + static_cast<size_t>(k))), dim_);
  return s.kern->logistic_rows(out_->data_mut(), dim_, s.rows.data(), s.labels.data(),
                               s.rows.size(), s.hidden.data(), s.grad.data(), lr, tables_.view());
}

// push_top_k(heap, k, p(i), i) for every i < n with !(p(i) < threshold), as fastText's
// `if (p < t) continue` (a NaN is kept, as there). Most labels fail a full heap's least
// score: that test, push_top_k's own first, is made here without the call.
template <typename P>
inline void push_all_top_k(int32_t n, int32_t k, float threshold, ScoreHeap& heap, P&& p_of) {
  bool full = static_cast<int32_t>(heap.size()) == k;
  float least = full ? heap.front().first : 0.f;
  for (int32_t at = 0; at < n; at += 8) {
    const int32_t end = std::min(n, at + 8);
    // A block of eight first asks, without branches, whether any of them can enter.
    bool any = false;
    for (int32_t i = at; i < end; ++i) {
      const float p = p_of(i);
      any |= !(p < threshold) & !(full & (p < least));
    }
    if (!any) continue;
    for (int32_t i = at; i < end; ++i) {
      const float p = p_of(i);
      if (p < threshold || (full && p < least)) continue;
      push_top_k(heap, k, p, i);
      full = static_cast<int32_t>(heap.size()) == k;
      if (full) least = heap.front().first;
    }
  }
}

// Prediction with negative sampling or one-vs-all: sigmoid of every class's score.
static void predict_sigmoid(const float* scores, int32_t osz, int32_t k, float threshold,
                            ScoreHeap& heap) {
  const MathTables& t = MathTables::get();
  // log is monotonic: taken on the k kept only.
  push_all_top_k(osz, k, threshold, heap, [&](int32_t i) { return t.sigmoid(scores[i]); });
}

// ---- hierarchical softmax ------------------------------------------------------------------

HuffmanTree::HuffmanTree(const std::vector<int64_t>& counts)
    : n_(static_cast<int32_t>(counts.size())) {
  start_.assign(1, 0);
  if (n_ == 0) return;
  std::vector<Node>& t = nodes_;
  t.resize(2 * static_cast<size_t>(n_) - 1);
  for (int32_t i = 0; i < 2 * n_ - 1; ++i) t[i].count = i < n_ ? counts[i] : int64_t(1e15);
  // Two cursors: leaves from the rarest end, internal nodes in creation order.
  int32_t leaf = n_ - 1, node = n_;
  for (int32_t i = n_; i < 2 * n_ - 1; ++i) {
    int32_t pick[2];
    for (int j = 0; j < 2; ++j) {
      // `node < i`: never pick a node not built yet (counts of 1e15 or more in a hostile
      // file would otherwise make a node its own child).
      if (leaf >= 0 && (node >= i || t[leaf].count < t[node].count)) pick[j] = leaf--;
      else pick[j] = node++;
    }
    t[i].left = pick[0];
    t[i].right = pick[1];
    // Saturating: counts near 2^63 in a hostile file must not overflow (the order of picks
    // is all the counts decide).
    int64_t sum = 0;
    if (__builtin_add_overflow(t[pick[0]].count, t[pick[1]].count, &sum))
      sum = std::numeric_limits<int64_t>::max();
    t[i].count = sum;
    t[pick[0]].parent = i;
    t[pick[1]].parent = i;
    t[pick[1]].binary = true;
  }
  children_.reserve(n_ > 0 ? n_ - 1 : 0);
  for (int32_t i = n_; i < 2 * n_ - 1; ++i) children_.emplace_back(t[i].left, t[i].right);
  for (int32_t i = 0; i < n_; ++i) {
    // Walk from the leaf to the root; rows of internal nodes are node - n.
    for (int32_t v = i; t[v].parent != -1; v = t[v].parent) {
      rows_.push_back(t[v].parent - n_);
      codes_.push_back(t[v].binary ? 1 : 0);
    }
    start_.push_back(static_cast<int32_t>(rows_.size()));
  }
}

void HuffmanTree::predict_reference(const AnyMatrix& out, const float* h, int32_t k,
                                    float threshold, const simd::Kernels& kern,
                                    ScoreHeap& heap) const {
  // fastText's depth-first search with an explicit stack (a tree of skewed counts can be as
  // deep as the number of labels).
  const std::vector<Node>& t = nodes_;
  std::vector<std::pair<int32_t, float>> stack;
  stack.emplace_back(2 * n_ - 2, 0.f);
  const float floor = std_log(threshold);
  while (!stack.empty()) {
    auto [node, score] = stack.back();
    stack.pop_back();
    if (score < floor) continue;
    if (static_cast<int32_t>(heap.size()) == k && score < heap.front().first) continue;
    const Node& nd = t[node];
    if (nd.left == -1 && nd.right == -1) {
      push_top_k(heap, k, score, node);
      continue;
    }
    float f = row_dot(out, kern, h, node - n_);
    f = 1.f / (1.f + std::exp(-f));
    // Left child first, as fastText: std_log(p) is positive for p > 1 - 1e-5, so the
    // bound does not prune exactly, and another order could find other leaves.
    stack.emplace_back(nd.right, score + std_log(f));
    stack.emplace_back(nd.left, score + std_log(1.f - f));
  }
}

void HuffmanTree::predict(const AnyMatrix& out, const float* h, int32_t k, float threshold,
                          const simd::Kernels& kern, ScoreHeap& heap) const {
  if (n_ == 0) return;
  // predict_reference's search, visit for visit: the left child is visited at once instead of
  // being pushed and popped, and a right child that fails the bound already is not pushed
  // (the floor is fixed and a full heap's least score only grows, so it would fail when
  // popped). Both hold while no score is NaN; a NaN dot product sends the line to the
  // reference search. Leaves are the nodes below n.
  const float floor = std_log(threshold);
  constexpr int32_t kLocal = 128;
  std::pair<int32_t, float> local[kLocal];
  std::vector<std::pair<int32_t, float>> deep;  // beyond kLocal pending right children
  int32_t depth = 0;
  bool full = static_cast<int32_t>(heap.size()) == k;
  float least = full ? heap.front().first : 0.f;
  int32_t node = 2 * n_ - 2;
  float score = 0.f;
  for (;;) {
    if (!(score < floor) && !(full && score < least)) {
      if (node < n_) {
        push_top_k(heap, k, score, node);
        full = static_cast<int32_t>(heap.size()) == k;
        if (full) least = heap.front().first;
      } else {
        const int32_t row = node - n_;
        float f = row_dot(out, kern, h, row);
        if (std::isnan(f)) {
          heap.clear();
          predict_reference(out, h, k, threshold, kern, heap);
          return;
        }
        f = 1.f / (1.f + std::exp(-f));
        const float right = score + std_log(f);
        if (!(right < floor) && !(full && right < least)) {
          if (depth < kLocal) local[depth] = {children_[row].second, right};
          else deep.emplace_back(children_[row].second, right);
          ++depth;
        }
        node = children_[row].first;
        score = score + std_log(1.f - f);
        continue;
      }
    }
    if (depth == 0) break;
    --depth;
    if (depth < kLocal) {
      node = local[depth].first;
      score = local[depth].second;
    } else {
      node = deep.back().first;
      score = deep.back().second;
      deep.pop_back();
    }
  }
}

float OutputLayer::hierarchical_softmax(int32_t target, float lr, StepScratch& s) const {
  const HuffmanTree& t = *tree_;
  return s.kern->logistic_rows(out_->data_mut(), dim_, t.path_rows(target), t.path_codes(target),
                               static_cast<size_t>(t.path_length(target)), s.hidden.data(),
                               s.grad.data(), lr, tables_.view());
}

// ---- softmax -------------------------------------------------------------------------------

float OutputLayer::softmax(int32_t target, float lr, StepScratch& s) const {
  s.scores.resize(osz_);
  float* sc = s.scores.data();
  float* out = rows_for(s);
  s.kern->dot_rows(out, dim_, osz_, s.hidden.data(), sc);
  s.kern->softmax(sc, osz_);
  const float p_target = sc[target];
  for (int32_t i = 0; i < osz_; ++i) sc[i] = lr * ((i == target ? 1.f : 0.f) - sc[i]);
  s.kern->output_rows_step(out, dim_, osz_, sc, s.hidden.data(), s.grad.data());
  example_done(s);
  // fastText's loss floor: -log(p + 1e-5).
  return -std::log(p_target + 1e-5f);
}

static void predict_softmax(float* scores, int32_t osz, int32_t k, float threshold,
                            const simd::Kernels& kern, ScoreHeap& heap) {
  kern.softmax(scores, osz);
  push_all_top_k(osz, k, threshold, heap, [&](int32_t i) { return scores[i]; });
}

// ---- one-vs-all ----------------------------------------------------------------------------

float OutputLayer::one_vs_all(const int32_t* targets, int32_t ntargets, float lr,
                              StepScratch& s) const {
  s.rows.resize(osz_);
  s.labels.assign(osz_, 0);
  for (int32_t i = 0; i < osz_; ++i) s.rows[i] = i;
  for (int32_t j = 0; j < ntargets; ++j) s.labels[targets[j]] = 1;
  const float loss = s.kern->logistic_rows(rows_for(s), dim_, s.rows.data(), s.labels.data(),
                                           s.rows.size(), s.hidden.data(), s.grad.data(), lr,
                                           tables_.view());
  example_done(s);
  return loss;
}

// ---- update="local" ------------------------------------------------------------------------

void OutputLayer::start_local(StepScratch& s) const {
  const size_t n = static_cast<size_t>(out_->rows() * out_->cols());
  s.local_out.assign(out_->data(), out_->data() + n);
  s.base_out = s.local_out;
  s.since_merge = 0;
}

void OutputLayer::merge_local(StepScratch& s) const {
  if (s.local_out.empty()) return;
  float* shared = out_->data_mut();
  float* loc = s.local_out.data();
  float* base = s.base_out.data();
  const size_t n = s.local_out.size();
  // Hogwild as ever: another thread's merge between this read and write may be lost.
  for (size_t i = 0; i < n; ++i) {
    const float v = shared[i] + (loc[i] - base[i]);
    shared[i] = v;
    loc[i] = v;
    base[i] = v;
  }
  s.since_merge = 0;
  ++s.local_merges;
}

// ---- the layer -----------------------------------------------------------------------------

OutputLayer::OutputLayer(const Args& args, const std::vector<int64_t>& counts,
                         DenseMatrix* output)
    : loss_(args.loss),
      neg_(args.neg),
      osz_(static_cast<int32_t>(counts.size())),
      dim_(output->cols()),
      out_(output),
      tables_(MathTables::get()) {
  if (loss_ == LossName::kNs) negatives_ = NegativeTable(counts, args.seed);
  if (loss_ == LossName::kHs) tree_ = std::make_unique<HuffmanTree>(counts);
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

ScoreHeap predict_top_k(LossName loss, const AnyMatrix& out, const HuffmanTree* tree,
                        const float* h, int32_t k, float threshold, const simd::Kernels& kern) {
  ScoreHeap heap;
  const int32_t osz = static_cast<int32_t>(out.rows());
  if (k <= 0) return heap;
  heap.reserve(static_cast<size_t>(std::min(k, osz)) + 1);  // k may be INT32_MAX ("all")
  if (loss == LossName::kHs) {
    if (tree != nullptr) tree->predict(out, h, k, threshold, kern, heap);
    sort_top_k(heap);
    return heap;
  }
  std::vector<float> scores(osz);
  if (const DenseMatrix* d = out.dense()) {
    kern.dot_rows(d->data(), d->cols(), osz, h, scores.data());
  } else {
    for (int32_t i = 0; i < osz; ++i) scores[i] = out.dot_row(h, i);
  }
  if (loss == LossName::kSoftmax) predict_softmax(scores.data(), osz, k, threshold, kern, heap);
  else predict_sigmoid(scores.data(), osz, k, threshold, heap);
  // The heap holds probabilities: fastText's log(p + 1e-5) only for the k kept.
  for (auto& e : heap) e.first = std_log(e.first);
  sort_top_k(heap);
  return heap;
}

}  // namespace sentvec
