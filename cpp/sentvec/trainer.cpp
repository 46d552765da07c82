#include "trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <exception>
#include <mutex>
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

// Uniform(-1/dim, 1/dim) over every row, in blocks seeded from the seed and the block index
// so the result does not depend on the number of threads. (fastText leaves part of the
// matrix zero with fewer than 10 threads; every row is initialised here.)
void init_uniform(DenseMatrix& m, uint64_t seed, int32_t threads, int64_t row0 = 0,
                  int64_t row1 = -1) {
  const int64_t rows = row1 < 0 ? m.rows() : row1, d = m.cols();
  if (rows <= row0 || d == 0) return;
  const float bound = 1.f / static_cast<float>(d);
  constexpr int64_t kBlock = 4096;
  const int64_t nblocks = (rows - row0 + kBlock - 1) / kBlock;
  // Every core helps (the values depend on the block only, not on who computes them).
  (void)threads;
  parallel_for(nblocks, pick_threads(nblocks, 0, 4), [&](int64_t b) {
    const uint64_t key = mix64(seed * 0x9e3779b97f4a7c15ull + static_cast<uint64_t>(b) + 0x696e6974ull);
    // Four independent generators, interleaved: their steps overlap in the pipeline.
    Rng g[4] = {Rng(key), Rng(key + 1), Rng(key + 2), Rng(key + 3)};
    const int64_t i0 = (row0 + b * kBlock) * d, i1 = std::min(rows, row0 + (b + 1) * kBlock) * d;
    float* x = m.data_mut();
    const float scale = 2.f * bound / 16777216.f;
    int64_t i = i0;
    // Two 24-bit uniforms per 64-bit draw.
    for (; i + 8 <= i1; i += 8)
      for (int k = 0; k < 4; ++k) {
        const uint64_t r = g[k].next();
        x[i + 2 * k] = static_cast<float>(r >> 40) * scale - bound;
        x[i + 2 * k + 1] = static_cast<float>((r >> 16) & 0xFFFFFF) * scale - bound;
      }
    for (; i < i1; ++i) x[i] = static_cast<float>(g[0].next() >> 40) * scale - bound;
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

CompactLayout compact_layout(const Dictionary& dict, const DenseMatrix& full) {
  CompactLayout c;
  const int32_t nw = dict.nwords();
  std::vector<int32_t> renumber(static_cast<size_t>(full.rows() - nw), -1);
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
  const int64_t d = full.cols();
  check_memory((nw + static_cast<int64_t>(c.source.size())) * d * 4,
               "the compact training copy of the input matrix", "lower option 'bucket' or 'dim'");
  c.matrix = DenseMatrix(nw + static_cast<int64_t>(c.source.size()), d, DenseMatrix::Uninitialized{});
  if (nw) std::copy_n(full.data(), static_cast<size_t>(nw * d), c.matrix.data_mut());
  for (size_t i = 0; i < c.source.size(); ++i)
    std::copy_n(full.row(c.source[i]), d, c.matrix.row_mut(nw + static_cast<int64_t>(i)));
  return c;
}

void copy_back(const CompactLayout& c, int32_t nw, DenseMatrix& full) {
  const int64_t d = full.cols();
  if (nw) std::copy_n(c.matrix.data(), static_cast<size_t>(nw * d), full.data_mut());
  for (size_t i = 0; i < c.source.size(); ++i)
    std::copy_n(c.matrix.row(nw + static_cast<int64_t>(i)), d, full.row_mut(c.source[i]));
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
  model->input = AnyMatrix(DenseMatrix(in_rows, args.dim, DenseMatrix::Uninitialized{}));
  model->output = AnyMatrix(DenseMatrix(out_rows, args.dim));
  DenseMatrix& in = *model->input.dense();
  init_uniform(in, args.seed, args.thread);
  if (args.init_buckets == "zero")
    for (int64_t r = dict.nwords(); r < in_rows; ++r) std::fill_n(in.row_mut(r), args.dim, 0.f);
  if (!pre.words.empty()) {
    for (size_t i = 0; i < pre.words.size(); ++i) {
      const int32_t id = dict.get_id(pre.words[i]);
      if (id < 0 || id >= dict.nwords()) continue;
      std::copy_n(pre.data.data() + i * pre.dim, pre.dim, in.row_mut(id));
    }
    pre = VecFile();
  }

  CompactLayout c;
  CompactInput compact;
  if (wants_compact(args, opts)) {
    c = compact_layout(dict, in);
    compact = CompactInput{&c.matrix, &c.rows};
  }
  run_training(*model, input, dict.ntokens(), opts, factory, log, nullptr, nullptr, compact);
  if (compact.input) copy_back(c, dict.nwords(), in);
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
  VocabStats stats;
  auto model = continued_model(init, args, input, copts.grow_vocab, vopts, &stats,
                               [&](DenseMatrix& m, int64_t r0, int64_t r1) {
                                 // Other seeds than the first rows', so that new words do not
                                 // start as copies of the first words of a new model.
                                 init_uniform(m, args.seed ^ 0x636f6e74696e7565ull, args.thread, r0, r1);
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
