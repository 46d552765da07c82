#include "trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <system_error>
#include <thread>
#include <unordered_set>

#include "continue_train.h"
#include "errors.h"
#include "fasttext_io.h"
#include "line_reader.h"
#include "memory_guard.h"
#include "parallel.h"
#include "train_loop.h"

namespace sentvec {

Worker::Worker(const TrainContext& c, int32_t id) : ctx(c), thread_id(id) {
  const int64_t d = c.input.cols();
  s.hidden.assign(d, 0.f);
  s.grad.assign(d, 0.f);
  // fastText seeds each thread's generator with thread id + seed.
  s.rng.reseed(c.args.seed + static_cast<uint64_t>(id));
  const size_t nt = c.layer.negatives().size();
  s.neg_pos = nt ? static_cast<size_t>(s.rng.next() % nt) : 0;
}

void Worker::update(const int32_t* in, size_t n, const int32_t* targets, int32_t ntargets,
                    int32_t target_index, float lr, bool divide_grad) {
  if (n == 0) return;
  const int64_t d = static_cast<int64_t>(s.hidden.size());
  float* g = s.grad.data();
  // The same averaging kernel as inference (rows fetched a few ahead inside).
  s.kern->mean_rows(ctx.input.data(), d, in, n, s.hidden.data());
  std::fill(g, g + d, 0.f);
  loss_sum += ctx.layer.step(targets, ntargets, target_index, lr, s);
  ++examples;
  if (divide_grad) {
    const float inv = 1.f / static_cast<float>(n);
    for (int64_t j = 0; j < d; ++j) g[j] *= inv;
  }
  s.kern->add_to_rows(ctx.input.data_mut(), d, in, n, g);
}

namespace {

// Row `row` of a matrix initialised from `seed`: Uniform(-1/dim, 1/dim) from a counter-based
// generator keyed by (seed, row) (wyrand: draw j mixes key + (j + 1) * c with one 64x64->128-bit
// multiply), so any row can be made alone, in any order, by any thread: the compact training
// copy makes its rows first and the rest of the matrix is filled beside training. (fastText
// leaves part of the matrix zero with fewer than 10 threads; every row is initialised here.)
inline uint64_t wy_draw(uint64_t x) {
  const unsigned __int128 t = static_cast<unsigned __int128>(x) * (x ^ 0xe7037ed1a0b428dbull);
  return static_cast<uint64_t>(t >> 64) ^ static_cast<uint64_t>(t);
}

void init_row(float* x, int64_t d, uint64_t seed, int64_t row) {
  const float bound = 1.f / static_cast<float>(d);
  const float scale = 2.f * bound / 16777216.f;
  const uint64_t key = mix64(mix64(seed * 0x9e3779b97f4a7c15ull + 0x696e6974ull) +
                             static_cast<uint64_t>(row));
  constexpr uint64_t kStep = 0xa0761d6478bd642full;
  // Two 24-bit uniforms per 64-bit draw; the draws are independent, so they pipeline.
  int64_t j = 0;
  uint64_t c = key;
  for (; j + 2 <= d; j += 2) {
    c += kStep;
    const uint64_t r = wy_draw(c);
    x[j] = static_cast<float>(static_cast<int32_t>(r >> 40)) * scale - bound;
    x[j + 1] = static_cast<float>(static_cast<int32_t>((r >> 16) & 0xFFFFFF)) * scale - bound;
  }
  if (j < d) x[j] = static_cast<float>(static_cast<int32_t>(wy_draw(c + kStep) >> 40)) * scale - bound;
}

// initBuckets=used: the bucket rows no vocabulary word lists among its subwords, in a model
// whose only hashed rows are char n-grams (with word n-grams any row may be reached). Training
// never reads or writes them; they stay zero.
struct UnusedRows {
  int64_t first = 0;         ///< the first bucket row (nwords)
  std::vector<char> unused;  ///< per bucket row
  bool skips(int64_t row) const { return row >= first && unused[static_cast<size_t>(row - first)]; }
};

UnusedRows unused_rows(const Dictionary& dict, int64_t full_rows) {
  UnusedRows u;
  u.first = dict.nwords();
  u.unused.assign(static_cast<size_t>(full_rows - u.first), 1);
  for (int32_t w = 0; w < dict.nwords(); ++w)
    for (int32_t r : dict.entry(w).subwords)
      if (r >= u.first) u.unused[static_cast<size_t>(r - u.first)] = 0;
  return u;
}

bool wants_used_only(const Args& a) {
  return a.init_buckets == "used" && a.model != ModelName::kSent2vec && a.word_ngrams <= 1 &&
         a.bucket > 0 && a.maxn > 0;
}

// Full-matrix row `row`'s starting values into x: zero past `zero_from` (initBuckets=zero; -1:
// none), else init_row.
void start_row(float* x, int64_t d, uint64_t seed, int64_t row, int64_t zero_from) {
  if (zero_from >= 0 && row >= zero_from) std::fill_n(x, d, 0.f);
  else init_row(x, d, seed, row);
}

// Rows [row0, row1) of `m` (row1 < 0: to the end) by init_row; rows past `nwords` are zero with
// initBuckets=zero. With `unused` (initBuckets=used), the bucket rows it marks (row - its
// first row) are not written: `m` was allocated zeroed, and their pages are never touched.
// Every core helps unless `threads` is 1 (the values depend on the row only).
void init_rows(DenseMatrix& m, uint64_t seed, int64_t row0 = 0, int64_t row1 = -1,
               int64_t zero_from = -1, int32_t threads = 0, const UnusedRows* unused = nullptr) {
  const int64_t rows = row1 < 0 ? m.rows() : row1, d = m.cols();
  if (rows <= row0 || d == 0) return;
  constexpr int64_t kBlock = 1024;
  const int64_t nblocks = (rows - row0 + kBlock - 1) / kBlock;
  parallel_for(nblocks, threads == 1 ? 1 : pick_threads(nblocks, 0, 4), [&](int64_t b) {
    const int64_t r1 = std::min(rows, row0 + (b + 1) * kBlock);
    for (int64_t r = row0 + b * kBlock; r < r1; ++r)
      if (!unused || !unused->skips(r)) start_row(m.row_mut(r), d, seed, r, zero_from);
  }, 1);
}

// skipgram and cbow touch only the words' rows and the n-gram rows of the vocabulary (about
// one bucket in ten of 2M): training on a copy that holds just those, numbered in order of first
// use by the most frequent words, spreads the hot rows over ~10x fewer pages (fewer TLB and
// cache misses; 1.35x faster epochs on en.txt). The copy starts from the full matrix's values
// and is copied back at the end, so the model is bit for bit what training the full matrix
// gives.
struct CompactLayout {
  WordRows rows;
  std::vector<int32_t> source;  ///< full-matrix row of every compact row past the words
  DenseMatrix matrix;
};

bool wants_compact(const Args& a, const TrainOptions& opts) {
  return opts.compact_rows && (a.model == ModelName::kSkipgram || a.model == ModelName::kCbow) &&
         a.bucket > 0 && a.maxn > 0 && a.checkpoint.empty() && a.validation.empty();
}

// The layout of the compact copy, its rows initialised as the full matrix's rows they stand for
// (init_row keyed by the full row), so no full-matrix row has to exist before training.
CompactLayout compact_layout(const Dictionary& dict, int64_t full_rows, int64_t d, uint64_t seed,
                             int64_t zero_from) {
  CompactLayout c;
  const int32_t nw = dict.nwords();
  std::vector<int32_t> renumber(static_cast<size_t>(full_rows - nw), -1);
  c.rows.start.reserve(static_cast<size_t>(nw) + 1);
  c.rows.start.push_back(0);
  for (int32_t w = 0; w < nw; ++w) {
    for (int32_t r : dict.entry(w).subwords) {
      if (r < nw) {
        c.rows.rows.push_back(r);
        continue;
      }
      int32_t& k = renumber[static_cast<size_t>(r - nw)];
      if (k < 0) {
        k = nw + static_cast<int32_t>(c.source.size());
        c.source.push_back(r);
      }
      c.rows.rows.push_back(k);
    }
    c.rows.start.push_back(static_cast<int64_t>(c.rows.rows.size()));
  }
  const int64_t n = nw + static_cast<int64_t>(c.source.size());
  check_memory(n * d * 4, "the compact training copy of the input matrix",
               "lower option 'bucket' or 'dim'");
  c.matrix = DenseMatrix(n, d, DenseMatrix::Uninitialized{});
  parallel_for(n, pick_threads(n, 0, 1024), [&](int64_t k) {
    const int64_t r = k < nw ? k : c.source[static_cast<size_t>(k - nw)];
    start_row(c.matrix.row_mut(k), d, seed, r, zero_from);
  }, 256);
  return c;
}

// Runs `fn` on a thread of its own until join() (or destruction); inline when no thread can be
// started.
class Beside {
 public:
  template <class F>
  explicit Beside(F fn) {
    try {
      t_ = std::thread(std::move(fn));
    } catch (const std::system_error&) {
      fn();
    }
  }
  ~Beside() { join(); }
  void join() {
    if (t_.joinable()) t_.join();
  }
  Beside(const Beside&) = delete;
  Beside& operator=(const Beside&) = delete;

