// Pruning by row norm and product quantization with our own k-means (see quantize.h).
#include "quantize.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include "errors.h"
#include "line_reader.h"
#include "memory_guard.h"
#include "parallel.h"
#include "prune.h"
#include "rng.h"
#include "tokenizer.h"

namespace sentvec {
namespace {

constexpr const char* kHalfRefused =
    "the model is stored as float16: quantize a float32 model (to_float16 is an alternative to "
    "quantization, not a step before it)";

constexpr int32_t kK = ProductQuantizer::kKsub;

/// The 256 centroids of one sub-quantizer, transposed (coordinate-major) so that the distances
/// to all of them are computed in loops over centroids the compiler vectorizes: with the
/// centroid-major loop and a dsub of 2, loop overhead cost more than the arithmetic. Each
/// distance sums the same terms in the same order as before, and ties go to the
/// lowest index (the answers of the plain centroid-by-centroid loop, bit for bit).
class CentroidTable {
 public:
  void set(const float* c, int32_t d) {
    d_ = d;
    t_.resize(static_cast<size_t>(d) * kK);
    for (int32_t j = 0; j < kK; ++j)
      for (int32_t t = 0; t < d; ++t) t_[static_cast<size_t>(t) * kK + j] = c[j * d + t];
  }
  int32_t nearest(const float* x) const {
    float dist[kK];
    for (int32_t j = 0; j < kK; ++j) dist[j] = 0.f;
    for (int32_t t = 0; t < d_; ++t) {
      const float xt = x[t];
      const float* ct = t_.data() + static_cast<size_t>(t) * kK;
      for (int32_t j = 0; j < kK; ++j) {
        const float diff = xt - ct[j];
        dist[j] += diff * diff;
      }
    }
    int32_t best = 0;
    float bestd = std::numeric_limits<float>::infinity();
    for (int32_t j = 0; j < kK; ++j)
      if (dist[j] < bestd) {
        bestd = dist[j];
        best = j;
      }
    return best;
  }

