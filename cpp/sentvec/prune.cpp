// Vocabulary and bucket pruning of dense models (see prune.h).
#include "prune.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "errors.h"
#include "hashing.h"
#include "memory_guard.h"

namespace sentvec {
namespace {

bool has_char_ngrams(const Model& m) { return m.args.maxn > 0 && m.args.bucket > 0; }

int32_t kept_words(const Model& m, int64_t words) {
  const int32_t nw = m.dict.nwords();
  return words < 0 || words >= nw ? nw : static_cast<int32_t>(words);
}

/// The first `keep` words and every label, as entries for Dictionary::assign.
std::vector<Entry> kept_entries(const Model& m, int32_t keep) {
  std::vector<Entry> out;
  const auto& old = m.dict.entries();
  out.reserve(static_cast<size_t>(keep + m.dict.nlabels()));
  for (int32_t i = 0; i < static_cast<int32_t>(old.size()); ++i) {
    if (i >= keep && i < m.dict.nwords()) continue;
    Entry e;
    e.word = old[i].word;
    e.count = old[i].count;
    e.type = old[i].type;
    out.push_back(std::move(e));
  }
  return out;
}

/// The output matrix after keeping `keep` words: unsupervised output rows are words (the first
/// `keep` stay), supervised ones labels (all stay). Always owned afterwards.
DenseMatrix kept_output(const Model& m, int32_t keep) {
  const DenseMatrix& o = *m.output.dense();
  const int64_t rows = m.is_supervised() ? o.rows() : std::min<int64_t>(keep, o.rows());
  DenseMatrix out(rows, o.cols(), DenseMatrix::Uninitialized{});
  if (rows) std::memcpy(out.data_mut(), o.row(0), static_cast<size_t>(rows * o.cols()) * 4);
  return out;
}

void check_dense_plain(const Model& m, const char* what) {
  if (m.input.quantized() || m.output.quantized())
    throw ArgError(std::string(what) + ": the model is already quantized (prune or reduce before "
                   "quantizing)");
  if (m.input.half())
    throw ArgError(std::string(what) + ": the model is stored as float16 (prune, reduce or "
                   "quantize before to_float16)");
  if (m.dict.pruneidx_size() >= 0)
    throw ArgError(std::string(what) + ": the model's n-gram rows are already pruned (pruneidx)");
  const int64_t want = static_cast<int64_t>(m.dict.nwords()) + m.args.bucket;
  if (m.input.rows() != want)
    throw ArgError(std::string(what) + ": the input matrix has " + std::to_string(m.input.rows()) +
                   " rows, not nwords + bucket = " + std::to_string(want) +
                   " (extra char buckets are not supported)");
}

/// One (old bucket, new bucket) contribution of n-gram strings; the weight counts the times a
/// vocabulary word contains such a string (every word once per occurrence, whatever its count:
/// the rows serve out-of-vocabulary words, which are rare words, not frequent ones).
struct Move {
  int32_t from, to;
  float weight;
};

/// The char n-gram moves of the whole original vocabulary, sorted by old row and merged.
std::vector<Move> char_moves(const Model& m, int64_t buckets) {
  const int32_t nw = m.dict.nwords();
  std::vector<Move> mv;
  std::vector<int32_t> rows;
  std::vector<std::string> subs;
  for (int32_t i = 0; i < nw; ++i) {
    const Entry& e = m.dict.entry(i);
    if (e.subwords.size() <= 1) continue;  // "</s>" (and words of no n-gram)
    rows.clear();
    subs.clear();
    m.dict.char_ngrams(e.word, rows, &subs);
    if (rows.size() != subs.size()) continue;  // cannot happen without pruneidx
    for (size_t k = 0; k < rows.size(); ++k)
      mv.push_back({rows[k] - nw, static_cast<int32_t>(fnv1a32(subs[k]) % static_cast<uint64_t>(buckets)), 1.f});
  }
  std::sort(mv.begin(), mv.end(), [](const Move& a, const Move& b) {
    return a.from != b.from ? a.from < b.from : a.to < b.to;
  });
  size_t o = 0;
  for (size_t i = 0; i < mv.size(); ++i) {
    if (o > 0 && mv[o - 1].from == mv[i].from && mv[o - 1].to == mv[i].to) mv[o - 1].weight += mv[i].weight;
    else mv[o++] = mv[i];
  }
  mv.resize(o);
  mv.shrink_to_fit();
  return mv;
}

int64_t char_ngram_count(const Model& m) {
  int64_t n = 0;
  for (int32_t i = 0; i < m.dict.nwords(); ++i) n += static_cast<int64_t>(m.dict.entry(i).subwords.size()) - 1;
  return n;
}

/// One use of an old char n-gram row by a kept word (a word using a row twice has two).
struct Use {
  int32_t from, word;
};

int64_t kept_use_count(const Model& m, int32_t keep) {
  int64_t n = 0;
  for (int32_t i = 0; i < keep; ++i) n += static_cast<int64_t>(m.dict.entry(i).subwords.size()) - 1;
  return n;
}

/// The old n-gram rows (bucket numbers) of the first `keep` words, sorted by row.
std::vector<Use> kept_uses(const Model& m, int32_t keep) {
  const int32_t nw = m.dict.nwords();
  std::vector<Use> out;
  out.reserve(static_cast<size_t>(kept_use_count(m, keep)));
  for (int32_t i = 0; i < keep; ++i) {
    const std::vector<int32_t>& sw = m.dict.entry(i).subwords;
    for (size_t k = 1; k < sw.size(); ++k) out.push_back({sw[k] - nw, i});
  }
  std::sort(out.begin(), out.end(), [](const Use& a, const Use& b) {
    return a.from != b.from ? a.from < b.from : a.word < b.word;
  });
  return out;
}

void install(Model& m, int32_t keep, DenseMatrix in, int64_t psize,
             std::vector<std::pair<int32_t, int32_t>> pairs) {
  DenseMatrix out = kept_output(m, keep);
  std::vector<Entry> entries = kept_entries(m, keep);
  m.dict.set_args(m.args);
  m.dict.assign(std::move(entries), keep, m.dict.nlabels(), m.dict.ntokens(), psize, std::move(pairs),
                m.eos_subwords);
  m.input = AnyMatrix(std::move(in));
  m.output = AnyMatrix(std::move(out));
  m.mapped = false;
  m.reset_caches();
}

}  // namespace

bool has_word_ngrams(const Model& m) {
  return m.args.word_ngrams > 1 && m.args.bucket > 0 && (m.is_sent2vec() || m.is_supervised());
}

void check_prunable(const Model& m, int64_t words, int64_t buckets) {
  if (words == 0 || words < -1)
    throw ArgError("prune: words must be >= 1 (got " + std::to_string(words) + ")");
  if (buckets < -1)
    throw ArgError("prune: buckets must be >= 0 (got " + std::to_string(buckets) + ")");
  check_dense_plain(m, "prune");
  if (buckets > m.args.bucket)
    throw ArgError("prune: buckets must be <= the model's bucket (" + std::to_string(m.args.bucket) +
                   "; got " + std::to_string(buckets) + ")");
  if (buckets > 0 && has_word_ngrams(m) && m.args.bucket % buckets != 0)
    throw ArgError("prune: buckets must divide the model's bucket (" + std::to_string(m.args.bucket) +
                   ") for a model with word n-grams: their rows can only be re-hashed as "
                   "bucket % buckets (got " + std::to_string(buckets) + ")");
}

void prune_model(Model& m, int64_t words, int64_t buckets) {
  check_prunable(m, words, buckets);
  const DenseMatrix& in = *m.input.dense();
  const int32_t nw = m.dict.nwords(), keep = kept_words(m, words);
  const int64_t B = m.args.bucket, M = buckets < 0 ? B : buckets;
  const int64_t dim = in.cols();
  const bool chars = has_char_ngrams(m) && !has_word_ngrams(m) && M > 0 && M != B;
  // Whenever the char n-gram rows change, the kept words' own rows take up the difference
  // (not in sent2vec, whose sentence vectors use word rows alone).
  const bool exact_words = has_char_ngrams(m) && !m.is_sent2vec() && M != B && keep > 0;
  const int64_t out_rows = m.is_supervised() ? m.output.rows() : keep;
  check_memory((keep + M + out_rows) * dim * 4 + M * 8 + (chars ? char_ngram_count(m) * 12 : 0) +
                   (exact_words ? kept_use_count(m, keep) * 8 + keep * 4 : 0),
               "pruning to " + std::to_string(keep) + " words and " + std::to_string(M) + " buckets",
               "ask for fewer words or buckets");

  // Kept words' subword counts and the old n-gram rows they use, before the dictionary changes.
  std::vector<int32_t> old_n;
  std::vector<Use> uses;
  if (exact_words) {
    old_n.resize(static_cast<size_t>(keep));
    for (int32_t i = 0; i < keep; ++i) old_n[static_cast<size_t>(i)] = static_cast<int32_t>(m.dict.entry(i).subwords.size());
    uses = kept_uses(m, keep);
  }

  DenseMatrix out(keep + M, dim);  // zeros: a new bucket nothing maps to stays zero
  const size_t row_bytes = static_cast<size_t>(dim) * 4;
  if (keep) std::memcpy(out.data_mut(), in.row(0), keep * row_bytes);
  std::vector<float> src(static_cast<size_t>(dim));
  int64_t loaded = -1;
  auto load = [&](int64_t b) {
    // memcpy: a mapped matrix's floats are generally not 4-byte aligned.
    if (b != loaded) std::memcpy(src.data(), in.row(nw + b), row_bytes);
    loaded = b;
  };
  // Adds the old n-gram rows up to `b` to the kept words' rows that use them (a word row then
  // holds the sum of the word's old subword rows), reading rows in ascending order only.
  size_t u = 0;
  auto credit = [&](int64_t b) {
    for (; u < uses.size() && uses[u].from <= b; ++u) {
      load(uses[u].from);
      float* dst = out.row_mut(uses[u].word);
      for (int64_t t = 0; t < dim; ++t) dst[t] += src[static_cast<size_t>(t)];
    }
  };
  if (M > 0 && M == B) {
    std::memcpy(out.row_mut(keep), in.row(nw), static_cast<size_t>(B) * row_bytes);
  } else if (M > 0) {
    std::vector<double> wsum(static_cast<size_t>(M), 0.0);
    auto add = [&](int64_t from, int64_t to, double w) {
      credit(from);
      load(from);
      float* dst = out.row_mut(keep + to);
      for (int64_t t = 0; t < dim; ++t) dst[t] += static_cast<float>(w) * src[static_cast<size_t>(t)];
      wsum[static_cast<size_t>(to)] += w;
    };
    if (chars) {
      for (const Move& mv : char_moves(m, M)) add(mv.from, mv.to, mv.weight);
    } else {
      for (int64_t b = 0; b < B; ++b) {
        credit(b);
        load(b);
        double s = 0;
        for (float v : src) s += static_cast<double>(v) * v;
        if (s > 0) add(b, b % M, s);
      }
    }
    for (int64_t j = 0; j < M; ++j) {
      if (wsum[static_cast<size_t>(j)] <= 0) continue;
      const float inv = static_cast<float>(1.0 / wsum[static_cast<size_t>(j)]);
      float* r = out.row_mut(keep + j);
      for (int64_t t = 0; t < dim; ++t) r[t] *= inv;
    }
  }
  credit(std::numeric_limits<int64_t>::max());
  std::vector<Use>().swap(uses);
  m.args.bucket = static_cast<int32_t>(M);
  install(m, keep, std::move(out), -1, {});
  if (!exact_words) return;
  // A kept word's vector is the mean of its n subword rows (its own row first, duplicates
  // counted; n changes only when every n-gram row goes). Its row now holds the sum S of its old
  // rows: row = S * n_new / n_old - (its new n-gram rows) makes the new mean S / n_old, the
  // word's original vector.
  DenseMatrix& x = *m.input.dense();
  for (int32_t i = 0; i < keep; ++i) {
    const int32_t n_old = old_n[static_cast<size_t>(i)];
    if (n_old <= 1) continue;  // no n-gram row before: its row is its vector and did not change
    const std::vector<int32_t>& sw = m.dict.entry(i).subwords;
    float* r = x.row_mut(i);
    const float f = static_cast<float>(static_cast<double>(sw.size()) / n_old);
    for (int64_t t = 0; t < dim; ++t) r[t] *= f;
    for (size_t k = 1; k < sw.size(); ++k) {
      const float* g = x.row(sw[k]);
      for (int64_t t = 0; t < dim; ++t) r[t] -= g[t];
    }
  }
}

std::vector<int64_t> trained_rows(const Model& m) {
  std::vector<int64_t> out;
  if (has_word_ngrams(m)) return out;
  const int32_t nw = m.dict.nwords();
  std::vector<char> used(static_cast<size_t>(std::max<int64_t>(m.input.rows() - nw, 0)), 0);
  for (int32_t i = 0; i < nw; ++i)
    for (size_t k = 1; k < m.dict.entry(i).subwords.size(); ++k) {
      const int64_t b = m.dict.entry(i).subwords[k] - nw;
      if (b >= 0 && b < static_cast<int64_t>(used.size())) used[static_cast<size_t>(b)] = 1;
    }
  for (int64_t i = 0; i < nw; ++i) out.push_back(i);
  for (size_t b = 0; b < used.size(); ++b)
    if (used[b]) out.push_back(nw + static_cast<int64_t>(b));
  return out;
}

int64_t rows_after_keeping(const Model& m, int64_t words) {
  const int32_t keep = kept_words(m, words);
  if (keep == m.dict.nwords() || has_word_ngrams(m)) return keep + m.args.bucket;
  std::vector<char> used(static_cast<size_t>(std::max<int32_t>(m.args.bucket, 0)), 0);
  int64_t n = 0;
  const int32_t nw = m.dict.nwords();
  for (int32_t i = 0; i < keep; ++i)
    for (size_t k = 1; k < m.dict.entry(i).subwords.size(); ++k) {
      char& u = used[static_cast<size_t>(m.dict.entry(i).subwords[k] - nw)];
      n += !u;
      u = 1;
    }
  return keep + n;
}

void keep_words_and_their_ngrams(Model& m, int64_t words) {
  check_dense_plain(m, "quantize cutoff");
  const int32_t nw = m.dict.nwords(), keep = kept_words(m, words);
  if (keep == nw) return;
  if (has_word_ngrams(m)) {
    prune_model(m, keep, -1);
    return;
  }
  const DenseMatrix& in = *m.input.dense();
  const int64_t dim = in.cols();
  std::vector<int32_t> new_row(static_cast<size_t>(std::max<int32_t>(m.args.bucket, 0)), -1);
  std::vector<std::pair<int32_t, int32_t>> pairs;
  for (int32_t i = 0; i < keep; ++i)
    for (size_t k = 1; k < m.dict.entry(i).subwords.size(); ++k)
      new_row[static_cast<size_t>(m.dict.entry(i).subwords[k] - nw)] = 0;
  for (size_t b = 0; b < new_row.size(); ++b)  // kept buckets in ascending order: one pass
    if (new_row[b] == 0) {
      new_row[b] = static_cast<int32_t>(pairs.size());
      pairs.emplace_back(static_cast<int32_t>(b), new_row[b]);
    }
  const int64_t np = static_cast<int64_t>(pairs.size());
  check_memory((keep + np + (m.is_supervised() ? m.output.rows() : keep)) * dim * 4,
               "keeping " + std::to_string(keep) + " words and their " + std::to_string(np) + " n-gram rows",
               "ask for a smaller cutoff");
  DenseMatrix out(keep + np, dim, DenseMatrix::Uninitialized{});
  const size_t row_bytes = static_cast<size_t>(dim) * 4;
  if (keep) std::memcpy(out.data_mut(), in.row(0), keep * row_bytes);
  for (const auto& p : pairs) std::memcpy(out.row_mut(keep + p.second), in.row(nw + p.first), row_bytes);
  install(m, keep, std::move(out), np, std::move(pairs));
}

}  // namespace sentvec
