// C++ tests of training, meant to run under AddressSanitizer and UndefinedBehaviorSanitizer
// (tools/ci_serve_checks.sh runs every tests/cpp binary that way): vocabulary pruning, every
// model and loss on two threads, determinism, hostile corpora (invalid UTF-8, a 6 MB line
// without newline), early stop and abort through the poll hook, NaN, and the early errors.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "sentvec/dictionary_build.h"
#include "sentvec/errors.h"
#include "sentvec/loss.h"
#include "sentvec/matrix.h"
#include "sentvec/simd/kernels.h"
#include "sentvec/rng.h"
#include "sentvec/trainer.h"

#include "check.h"

using namespace sentvec;

namespace {

using sentvec_test::failures;

template <class E, class F>
bool throws(F&& f) {
  try {
    f();
  } catch (const E&) {
    return true;
  } catch (...) {
    return false;
  }
  return false;
}

std::string dir;

std::string write_file(const std::string& name, const std::string& text) {
  std::string p = dir + "/" + name;
  std::ofstream(p, std::ios::binary) << text;
  return p;
}

std::string make_corpus(bool labels, int lines, uint32_t seed) {
  std::mt19937 rng(seed);
  const char* words[] = {"the", "a", "cat", "dog", "sat", "on", "mat", "ran", "café",
                         "пример", "日本", "over", "tree", "bird", "flies", "red"};
  std::string s;
  for (int i = 0; i < lines; ++i) {
    if (labels) s += (rng() % 2) ? "__label__x " : "__label__y ";
    int n = 3 + rng() % 8;
    for (int j = 0; j < n; ++j) {
      s += words[rng() % 16];
      s += ' ';
    }
    s += '\n';
  }
  return s;
}

bool finite(const DenseMatrix& m) {
  for (int64_t i = 0; i < m.rows() * m.cols(); ++i)
    if (!std::isfinite(m.data()[i])) return false;
  return true;
}

Args small(ModelName model, LossName loss) {
  Args a;
  a.model = model;
  a.loss = loss;
  a.dim = 8;
  a.epoch = 2;
  a.bucket = 1000;
  a.min_count = 1;
  a.minn = 2;
  a.maxn = 3;
  a.thread = 2;
  a.verbose = 0;
  a.word_ngrams = model == ModelName::kSupervised ? 2 : 1;
  return a;
}

void test_pruning() {
  std::string s;
  for (int i = 0; i < 3000; ++i) s += "w" + std::to_string(i) + (i % 3 == 0 ? " common" : "") + "\n";
  std::string p = write_file("prune.txt", s);
  Args a = small(ModelName::kSkipgram, LossName::kNs);
  VocabOptions o;
  o.max_vocab = 1000;  // prune when more than 750 entries
  VocabStats st;
  Dictionary d = build_dictionary(a, p, &st, o);
  CHECK(st.prune_steps >= 1);
  CHECK(st.ntokens == 3000 + 1000 + 3000);
  CHECK(d.nwords() <= 750);
  CHECK(d.get_id("common") >= 0 && d.get_id("</s>") >= 0);
  // Early rare words were pruned; words seen after the last prune may remain (fastText too).
  CHECK(d.get_id("w1") < 0 && d.get_id("w2") < 0);
  CHECK(d.get_id("w2999") >= 0);
}

// The counting pass on several threads (byte ranges from line starts, merged in order) gives
// the dictionary of one pass: every entry, count and id, and the same statistics; where one
// pass prunes (the table fills) or cuts a line for length, it is what runs.
void test_parallel_count_is_one_pass() {
  std::mt19937 rng(11);
  auto corpus = [&](int lines, bool trailing_newline) {
    std::string s;
    const char* spaces[] = {" ", " ", " ", "\t", "  ", "\r", "\v", "\f"};
    for (int i = 0; i < lines; ++i) {
      const int n = static_cast<int>(rng() % 14);
      if (rng() % 17 == 0) s += "   ";  // blank or space-only lines
      for (int j = 0; j < n; ++j) {
        // Zipf-like ids: a few frequent tokens, a long tail; some labels.
        const uint32_t id = static_cast<uint32_t>(std::pow(2.0, (rng() % 1400) / 100.0));
        s += (rng() % 23 == 0 ? "__label__l" : "w") + std::to_string(id);
        s += j + 1 < n ? std::string(spaces[rng() % 8]) : std::string();
      }
      if (rng() % 29 == 0) s += std::string(1, '\0') + "nul";
      if (i + 1 < lines || trailing_newline) s += '\n';
    }
    return s;
  };
  auto same = [](const Dictionary& x, const Dictionary& y, const VocabStats& sx,
                 const VocabStats& sy) {
    bool ok = x.size() == y.size() && x.nwords() == y.nwords() && x.nlabels() == y.nlabels() &&
              x.ntokens() == y.ntokens() && sx.ntokens == sy.ntokens &&
              sx.distinct == sy.distinct && sx.prune_steps == sy.prune_steps &&
              sx.bytes == sy.bytes;
    for (int32_t i = 0; ok && i < x.size(); ++i)
      ok = x.entry(i).word == y.entry(i).word && x.entry(i).count == y.entry(i).count &&
           x.entry(i).type == y.entry(i).type;
    return ok;
  };
  Args a = small(ModelName::kSupervised, LossName::kSoftmax);
  a.min_count = 1;
  a.min_count_label = 1;
  std::vector<CorpusSource> sources;
  sources.emplace_back(write_file("pc1.txt", corpus(20000, true)));
  sources.emplace_back(write_file("pc2.txt", corpus(7000, false)));
  sources.emplace_back(write_file("pc3.txt", std::string(5000, '\n') + corpus(300, true)));
  auto mem = std::make_shared<MemoryCorpus>();
  mem->append(corpus(9000, true));
  sources.emplace_back(mem);
  // A 5 MB line: cut for length, so counted in one pass.
  sources.emplace_back(write_file("pc4.txt", corpus(2000, true) + std::string(5 << 20, 'x') +
                                                 " tail\n" + corpus(2000, true)));
  int compared = 0;
  for (const CorpusSource& src : sources) {
    VocabOptions one;
    VocabStats s1;
    const Dictionary d1 = build_dictionary(a, src, &s1, one);
    for (int32_t threads : {2, 3, 4, 7, 16}) {
      VocabOptions many;
      many.threads = threads;
      many.parallel_from_bytes = 2;  // every corpus, in ranges down to one byte
      VocabStats sn;
      const Dictionary dn = build_dictionary(a, src, &sn, many);
      CHECK(same(d1, dn, s1, sn));
      ++compared;
    }
  }
  CHECK(compared == 25);
  // Pruning: one pass raises the minimum count as the table fills; so must the result.
  std::string s;
  for (int i = 0; i < 3000; ++i)
    s += "w" + std::to_string(i) + (i % 3 == 0 ? " common" : "") + "\n";
  const std::string p = write_file("prune2.txt", s);
  Args u = small(ModelName::kSkipgram, LossName::kNs);
  VocabOptions one, many;
  one.max_vocab = many.max_vocab = 1000;
  many.threads = 4;
  many.parallel_from_bytes = 2;
  VocabStats s1, sn;
  const Dictionary d1 = build_dictionary(u, p, &s1, one), dn = build_dictionary(u, p, &sn, many);
  CHECK(s1.prune_steps >= 1 && same(d1, dn, s1, sn));
  // An interrupt from the check stops the threads and reaches the caller.
  VocabOptions stop;
  stop.threads = 2;
  stop.parallel_from_bytes = 2;
  stop.check = [] { throw std::runtime_error("interrupted"); };
  std::string big;
  while (big.size() < (size_t(3) << 20)) big += corpus(1000, true);
  const std::string bp = write_file("pc5.txt", big);
  bool thrown = false;
  try {
    build_dictionary(a, bp, nullptr, stop);
  } catch (const std::runtime_error& e) {
    thrown = std::string(e.what()) == "interrupted";
  }
  CHECK(thrown);
  // A missing file is the same error.
  bool io = false;
  try {
    VocabOptions o;
    o.threads = 4;
    o.parallel_from_bytes = 2;
    build_dictionary(a, dir + "/no-such-corpus.txt", nullptr, o);
  } catch (const IoError&) {
    io = true;
  }
  CHECK(io);
}

void test_every_model_and_loss() {
  std::string unsup = write_file("u.txt", make_corpus(false, 400, 1));
  std::string sup = write_file("s.txt", make_corpus(true, 400, 2));
  for (ModelName m : {ModelName::kSkipgram, ModelName::kCbow}) {
    for (LossName l : {LossName::kNs, LossName::kHs, LossName::kSoftmax}) {
      auto model = train(small(m, l), unsup);
      CHECK(finite(*model->input.dense()) && finite(*model->output.dense()));
      CHECK(model->output.rows() == model->dict.nwords());
    }
  }
  for (LossName l : {LossName::kSoftmax, LossName::kNs, LossName::kHs, LossName::kOva}) {
    auto model = train(small(ModelName::kSupervised, l), sup);
    CHECK(finite(*model->input.dense()));
    CHECK(model->dict.nlabels() == 2);
    CHECK(!model->predict("the cat sat", 2, 0.f).empty());
  }
}

void test_determinism() {
  std::string unsup = write_file("d.txt", make_corpus(false, 300, 3));
  Args a = small(ModelName::kCbow, LossName::kNs);
  a.thread = 1;
  a.seed = 7;
  auto m1 = train(a, unsup), m2 = train(a, unsup);
  const DenseMatrix &x = *m1->input.dense(), &y = *m2->input.dense();
  CHECK(std::memcmp(x.data(), y.data(), x.rows() * x.cols() * 4) == 0);
}

bool same_matrix(const DenseMatrix& x, const DenseMatrix& y) {
  return x.rows() == y.rows() && x.cols() == y.cols() &&
         std::memcmp(x.data(), y.data(), static_cast<size_t>(x.rows() * x.cols()) * 4) == 0;
}

// skipgram and cbow train on a compact copy of the input matrix (trainer.cpp): with thread=1
// the models are bit for bit those of training the full matrix, unused buckets included.
void test_compact_rows_change_nothing() {
  std::string unsup = write_file("c.txt", make_corpus(false, 300, 5));
  for (ModelName m : {ModelName::kSkipgram, ModelName::kCbow}) {
    Args a = small(m, LossName::kNs);
    a.thread = 1;
    a.seed = 11;
    a.bucket = 5000;  // most buckets unused: the copy back must leave them as initialised
    TrainOptions full;
    full.compact_rows = false;
    auto c = train(a, unsup), f = train(a, unsup, full);
    CHECK(same_matrix(*c->input.dense(), *f->input.dense()));
    CHECK(same_matrix(*c->output.dense(), *f->output.dense()));
    // the comparison covers n-gram rows: the words have some
    const int32_t w = c->dict.get_id("cat");
    CHECK(w >= 0 && c->dict.entry(w).subwords.size() > 1);
  }
}

float max_diff(const DenseMatrix& x, const DenseMatrix& y) {
  float m = 0.f;
  for (int64_t i = 0; i < x.rows() * x.cols(); ++i) m = std::fmax(m, std::fabs(x.data()[i] - y.data()[i]));
  return m;
}

// How far update="window" lands from update="fasttext" (input and output matrices) with the
// options `a`, and how far "fasttext" lands from itself with the next seed.
struct UpdateGap {
  float input, output, seed;
};
UpdateGap window_vs_fasttext(const Args& a, const std::string& corpus, const char* what) {
  Args f = a, w = a, other = a;
  f.update = "fasttext";
  w.update = "window";
  other.update = "fasttext";
  other.seed = a.seed + 1;
  auto mf = train(f, corpus), mw = train(w, corpus), mo = train(other, corpus);
  UpdateGap g{max_diff(*mf->input.dense(), *mw->input.dense()),
              max_diff(*mf->output.dense(), *mw->output.dense()),
              max_diff(*mf->input.dense(), *mo->input.dense())};
  std::printf("update window vs fasttext (%s): input %.3g output %.3g; another seed %.3g\n", what,
              g.input, g.output, g.seed);
  return g;
}

// update="window" reorders fastText's arithmetic without changing it: with thread=1 it makes
// the same random draws, and where no row is shared between the positions it reads (no word
// twice in a window, no n-gram two words share, no row listed twice in one word) it gives
// fastText's step up to float rounding. The corpus: lines of distinct words, no subwords for
// cbow (words share n-grams), a large bucket for skipgram (a centre word's n-grams are its own).
void test_update_window_is_fasttexts_step_reordered() {
  std::string s;
  std::mt19937 rng(9);
  for (int i = 0; i < 400; ++i) {
    std::vector<int> ws(40);
    for (int j = 0; j < 40; ++j) ws[j] = j;
    std::shuffle(ws.begin(), ws.end(), rng);
    for (int j = 0; j < 7; ++j) s += "word" + std::to_string(ws[j]) + " ";
    s += "\n";
  }
  std::string p = write_file("distinct.txt", s);
  for (ModelName m : {ModelName::kSkipgram, ModelName::kCbow}) {
    Args a = small(m, LossName::kNs);
    a.thread = 1;
    a.seed = 4;
    a.ws = 3;
    a.t = 1.0;  // no subsampling: every window has its words
    if (m == ModelName::kCbow) {
      a.minn = 0;
      a.maxn = 0;
    } else {
      a.bucket = 2000000;
    }
    const UpdateGap g = window_vs_fasttext(a, p, m == ModelName::kCbow ? "cbow" : "skipgram");
    // Rounding apart grows a little over 2 epochs; another seed is 4 orders of magnitude away.
    CHECK(g.input < 1e-3f * g.seed && g.output < 1e-3f * g.seed);
    CHECK(g.seed > 0.1f);
  }
}

// sent2vec's update="window" (each sentence's rows read and written once, each target's context
// the sentence's sum less what it leaves out) is sent2vec's step up to float rounding with one
// thread: the same draws, and exact bookkeeping of rows a sentence uses more than once. The
// corpus repeats words within lines and a tiny bucket makes n-grams share rows, so every
// multiplicity case is hit; subsampling and dropout are on; every loss.
void test_sent2vec_window_is_sent2vecs_step() {
  std::string s;
  std::mt19937 rng(11);
  for (int i = 0; i < 300; ++i) {
    const int n = 1 + static_cast<int>(rng() % 14);
    for (int j = 0; j < n; ++j) s += "w" + std::to_string(rng() % 12) + " ";
    if (i % 7 == 0) s += "unseen" + std::to_string(i) + " ";  // a gap no n-gram spans
    s += "\n";
  }
  std::string p = write_file("s2v_window.txt", s);
  for (LossName loss : {LossName::kNs, LossName::kHs, LossName::kSoftmax}) {
    Args a = Args::defaults_for(ModelName::kSent2vec);
    a.loss = loss;
    a.dim = 8;
    a.epoch = 3;
    a.bucket = 7;
    a.word_ngrams = 3;
    a.dropout_k = 2;
    a.min_count = 2;
    a.min_count_label = 3;
    a.t = 0.05;
    a.neg = 3;
    a.thread = 1;
    a.seed = 3;
    a.verbose = 0;
    const std::string what = std::string("sent2vec ") + loss_name_str(loss);
    const UpdateGap g = window_vs_fasttext(a, p, what.c_str());
    // About 5e-6 against 0.8: rounding. Counting S's change once too often gives 4e-4.
    CHECK(g.input < 1e-4f * g.seed && g.output < 1e-4f * g.seed);
    CHECK(g.seed > 0.01f);
  }
}

// The negative table's shuffle draws its swap partners ahead to prefetch them: the table must
// be exactly the plain Fisher-Yates one (models trained with a seed depend on it).
// update="local": a thread steps on its copy of the output matrix exactly as fastText's step
// on the shared one, leaves the shared matrix alone until the kLocalMerge-th example, then
// merges its change into it and continues from the merged values.
void test_update_local_merges_every_k_examples() {
  for (LossName loss : {LossName::kSoftmax, LossName::kOva}) {
    Args a = Args::defaults_for(ModelName::kSupervised);
    a.loss = loss;
    const int64_t classes = 7, dim = 13;
    const std::vector<int64_t> counts(static_cast<size_t>(classes), 5);
    std::mt19937 gen(3);
    std::uniform_real_distribution<float> u(-0.5f, 0.5f);
    DenseMatrix shared(classes, dim), plain(classes, dim);
    for (int64_t i = 0; i < classes * dim; ++i) plain.data_mut()[i] = shared.data_mut()[i] = u(gen);
    const std::vector<float> start(shared.data(), shared.data() + classes * dim);
    OutputLayer local_layer(a, counts, &shared), plain_layer(a, counts, &plain);
    StepScratch ls, ps;
    for (StepScratch* s : {&ls, &ps}) {
      s->hidden.resize(dim);
      s->grad.assign(dim, 0.f);
    }
    local_layer.start_local(ls);
    auto matrix_is = [&](const float* m, const float* want) {
      return std::memcmp(m, want, static_cast<size_t>(classes * dim) * 4) == 0;
    };
    for (int32_t e = 1; e <= 2 * OutputLayer::kLocalMerge + 3; ++e) {
      for (int64_t j = 0; j < dim; ++j) ls.hidden[j] = ps.hidden[j] = u(gen);
      const int32_t target = static_cast<int32_t>(gen() % classes);
      const float l1 = local_layer.step(&target, 1, 0, 0.1f, ls);
      const float l2 = plain_layer.step(&target, 1, 0, 0.1f, ps);
      if (e <= OutputLayer::kLocalMerge) CHECK(l1 == l2 && ls.grad == ps.grad);
      CHECK(std::fabs(l1 - l2) < 1e-4f);
      if (e < OutputLayer::kLocalMerge) {
        CHECK(matrix_is(shared.data(), start.data()));      // not merged yet
        CHECK(matrix_is(ls.local_out.data(), plain.data()));  // fastText's step, bit for bit
      }
      if (e == OutputLayer::kLocalMerge) {
        // start + (local - start): equal to the plain run up to rounding, local = shared.
        float worst = 0.f;
        for (int64_t i = 0; i < classes * dim; ++i)
          worst = std::max(worst, std::fabs(shared.data()[i] - plain.data()[i]));
        CHECK(worst < 1e-6f);
        CHECK(matrix_is(ls.local_out.data(), shared.data()));
      }
    }
    local_layer.merge_local(ls);  // the end of a run
    CHECK(matrix_is(ls.local_out.data(), shared.data()) && ls.since_merge == 0);
    float worst = 0.f;
    for (int64_t i = 0; i < classes * dim; ++i)
      worst = std::max(worst, std::fabs(shared.data()[i] - plain.data()[i]));
    CHECK(worst < 1e-5f);
  }
}

void test_negative_table_is_plain_fisher_yates() {
  for (size_t classes : {size_t{1}, size_t{3}, size_t{40}, size_t{12000}}) {
    std::vector<int64_t> counts;
    for (size_t i = 0; i < classes; ++i) counts.push_back(static_cast<int64_t>(1 + (i * 7919) % 1000));
    const uint64_t seed = 17;
    NegativeTable t(counts, seed);
    // The same table built and shuffled the textbook way.
    double z = 0;
    for (int64_t c : counts) z += std::sqrt(static_cast<double>(c));
    const size_t size = std::min(NegativeTable::kMaxSize, std::max<size_t>(1, counts.size() * 1000));
    std::vector<int32_t> ref;
    for (size_t i = 0; i < counts.size(); ++i) {
      const size_t n = static_cast<size_t>(std::sqrt(static_cast<double>(counts[i])) * static_cast<double>(size) / z);
      for (size_t j = 0; j < n; ++j) ref.push_back(static_cast<int32_t>(i));
    }
    Rng rng(seed ^ 0x6e65675f7461626cull);
    for (size_t i = ref.size() - 1; i > 0; --i) std::swap(ref[i], ref[(rng.next() >> 11) % (i + 1)]);
    CHECK(t.size() == ref.size());
    bool same = t.size() == ref.size();
    for (size_t i = 0; same && i < ref.size(); ++i) same = t.at(i) == ref[i];
    CHECK(same);
  }
}

void test_hostile_corpora() {
  std::string s;
  std::mt19937 rng(4);
  for (int i = 0; i < 300; ++i) {
    for (int j = 0; j < 6; ++j) {
      int n = 1 + rng() % 5;
      for (int k = 0; k < n; ++k) s += static_cast<char>(0x80 + rng() % 128);
      s += ' ';
    }
    s += "ok \xff\xfe caf\xc3\n";
  }
  // a 6 MB last line without any newline, and NUL bytes
  std::string big(6 << 20, 'x');
  for (size_t i = 0; i < big.size(); i += 7) big[i] = (i % 3) ? ' ' : '\0';
  s += big;
  std::string p = write_file("hostile.txt", s);
  Args a = small(ModelName::kSkipgram, LossName::kNs);
  a.epoch = 1;
  auto m = train(a, p);
  CHECK(finite(*m->input.dense()));
  CHECK(m->dict.get_id("ok") >= 0);
}

void test_poll_stop_and_abort() {
  std::string unsup = write_file("p.txt", make_corpus(false, 2000, 5));
  Args a = small(ModelName::kSkipgram, LossName::kNs);
  a.epoch = 100000;
  TrainOptions o;
  o.poll_interval = 0.01;
  int calls = 0;
  o.poll = [&](const TrainStatus& s) {
    ++calls;
    CHECK(s.progress >= 0 && s.progress <= 1);
    return false;
  };
  auto m = train(a, unsup, o);
  CHECK(calls == 1 && m != nullptr);
  o.poll = [](const TrainStatus&) -> bool { throw Cancelled(); };
  CHECK(throws<Cancelled>([&] { train(a, unsup, o); }));
}

void test_errors() {
  Args a = small(ModelName::kSkipgram, LossName::kNs);
  CHECK(throws<IoError>([&] { train(a, dir + "/missing.txt"); }));
  CHECK(throws<IoError>([&] { train(a, dir); }));
  CHECK(throws<ArgError>([&] { train(a, write_file("empty.txt", "")); }));
  std::string unsup = write_file("e.txt", make_corpus(false, 50, 6));
  Args sup = small(ModelName::kSupervised, LossName::kSoftmax);
  CHECK(throws<ArgError>([&] { train(sup, unsup); }));
  Args many = a;
  many.min_count = 1000000;
  CHECK(throws<ArgError>([&] { train(many, unsup); }));
  Args bad = a;
  bad.loss = LossName::kOva;
  CHECK(throws<ArgError>([&] { train(bad, unsup); }));
  bad = a;
  bad.dim = 0;
  CHECK(throws<ArgError>([&] { train(bad, unsup); }));
  bad = a;
  bad.pretrained_vectors = write_file("bad.vec", "not a vec\n");
  CHECK(throws<FormatError>([&] { train(bad, unsup); }));
  bad.pretrained_vectors = write_file("dim.vec", "1 3\ncat 1 2 3 \n");
  CHECK(throws<ArgError>([&] { train(bad, unsup); }));
}

void test_nan() {
  std::string sup = write_file("nan.txt", make_corpus(true, 400, 7));
  Args a = small(ModelName::kSupervised, LossName::kOva);
  a.lr = 100;
  a.epoch = 200;
  CHECK(throws<DivergedError>([&] { train(a, sup); }));
}

// HuffmanTree::predict (the left child visited at once, failing right children not pushed)
// finds what fastText's plain search finds, in the same order: random trees (balanced, skewed,
// deeper than predict's fixed stack), hidden vectors at several scales so that p > 1 - 1e-5
// occurs (the bound is inexact then), thresholds, k from 1 to "all", and a NaN hidden vector.
void test_hs_predict_is_the_plain_search() {
  std::mt19937 gen(11);
  const simd::Kernels& kern = simd::active();
  int max_depth = 0;
  for (int trial = 0; trial < 40; ++trial) {
    const int32_t n = trial < 4 ? 300 : 2 + static_cast<int32_t>(gen() % 900);
    std::vector<int64_t> counts(n);
    for (int32_t i = 0; i < n; ++i) {
      // Trials 0-3: counts that double (a path 40 levels deep, then 2^40 each: sums overflow
      // nothing) or zeros (deeper still).
      counts[i] = trial < 2 ? (int64_t{1} << std::min<int32_t>(40, n - 1 - i))
                  : trial < 4 ? (i < 10 ? 5 : 0)
                  : trial == 4 ? std::numeric_limits<int64_t>::max() - i  // sums saturate
                              : 1 + static_cast<int64_t>(gen() % (trial % 3 == 0 ? 4 : 100000));
    }
    std::sort(counts.rbegin(), counts.rend());
    const HuffmanTree tree(counts);
    const auto& nodes = tree.nodes();
    for (int32_t i = 0; i < n; ++i) {
      int d = 0;
      for (int32_t v = i; nodes[v].parent != -1; v = nodes[v].parent) ++d;
      max_depth = std::max(max_depth, d);
    }
    const int64_t dim = 1 + static_cast<int64_t>(gen() % 40);
    DenseMatrix w(n - 1 > 0 ? n - 1 : 1, dim);
    const float scale = trial % 4 == 0 ? 8.f : trial % 4 == 1 ? 0.05f : 1.f;
    std::normal_distribution<float> nd(0.f, scale);
    for (int64_t i = 0; i < w.rows() * dim; ++i) w.data_mut()[i] = nd(gen);
    const AnyMatrix out(std::move(w));
    std::vector<float> h(dim);
    for (int rep = 0; rep < 8; ++rep) {
      for (float& x : h) x = nd(gen);
      if (trial == 5 && rep == 0) h[0] = NAN;
      for (int32_t k : {1, 2, 5, 40, n}) {
        for (float threshold : {0.f, 1e-4f, 0.02f}) {
          ScoreHeap fast, plain;
          tree.predict(out, h.data(), k, threshold, kern, fast);
          tree.predict_reference(out, h.data(), k, threshold, kern, plain);
          sort_top_k(fast);
          sort_top_k(plain);
          bool same = fast.size() == plain.size();
          for (size_t i = 0; same && i < fast.size(); ++i) {
            same = fast[i].second == plain[i].second &&
                   (fast[i].first == plain[i].first ||
                    (std::isnan(fast[i].first) && std::isnan(plain[i].first)));
          }
          CHECK(same);
        }
      }
    }
  }
  CHECK(max_depth > 130);  // the zero counts made a path deeper than predict's fixed stack
}

}  // namespace