 private:
  int32_t d_ = 0;
  std::vector<float> t_;
};

/// Lloyd's k-means with k = 256 over `n` >= 256 points of `d` floats; centroids start at 256
/// distinct random points; an empty cluster takes half of the largest one.
void kmeans(const float* x, int64_t n, int32_t d, float* c, uint64_t seed, int32_t niter,
            const std::function<void()>& check) {
  Rng rng(seed);
  std::vector<int64_t> perm(static_cast<size_t>(n));
  std::iota(perm.begin(), perm.end(), 0);
  for (int32_t i = 0; i < kK; ++i) {
    const int64_t j = i + static_cast<int64_t>(rng.below(static_cast<uint32_t>(n - i)));
    std::swap(perm[i], perm[j]);
    std::copy(x + perm[i] * d, x + perm[i] * d + d, c + static_cast<int64_t>(i) * d);
  }
  std::vector<uint8_t> assign(static_cast<size_t>(n));
  std::vector<double> sums(static_cast<size_t>(kK) * d);
  std::vector<int64_t> counts(kK);
  CentroidTable table;
  for (int32_t it = 0; it < niter; ++it) {
    if (check) check();
    std::fill(sums.begin(), sums.end(), 0.0);
    std::fill(counts.begin(), counts.end(), 0);
    table.set(c, d);
    for (int64_t i = 0; i < n; ++i) {
      const float* xi = x + i * d;
      const int32_t a = table.nearest(xi);
      assign[i] = static_cast<uint8_t>(a);
      ++counts[a];
      for (int32_t t = 0; t < d; ++t) sums[static_cast<size_t>(a) * d + t] += xi[t];
    }
    for (int32_t j = 0; j < kK; ++j) {
      if (counts[j] == 0) continue;
      for (int32_t t = 0; t < d; ++t)
        c[j * d + t] = static_cast<float>(sums[static_cast<size_t>(j) * d + t] / counts[j]);
    }
    for (int32_t j = 0; j < kK; ++j) {
      if (counts[j] != 0) continue;
      const int32_t big = static_cast<int32_t>(
          std::max_element(counts.begin(), counts.end()) - counts.begin());
      for (int32_t t = 0; t < d; ++t) {
        const float eps = 1e-7f * (rng.uniform() - 0.5f) + 1e-6f * c[big * d + t];
        c[j * d + t] = c[big * d + t] + eps;
        c[big * d + t] -= eps;
      }
      counts[j] = counts[big] / 2;
      counts[big] -= counts[j];
    }
  }
}

/// Row i of the matrix being quantized: a pointer into it, or into `scratch` (dim floats)
/// when the row is transformed on the way (qnorm divides by the norm), so that no
/// transformed copy of the whole matrix is ever made.
/// One CentroidTable per sub-quantizer of `pq`.
std::vector<CentroidTable> centroid_tables(const ProductQuantizer& pq) {
  std::vector<CentroidTable> tables(static_cast<size_t>(pq.nsubq));
  for (int32_t m = 0; m < pq.nsubq; ++m)
    tables[static_cast<size_t>(m)].set(pq.centroids.data() + static_cast<int64_t>(m) * kK * pq.dsub,
                                       m == pq.nsubq - 1 ? pq.lastdsub : pq.dsub);
  return tables;
}

/// The nearest centroid of each sub-vector of x: a row's nsubq codes.
void encode(const std::vector<CentroidTable>& tables, const ProductQuantizer& pq, const float* x,
            uint8_t* codes) {
  for (int32_t m = 0; m < pq.nsubq; ++m)
    codes[m] = static_cast<uint8_t>(tables[static_cast<size_t>(m)].nearest(x + m * pq.dsub));
}

using RowFn = std::function<const float*(int64_t i, float* scratch)>;

/// Trains `pq` (already sized) on a bounded random sample of the rows and encodes every row.
void train_and_encode(const RowFn& row, int64_t rows, int32_t dim, ProductQuantizer& pq,
                      std::vector<uint8_t>& codes, const QuantizeOptions& o, uint64_t seed) {
  pq.centroids.assign(static_cast<size_t>(dim) * kK, 0.f);
  std::vector<int64_t> sample;
  if (!o.train_rows.empty() && static_cast<int64_t>(o.train_rows.size()) >= kK) {
    sample = o.train_rows;
  } else {
    sample.resize(static_cast<size_t>(rows));
    std::iota(sample.begin(), sample.end(), 0);
  }
  const int64_t pool = static_cast<int64_t>(sample.size());
  const int64_t ns = std::min<int64_t>(pool, std::max<int32_t>(o.max_points, kK));
  Rng rng(seed ^ 0x5bd1e995ull);
  for (int64_t i = 0; i < ns && ns < pool; ++i) {
    const int64_t j = i + static_cast<int64_t>(rng.next() % static_cast<uint64_t>(pool - i));
    std::swap(sample[i], sample[j]);
  }
  sample.resize(static_cast<size_t>(ns));
  sample.shrink_to_fit();
  std::sort(sample.begin(), sample.end());
  // The sampled rows, gathered once in file order (a mapped matrix is read sequentially).
  std::vector<float> picked(static_cast<size_t>(ns) * dim);
  {
    std::vector<float> scratch(static_cast<size_t>(dim));
    for (int64_t i = 0; i < ns; ++i) {
      const float* r = row(sample[i], scratch.data());
      std::copy(r, r + dim, picked.data() + i * dim);
    }
  }
  const int32_t threads = pick_threads(pq.nsubq, o.threads, 1);
  parallel_for(
      pq.nsubq, threads,
      [&](int64_t m) {
        const int32_t d = m == pq.nsubq - 1 ? pq.lastdsub : pq.dsub;
        std::vector<float> sub(static_cast<size_t>(ns) * d);
        for (int64_t i = 0; i < ns; ++i)
          std::copy(picked.data() + i * dim + m * pq.dsub, picked.data() + i * dim + m * pq.dsub + d,
                    sub.data() + i * d);
        float* c = pq.centroids.data() + m * kK * pq.dsub;
        kmeans(sub.data(), ns, d, c, seed + 7919u * static_cast<uint64_t>(m + 1), o.niter, o.check);
      },
      1);
  std::vector<float>().swap(picked);
  codes.assign(static_cast<size_t>(rows) * pq.nsubq, 0);
  const std::vector<CentroidTable> tables = centroid_tables(pq);
  parallel_for(
      rows, pick_threads(rows, o.threads, 1024),
      [&](int64_t i) {
        std::vector<float> scratch(static_cast<size_t>(dim));  // local: see LineScratch
        encode(tables, pq, row(i, scratch.data()), codes.data() + static_cast<size_t>(i) * pq.nsubq);
      },
      256);
}

/// Word models: a word's vector is the mean of its subword rows (its own row and its char
/// n-gram rows, duplicates counted), and only the word uses its own row. Once every row is
/// encoded, each word row is encoded again, from what the word's vector needs of it given its
/// *quantized* n-gram rows: the sum of its dense subword rows minus the decoded n-gram rows. The
/// n-gram rows' quantization errors are then made up for in the word's vector (only the word
/// row's own error remains, divided by the subword count); OOV words, which have only n-gram
/// rows, do not change.
void refit_word_rows(const Model& m, const DenseMatrix& d, QuantMatrix& q, int32_t threads) {
  const int32_t nw = m.dict.nwords();
  const int32_t dim = static_cast<int32_t>(d.cols());
  const ProductQuantizer& pq = q.pq;
  const std::vector<CentroidTable> tables = centroid_tables(pq);
  CentroidTable norm_table;
  if (q.qnorm) norm_table.set(q.npq.centroids.data(), 1);
  const int64_t rows = d.rows();
  parallel_for(
      nw, pick_threads(nw, threads, 1024),
      [&](int64_t i) {
        const std::vector<int32_t>& sw = m.dict.entry(static_cast<int32_t>(i)).subwords;
        if (sw.size() <= 1 || sw[0] != i) return;
        std::vector<float> target(static_cast<size_t>(dim), 0.f), r(static_cast<size_t>(dim)), dec;
        for (size_t k = 0; k < sw.size(); ++k) {
          if (sw[k] < nw && k > 0) return;  // a word row in another word's list: leave it
          if (sw[k] < 0 || sw[k] >= rows) return;
          // memcpy: a mapped matrix's floats are generally not 4-byte aligned.
          std::memcpy(r.data(), d.row(sw[k]), static_cast<size_t>(dim) * 4);
          for (int32_t t = 0; t < dim; ++t) target[t] += r[t];
        }
        for (size_t k = 1; k < sw.size(); ++k) q.add_row_to(target.data(), sw[k], -1.f);
        uint8_t* codes = q.codes.data() + i * pq.nsubq;
        if (!q.qnorm) {
          encode(tables, pq, target.data(), codes);
          return;
        }
        double nn = 0;
        for (float v : target) nn += static_cast<double>(v) * v;
        const float nrm = static_cast<float>(std::sqrt(nn));
        if (nrm > 0.f)
          for (int32_t t = 0; t < dim; ++t) r[t] = target[t] / nrm;
        else
          std::fill(r.begin(), r.end(), 0.f);
        encode(tables, pq, r.data(), codes);
        // The norm that fits the encoded direction best (least squares), then its nearest code.
        dec.assign(static_cast<size_t>(dim), 0.f);
        pq.add_code(dec.data(), codes, 1.f);
        double dt = 0, dd = 0;
        for (int32_t t = 0; t < dim; ++t) {
          dt += static_cast<double>(dec[t]) * target[t];
          dd += static_cast<double>(dec[t]) * dec[t];
        }
        const float scale = dd > 0 ? static_cast<float>(dt / dd) : 0.f;
        q.norm_codes[static_cast<size_t>(i)] = static_cast<uint8_t>(norm_table.nearest(&scale));
      },
      64);
}

}  // namespace

QuantMatrix quantize_matrix(const DenseMatrix& d, const QuantizeOptions& o) {
  if (o.dsub < 1) throw ArgError("dsub must be >= 1 (got " + std::to_string(o.dsub) + ")");
  const int64_t rows = d.rows();
  const int32_t dim = static_cast<int32_t>(d.cols());
  if (rows < kK)
    throw ArgError("Matrix too small for quantization, must have at least 256 rows (this one has " +
                   std::to_string(rows) + ")");
  QuantMatrix q;
  q.qnorm = o.qnorm;
  q.m = rows;
  q.n = dim;
  q.pq.dim = dim;
  q.pq.dsub = o.dsub;
  q.pq.nsubq = (dim + o.dsub - 1) / o.dsub;
  q.pq.lastdsub = dim % o.dsub == 0 ? o.dsub : dim % o.dsub;
  q.codesize = static_cast<int32_t>(rows * q.pq.nsubq);
  if (o.qnorm) {
    // Norms first (one pass); rows are divided by them on the fly while sampling and encoding.
    std::vector<float> norms(static_cast<size_t>(rows)), row(static_cast<size_t>(dim));
    for (int64_t i = 0; i < rows; ++i) {
      std::memcpy(row.data(), d.row(i), static_cast<size_t>(dim) * 4);
      double s = 0;
      for (int32_t t = 0; t < dim; ++t) s += static_cast<double>(row[t]) * row[t];
      norms[i] = static_cast<float>(std::sqrt(s));
    }
    q.npq.dim = 1;
    q.npq.nsubq = 1;
    q.npq.dsub = 1;
    q.npq.lastdsub = 1;
    train_and_encode([&](int64_t i, float*) { return norms.data() + i; }, rows, 1, q.npq,
                     q.norm_codes, o, o.seed + 101);
    train_and_encode(
        [&](int64_t i, float* scratch) -> const float* {
          const float nrm = norms[i];
          std::memcpy(scratch, d.row(i), static_cast<size_t>(dim) * 4);
          if (nrm > 0.f)
            for (int32_t t = 0; t < dim; ++t) scratch[t] /= nrm;
          return scratch;
        },
        rows, dim, q.pq, q.codes, o, o.seed);
  } else {
    // Copied through memcpy: a mapped matrix's floats are generally not 4-byte aligned.
    train_and_encode(
        [&](int64_t i, float* scratch) -> const float* {
          std::memcpy(scratch, d.row(i), static_cast<size_t>(dim) * 4);
          return scratch;
        },
        rows, dim, q.pq, q.codes, o, o.seed);
  }
  return q;
}

void prune_input(Model& m, int64_t cutoff) {
  if (m.input.quantized()) throw ArgError("the model is already quantized");
  if (m.input.half()) throw ArgError(kHalfRefused);
  const DenseMatrix& in = *m.input.dense();
  const int64_t rows = in.rows();
  if (cutoff <= 0 || cutoff >= rows) return;
  const int32_t dim = static_cast<int32_t>(in.cols());
  const int32_t nwords = m.dict.nwords();
  std::vector<float> norms(static_cast<size_t>(rows));
  for (int64_t i = 0; i < rows; ++i) {
    const float* r = in.row(i);
    double s = 0;
    for (int32_t t = 0; t < dim; ++t) s += static_cast<double>(r[t]) * r[t];
    norms[i] = static_cast<float>(s);
  }
  std::vector<int64_t> idx(static_cast<size_t>(rows));
  std::iota(idx.begin(), idx.end(), 0);
  std::nth_element(idx.begin(), idx.begin() + cutoff, idx.end(), [&](int64_t a, int64_t b) {
    return norms[a] != norms[b] ? norms[a] > norms[b] : a < b;
  });
  idx.resize(static_cast<size_t>(cutoff));
  // As fastText: the end-of-sentence word (every line has one) is always kept, in place of
  // the kept row of smallest norm.
  const int32_t eos = m.dict.get_id(kEos);
  if (eos >= 0 && eos < nwords && std::find(idx.begin(), idx.end(), eos) == idx.end()) {
    auto last = std::max_element(idx.begin(), idx.end(), [&](int64_t a, int64_t b) {
      return norms[a] != norms[b] ? norms[a] > norms[b] : a < b;
    });
    *last = eos;
  }
  std::sort(idx.begin(), idx.end());  // kept words first (in order), then kept buckets

  // The bucket rows of an unpruned model are row - nwords; of a pruned one, the pairs say.
  std::vector<int32_t> bucket_of_row;
  const int64_t old_psize = m.dict.pruneidx_size();
  if (old_psize >= 0) {
    bucket_of_row.assign(static_cast<size_t>(old_psize), -1);
    for (auto& p : m.dict.pruneidx_pairs()) bucket_of_row[p.second] = p.first;
  }
  const auto& old = m.dict.entries();
  std::vector<Entry> entries;
  std::vector<std::pair<int32_t, int32_t>> pairs;
  DenseMatrix out(cutoff, dim);
  int64_t r = 0;
  for (int64_t i : idx) {
    if (i < nwords) {
      Entry e;
      e.word = old[i].word;
      e.count = old[i].count;
      e.type = old[i].type;
      entries.push_back(std::move(e));
    } else {
      const int64_t b = i - nwords;
      const int32_t key = old_psize >= 0 ? bucket_of_row[b] : static_cast<int32_t>(b);
      pairs.emplace_back(key, static_cast<int32_t>(pairs.size()));
    }
    std::copy(in.row(i), in.row(i) + dim, out.row_mut(r++));
  }
  const int32_t new_nwords = static_cast<int32_t>(entries.size());
  for (int32_t i = nwords; i < static_cast<int32_t>(old.size()); ++i) {
    Entry e;
    e.word = old[i].word;
    e.count = old[i].count;
    e.type = old[i].type;
    entries.push_back(std::move(e));
  }
  const int64_t psize = static_cast<int64_t>(pairs.size());
  m.dict.assign(std::move(entries), new_nwords, m.dict.nlabels(), m.dict.ntokens(), psize,
                std::move(pairs), m.eos_subwords);
  m.input = AnyMatrix(std::move(out));
  m.reset_caches();
}

void check_quantizable(const Model& m, const QuantizeRequest& r) {
  if (m.input.quantized()) throw ArgError("the model is already quantized");
  if (m.input.half()) throw ArgError(kHalfRefused);
  if (r.dsub < 1) throw ArgError("dsub must be >= 1 (got " + std::to_string(r.dsub) + ")");
  // fastText lets the last sub-vector be shorter; for the word and sentence models it never
  // quantized, sentvec asks for equal sub-vectors (the size of the codes then says what it is).
  if (!m.is_supervised() && m.dim() % r.dsub != 0)
    throw ArgError("dsub must divide the model's dimension " + std::to_string(m.dim()) + " (got " +
                   std::to_string(r.dsub) + ")");
  if (r.cutoff < 0) throw ArgError("cutoff must be >= 0 (got " + std::to_string(r.cutoff) + ")");
  if (r.thread && *r.thread < 1) throw ArgError("thread must be >= 1 (got " + std::to_string(*r.thread) + ")");
  const int64_t rows = m.input.rows();
  int64_t kept = (r.cutoff > 0 && r.cutoff < rows) ? r.cutoff : rows;
  if (!m.is_supervised() && r.cutoff > 0) {
    check_prunable(m, r.cutoff, -1);
    kept = rows_after_keeping(m, r.cutoff);
  }
  if (kept < kK)
    throw ArgError("Matrix too small for quantization, must have at least 256 rows: the input "
                   "matrix would have " + std::to_string(kept) + (r.cutoff > 0 ? " (cutoff)" : "") +
                   " rows");
  if (r.qout && m.output.quantized()) throw ArgError("the output matrix is already quantized");
  const int64_t out_rows = !m.is_supervised() && r.cutoff > 0
                               ? std::min<int64_t>(r.cutoff, m.output.rows()) : m.output.rows();
  if (r.qout && out_rows < kK)
    throw ArgError("qout: Matrix too small for quantization, must have at least 256 rows; the "
                   "output matrix has " + std::to_string(out_rows) +
                   (m.is_supervised() ? " (one per label)" : " (one per word)") +
                   ": quantize without qout");
  if (!r.retrain) return;
  if (r.input.empty())
    throw ArgError("Need input file path if retraining (quantize(input=..., retrain=True))");
  if (r.epoch && *r.epoch < 1) throw ArgError("epoch must be >= 1 (got " + std::to_string(*r.epoch) + ")");
  if (r.lr && !(*r.lr > 0)) throw ArgError("lr must be > 0 (got " + std::to_string(*r.lr) + ")");
  if (r.verbose && *r.verbose < 0)
    throw ArgError("verbose must be >= 0 (got " + std::to_string(*r.verbose) + ")");
}

void quantize_model(Model& m, const QuantizeOptions& o) {
  QuantizeRequest r;
  r.qout = o.qout;
  r.dsub = o.dsub;
  check_quantizable(m, r);
  QuantMatrix qin = quantize_matrix(*m.input.dense(), o);
  if (o.refit_words) refit_word_rows(m, *m.input.dense(), qin, o.threads);
  if (o.qout) {
    QuantizeOptions oo = o;
    oo.seed = o.seed + 1000003u;
    oo.train_rows.clear();  // rows of the input matrix
    m.output = AnyMatrix(quantize_matrix(*m.output.dense(), oo));
  }
  m.input = AnyMatrix(std::move(qin));
  m.reset_caches();
}

void quantize(Model& m, const QuantizeRequest& r, const TrainOptions& topts) {
  check_quantizable(m, r);
  if (r.retrain) {
    LineReader probe(r.input);  // a missing corpus fails before any change
  }
  QuantizeOptions o;
  o.dsub = r.dsub;
  o.qnorm = r.qnorm;
  o.qout = r.qout;
  o.threads = r.thread.value_or(r.retrain ? default_threads() : 0);
  // fastText's k-means seed is fixed; ours follows the model's unless one is given.
  o.seed = r.seed.value_or(static_cast<uint64_t>(m.args.seed)) + 1234;
  // Supervised: fastText's rows of largest norm. Word and sentence models: the most frequent
  // words and the n-gram rows they use (prune.h).
  if (m.is_supervised()) prune_input(m, r.cutoff);
  else if (r.cutoff > 0) keep_words_and_their_ngrams(m, r.cutoff);
  {
    // What quantization allocates: the codes (and norm codes), the k-means sample.
    const int64_t rows_in = m.input.rows(), nsub = (m.dim() + r.dsub - 1) / r.dsub;
    int64_t need = rows_in * (nsub + 1 + 4 + 16) + int64_t{o.max_points} * m.dim() * 8;
    if (r.qout) need += m.output.rows() * (nsub + 1 + 4);
    check_memory(need, "quantizing " + std::to_string(rows_in) + " rows", "use a larger dsub or a cutoff");
  }
  if (!m.is_supervised()) o.train_rows = trained_rows(m);
  // Word vectors only (skipgram, cbow): a sent2vec sentence uses word rows alone.
  o.refit_words = !m.is_supervised() && !m.is_sent2vec() && m.args.maxn > 0 && m.args.bucket > 0;
  if (r.retrain)
    retrain(m, r.input, r.epoch.value_or(m.args.epoch), r.lr.value_or(m.args.lr), o.threads,
            r.verbose.value_or(m.args.verbose), topts);
  quantize_model(m, o);
}

}  // namespace sentvec