 private:
  std::thread t_;
};

// The copy's rows back into the full matrix; with initBuckets=used most of the pages they
// land on are still untouched zero pages, so every core helps take their faults.
void copy_back(const CompactLayout& c, int32_t nw, DenseMatrix& full) {
  const int64_t d = full.cols();
  const int64_t n = nw + static_cast<int64_t>(c.source.size());
  constexpr int64_t kBlock = 4096;
  const int64_t nblocks = (n + kBlock - 1) / kBlock;
  parallel_for(nblocks, pick_threads(nblocks, 0, 4), [&](int64_t b) {
    for (int64_t k = b * kBlock, k1 = std::min(n, k + kBlock); k < k1; ++k) {
      const int64_t to = k < nw ? k : c.source[static_cast<size_t>(k - nw)];
      std::copy_n(c.matrix.row(k), d, full.row_mut(to));
    }
  }, 1);
}

// initBuckets=used: writes a zero into the first value of every full-matrix row the copy will
// come back to, taking those pages' faults (most of the matrix's pages: a used row every ~10
// rows) while training runs, when a core is left over for it.
void touch_rows(const CompactLayout& c, int32_t nw, DenseMatrix& full) {
  const int64_t d = full.cols(), page = 4096 / 4;
  for (int64_t k = 0; k < static_cast<int64_t>(nw) * d; k += page) full.data_mut()[k] = 0.f;
  for (int32_t r : c.source) full.row_mut(r)[0] = 0.f;
}

}  // namespace

std::shared_ptr<Model> train(Args args, const CorpusSource& input, const TrainOptions& opts) {
  args.validate();
  if (!args.resume.empty()) return resume_training(args, input, opts);  // train_loop.cpp
  check_run_options(args);  // validation file, checkpoint folder: before the long count
  if (!args.autotune_validation_file.empty())
    throw ArgError("option 'autotuneValidationFile': autotuning runs through autotune() "
                   "(autotune.h), which trains many models; train() trains one");
  // fastText: without char n-grams and word n-grams there are no hashed rows at all.
  if (args.word_ngrams <= 1 && args.maxn == 0 && args.model != ModelName::kSent2vec)
    args.bucket = 0;
  StepFactory factory = step_factory_for(args);
  std::FILE* log = args.verbose > 0 ? opts.log : nullptr;

  // Pretrained vectors are read (and checked) before the corpus is counted.
  VecFile pre;
  std::vector<std::string> extra;
  VocabOptions vopts = opts.vocab;
  if (opts.interrupt_check && !vopts.check) vopts.check = opts.interrupt_check;
  vopts.threads = args.thread;  // the counting pass too
  if (!args.pretrained_vectors.empty()) {
    pre = read_vec(args.pretrained_vectors);
    if (pre.dim != args.dim)
      throw ArgError("option 'pretrainedVectors': " + args.pretrained_vectors + " has vectors of dim " +
                     std::to_string(pre.dim) + " but option 'dim' is " + std::to_string(args.dim) +
                     " (they must be equal)");
    extra = pre.words;
    vopts.extra_words = &extra;
  }

  VocabStats stats;
  auto model = std::make_shared<Model>();
  model->args = args;
  model->version = 12;
  model->has_sentvec_trailer = true;
  model->dict = build_dictionary(args, input, &stats, vopts);
  const Dictionary& dict = model->dict;
  if (log) {
    std::fprintf(log, "Read %lldM words\nNumber of words:  %d\nNumber of labels: %d\n",
                 static_cast<long long>(dict.ntokens() / 1000000), dict.nwords(), dict.nlabels());
    std::fflush(log);
  }

  const int64_t in_rows = static_cast<int64_t>(dict.nwords()) + args.bucket;
  const int64_t out_rows = args.supervised() ? dict.nlabels() : dict.nwords();
  check_memory((in_rows + out_rows) * static_cast<int64_t>(args.dim) * 4,
               "the training matrices (" + std::to_string(in_rows) + " + " +
                   std::to_string(out_rows) + " rows of dim " + std::to_string(args.dim) +
                   "; lower option 'bucket' or 'dim')");
  // Zeroed (DenseMatrix's storage is calloc'ed: a large one is fresh zero pages, not written):
  // with initBuckets=used the rows no word uses are never touched.
  model->input = AnyMatrix(DenseMatrix(in_rows, args.dim));
  model->output = AnyMatrix(DenseMatrix(out_rows, args.dim));
  DenseMatrix& in = *model->input.dense();
  const int64_t zero_from = args.init_buckets == "zero" ? dict.nwords() : -1;
  const bool used_only = wants_used_only(args);
  const bool compact = wants_compact(args, opts);
  // 2 MB pages spare most TLB misses on rows read at random: every output row is trained
  // (negatives, labels); every input row is written here when there is no compact copy
  // (supervised, sent2vec: word n-grams reach every bucket). A fresh huge page's first touch
  // is slow on some VMs (this one: ~3 s for 800 MB), so the input matrix asks for them only
  // when training reads its rows many times over (the whole en-sentences sent2vec run: 62.7 s
  // against 72.6 s without).
  model->output.dense()->advise_huge_pages();
  const double reads_per_row = static_cast<double>(dict.ntokens()) * args.epoch /
                               static_cast<double>(std::max<int64_t>(in_rows, 1));
  if (!compact && !used_only && reads_per_row >= 16) in.advise_huge_pages();
  CompactLayout c;
  if (compact) {
    c = compact_layout(dict, in_rows, args.dim, args.seed, zero_from);
  } else if (used_only) {
    const UnusedRows unused = unused_rows(dict, in_rows);
    init_rows(in, args.seed, 0, -1, zero_from, 0, &unused);
  } else {
    init_rows(in, args.seed, 0, -1, zero_from);
  }
  // The words' rows have the same numbers in the compact copy.
  DenseMatrix& words = compact ? c.matrix : in;
  if (!pre.words.empty()) {
    for (size_t i = 0; i < pre.words.size(); ++i) {
      const int32_t id = dict.get_id(pre.words[i]);
      if (id < 0 || id >= dict.nwords()) continue;
      std::copy_n(pre.data.data() + i * pre.dim, pre.dim, words.row_mut(id));
    }
    pre = VecFile();
  }
  if (!compact) {
    run_training(*model, input, dict.ntokens(), opts, factory, log);
    return model;
  }
  if (used_only) {
    // Every row training uses is in the copy; the full matrix's others stay zero. A thread of
    // its own takes the page faults of the rows coming back (~0.1 s of kernel time on this VM
    // for 2M x 100) while training runs, even when the training threads use every core: it
    // starts while this thread builds the negative table alone, and the faults would otherwise
    // all come after training (2 threads on 2 cores, epoch 1 on 5 MB: skipgram median 1.16 ->
    // 1.03 s, cbow 0.68 -> 0.60 s).
    Beside touch([&] { touch_rows(c, dict.nwords(), in); });
    run_training(*model, input, dict.ntokens(), opts, factory, log, nullptr, nullptr,
                 CompactInput{&c.matrix, &c.rows});
  } else {
    // The full matrix's n-gram rows (the words' rows come back from the copy) are made on one
    // thread beside training: their page faults and draws (~0.3 s for 2M x 100) no longer come
    // before the first step.
    Beside fill([&] { init_rows(in, args.seed, dict.nwords(), -1, zero_from, 1); });
    run_training(*model, input, dict.ntokens(), opts, factory, log, nullptr, nullptr,
                 CompactInput{&c.matrix, &c.rows});
  }
  copy_back(c, dict.nwords(), in);
  return model;
}

void retrain(Model& m, const CorpusSource& input, int32_t epoch, double lr, int32_t thread,
             int32_t verbose, const TrainOptions& opts) {
  if (m.input.quantized() || m.output.quantized())
    throw ArgError("retrain needs dense matrices; the model is already quantized");
  if (m.input.half())
    throw ArgError("retrain needs float32 matrices; the model is stored as float16");
  const Args saved = m.args;
  Args& a = m.args;
  a.epoch = epoch;
  a.lr = lr;
  a.thread = thread;
  a.verbose = verbose;
  a.pretrained_vectors.clear();
  // The run-only options of the model's own training run (checkpoints, validation) are not
  // this run's.
  a.checkpoint.clear();
  a.resume.clear();
  a.validation.clear();
  a.early_stop = 0;
  a.validate();
  StepFactory factory = step_factory_for(a);
  std::FILE* log = a.verbose > 0 ? opts.log : nullptr;
  { LineReader probe(input); }  // a missing corpus fails here, before anything changes
  m.input.dense()->make_owned();
  m.output.dense()->make_owned();
  try {
    run_training(m, input, m.dict.ntokens(), opts, factory, log);
  } catch (...) {
    m.args = saved;
    throw;
  }
  m.args = saved;
}

std::shared_ptr<Model> continue_training(const Model& init, Args args, const CorpusSource& input,
                                         const ContinueOptions& copts, const TrainOptions& opts) {
  args.validate();
  if (!args.resume.empty())
    throw ArgError("option 'resume': a checkpoint holds its model; resume it without init_model");
  check_run_options(args);  // validation file, checkpoint folder: before the long count
  StepFactory factory = step_factory_for(args);
  std::FILE* log = args.verbose > 0 ? opts.log : nullptr;
  VocabOptions vopts = opts.vocab;
  if (opts.interrupt_check && !vopts.check) vopts.check = opts.interrupt_check;
  vopts.threads = args.thread;  // the counting pass too
  VocabStats stats;
  auto model = continued_model(init, args, input, copts.grow_vocab, vopts, &stats,
                               [&](DenseMatrix& m, int64_t r0, int64_t r1) {
                                 // Other seeds than the first rows', so that new words do not
                                 // start as copies of the first words of a new model.
                                 init_rows(m, args.seed ^ 0x636f6e74696e7565ull, r0, r1);
                               });
  if (log) {
    std::fprintf(log, "Read %lldM words\nNumber of words:  %d (%d new)\nNumber of labels: %d (%d new)\n",
                 static_cast<long long>(stats.ntokens / 1000000), model->dict.nwords(),
                 stats.added_words, model->dict.nlabels(), stats.added_labels);
    std::fflush(log);
  }
  run_training(*model, input, stats.ntokens, opts, factory, log);
  return model;
}

}  // namespace sentvec