// A C++ caller gets the defaults the Python API uses (both read the option table).
void test_defaults_for() {
  const Args sup = Args::defaults_for(ModelName::kSupervised);
  CHECK(sup.lr == 0.1 && sup.min_count == 1 && sup.minn == 0 && sup.maxn == 0);
  CHECK(sup.loss == LossName::kSoftmax && sup.model == ModelName::kSupervised);
  const Args s2v = Args::defaults_for(ModelName::kSent2vec);
  CHECK(s2v.lr == 0.2 && s2v.word_ngrams == 2 && s2v.neg == 10 && s2v.dropout_k == 2);
  CHECK(s2v.scheme == NgramScheme::kSentvec && s2v.maxn == 0);
  const Args sg = Args::defaults_for(ModelName::kSkipgram);
  CHECK(sg.lr == 0.05 && sg.minn == 3 && sg.maxn == 6 && sg.thread == default_threads());
  CHECK(throws<ArgError>([] { Args::from_options(ModelName::kSkipgram, {{"dropoutK", int64_t{1}}}); }));
  CHECK(throws<ArgError>([] { Args::from_options(ModelName::kSent2vec, {{"minCountTarget", int64_t{1}}, {"minCountLabel", int64_t{2}}}); }));
  const Args a = Args::from_options(ModelName::kSent2vec, {{"min_count_target", int64_t{3}}, {"lr", 0.5}});
  CHECK(a.min_count_label == 3 && a.lr == 0.5 && a.model == ModelName::kSent2vec);
}

int main() {
  char tmpl[] = "/tmp/sentvec-train-XXXXXX";
  if (!mkdtemp(tmpl)) return 2;
  dir = tmpl;
  test_defaults_for();
  test_pruning();
  test_every_model_and_loss();
  test_determinism();
  test_compact_rows_change_nothing();
  test_update_window_is_fasttexts_step_reordered();
  test_sent2vec_window_is_sent2vecs_step();
  test_negative_table_is_plain_fisher_yates();
  test_parallel_count_is_one_pass();
  test_update_local_merges_every_k_examples();
  test_hostile_corpora();
  test_poll_stop_and_abort();
  test_errors();
  test_nan();
  test_hs_predict_is_the_plain_search();
  std::string cmd = "rm -rf '" + dir + "'";
  if (std::system(cmd.c_str()) != 0) std::fprintf(stderr, "could not remove %s\n", dir.c_str());
  std::printf("test_train: %s (%d failures)\n", failures ? "FAILED" : "OK", failures);
  return failures ? 1 : 0;
}
