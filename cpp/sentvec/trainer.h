// Hogwild training: the threads, the learning-rate schedule, progress and cancellation.
// train() builds the model here; the threads and their watcher (polling, validation after each
// epoch, checkpoints) are in train_loop.cpp, the checkpoint files in checkpoint.cpp.
//
// How a model kind plugs in: a LineStep turns one line of the corpus into gradient steps
// through Worker::update (or the OutputLayer directly). The steps of cbow, skipgram and
// supervised live in fasttext_steps.cpp, sent2vec's in sent2vec_step.cpp; trainer.cpp picks one
// with a switch on the model name.
#pragma once
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "args.h"
#include "corpus.h"
#include "dictionary.h"
#include "dictionary_build.h"
#include "errors.h"
#include "loss.h"
#include "matrix.h"
#include "model.h"
#include "rng.h"
#include "validation.h"

namespace sentvec {

/// Progress shared by the training threads and the thread that watches them.
struct TrainProgress {
  std::atomic<int64_t> tokens{0};  ///< tokens processed by all threads (drives the lr)
  std::atomic<bool> stop{false};   ///< set to make every thread return after its line
  int64_t total = 1;               ///< epoch * ntokens: training ends when tokens reach it
  double lr0 = 0.05;
  /// Linear decay: lr0 * (1 - tokens / total), never below 0.
  float lr() const {
    const double p = static_cast<double>(tokens.load(std::memory_order_relaxed)) / total;
    return static_cast<float>(lr0 * (p < 1.0 ? 1.0 - p : 0.0));
  }
  double fraction() const {
    const double p = static_cast<double>(tokens.load(std::memory_order_relaxed)) / total;
    return p < 1.0 ? p : 1.0;
  }
};

/// Each word's input rows while skipgram or cbow trains on a compact matrix: its own row, then
/// its char n-gram rows renumbered (see train() in trainer.cpp).
struct WordRows {
  std::vector<int64_t> start;  ///< nwords + 1 offsets into rows
  std::vector<int32_t> rows;
  const int32_t* of(int32_t w) const { return rows.data() + start[w]; }
  size_t count(int32_t w) const { return static_cast<size_t>(start[w + 1] - start[w]); }
};

/// Everything the threads share. Matrices are written without locks (Hogwild).
struct TrainContext {
  const Args& args;
  const Dictionary& dict;
  DenseMatrix& input;             ///< (nwords + bucket) x dim, uniform(-1/dim, 1/dim) at start
  DenseMatrix& output;            ///< classes x dim, zeros at start
  const OutputLayer& layer;       ///< loss, negative table, Huffman paths, math tables
  const std::vector<float>& keep_prob;  ///< subsampling keep probability per dictionary id
  TrainProgress& progress;
  /// Not null when `input` is the compact matrix of skipgram or cbow: the words' rows in it.
  const WordRows* word_rows = nullptr;
};

/// A training thread's own state: RNG seeded with seed + thread id, scratch vectors and the
/// running loss. Steps call `update` for every example.
class Worker {
 public:
  Worker(const TrainContext& ctx, int32_t thread_id);

  /// One example: hidden = mean of the input rows `in[0..n)`; the output layer steps on
  /// `targets` (see OutputLayer::step); the hidden gradient (divided by n when `divide_grad`,
  /// as fastText does for supervised models) is added to every input row, duplicates too.
  /// Does nothing when n == 0.
  void update(const int32_t* in, size_t n, const int32_t* targets, int32_t ntargets,
              int32_t target_index, float lr, bool divide_grad);

  /// Subsampling: true when word `id` is kept (always for labels).
  bool keep(int32_t id) { return s.rng.uniform() <= ctx.keep_prob[id]; }
  /// True once training should end (Ctrl-C, a callback, an error on another thread). Steps
  /// check it between the pieces of a long line, so stopping never waits for a whole line
  /// (a 4 MB piece of one sent2vec line trains for tens of seconds).
  bool stopping() const { return ctx.progress.stop.load(std::memory_order_relaxed); }
  /// Mean loss of this thread's examples so far.
  double mean_loss() const { return examples ? loss_sum / examples : 0.0; }

  const TrainContext& ctx;
  const int32_t thread_id;
  StepScratch s;           ///< hidden, grad, rng (s.rng), negative cursor
  double loss_sum = 0.0;
  int64_t examples = 0;
};

/// What a model kind does with one line of the corpus.
class LineStep {
 public:
  virtual ~LineStep() = default;
  /// Trains on one raw line (it ends with '\n' unless it is the file's last) at rate `lr`.
  /// Returns the tokens it counts toward progress (fastText: in-vocabulary tokens for
  /// unsupervised models, every token for supervised ones).
  virtual int64_t process(std::string_view line, float lr, Worker& w) = 0;
  /// Trains what `process` has read but left for later (sent2vec's update="window" trains each
  /// line one line late). Called when the thread's run ends and before it parks for a
  /// checkpoint.
  virtual void finish(Worker& /*w*/) {}
};

using StepFactory =
    std::function<std::unique_ptr<LineStep>(const TrainContext& ctx, int32_t thread_id)>;

/// The built-in steps: cbow, skipgram and supervised (fasttext_steps.cpp).
std::unique_ptr<LineStep> make_fasttext_step(const TrainContext& ctx, int32_t thread_id);

/// A snapshot for progress lines and callbacks.
struct TrainStatus {
  double progress = 0;        ///< in [0, 1]
  double lr = 0;              ///< current learning rate
  double loss = 0;            ///< mean loss of all examples so far
  double words_per_sec_per_thread = 0;
  double eta_seconds = 0;
  double elapsed_seconds = 0;
  int64_t tokens = 0;
  bool finished = false;      ///< the last call, after all threads stopped
  int32_t epoch = 0;          ///< epochs completed (tokens / corpus tokens)
  /// Option 'validation': the figures of the latest epoch scored (0 / NaN before the first,
  /// and without validation). A call follows every epoch's scoring.
  int32_t validation_epoch = 0;
  double validation_precision = std::numeric_limits<double>::quiet_NaN();
  double validation_recall = std::numeric_limits<double>::quiet_NaN();
  double validation_loss = std::numeric_limits<double>::quiet_NaN();
  int32_t best_epoch = 0;     ///< the epoch of the best P@1 so far (0: none)
  int32_t checkpoints = 0;    ///< checkpoints this run has written
};

/// What a run reports besides the model (TrainOptions::report).
struct TrainReport {
  std::vector<EpochFigures> validation;  ///< one per epoch scored, resumed runs included
  int32_t best_epoch = 0;     ///< with earlyStop: the epoch whose model was returned
  bool early_stopped = false;
  int32_t checkpoints = 0;    ///< written by this run
  std::string last_checkpoint;  ///< folder of the newest one written ("" when none)
  std::string resumed_from;   ///< the checkpoint folder a resumed run started from
  int64_t local_merges = 0;   ///< update="local": merges into the shared output matrix (0: not used)
  int64_t examples = 0;       ///< examples trained by all threads (resumed: earlier ones too)
};

/// How `train` reports and is stopped.
struct TrainOptions {
  /// Called on the calling thread about every `poll_interval` seconds while the threads run,
  /// right after each epoch's validation scoring (option 'validation'), and once at the end
  /// (finished = true). Return false to stop training early (the model
  /// trained so far is returned); throw to abort (threads are stopped and joined first, then
  /// the exception propagates).
  std::function<bool(const TrainStatus&)> poll;
  double poll_interval = 0.1;
  /// Where verbose >= 1 prints the dictionary summary and verbose >= 2 the progress line
  /// (at most once per poll); nullptr prints nothing.
  std::FILE* log = stderr;
  VocabOptions vocab;
  /// Called about every 0.1 s before the threads start (while counting the vocabulary); may
  /// throw to abort (the bindings check for Ctrl-C here).
  std::function<void()> interrupt_check;
  /// Filled at the end when not null.
  TrainReport* report = nullptr;
  /// skipgram and cbow train on a compact copy of the input matrix (the words' rows and only
  /// the n-gram rows the vocabulary uses, in order of use) unless this is false (tests compare
  /// both: the models are bit for bit the same).
  bool compact_rows = true;
};

/// Trains a model on the text file `input` with `args` (validated here) and returns it
/// ready to use and to save. Errors that can be known early (options, missing/empty corpus,
/// no label, minCount, bad pretrained vectors) are thrown before any thread starts.
std::shared_ptr<Model> train(Args args, const CorpusSource& input, const TrainOptions& opts = {});

/// How continue_training treats the vocabulary of the new text.
struct ContinueOptions {
  /// Append words (labels) of the new text that reach minCount (minCountLabel) there; false:
  /// tokens the model does not know are ignored, as out-of-vocabulary tokens always are.
  bool grow_vocab = true;
};

/// The options of a run that trains `init` further: the shape-defining options (model kind,
/// dim, minn, maxn, bucket, wordNgrams, scheme, loss, label) are `init`'s; every other option
/// is `given` over the kind's defaults, as for a new model. Throws ArgError naming the option
/// and both values when `given` sets a shape option to another value than `init` has, or
/// when `supervised` (train_supervised) does not match `init`'s kind.
Args continued_args(const Model& init, bool supervised, const OptionList& given);

/// A new model: `init` (never modified; it may be mapped) trained further on `input` with
/// `args` (from continued_args). Its dictionary is extend_dictionary's (old ids kept, counts
/// added, new words/labels appended unless !grow_vocab); its input matrix holds `init`'s word
/// rows, then the new words' rows initialised as a new model's, then `init`'s n-gram rows
/// (which move down by the number of new words); its output matrix `init`'s rows then zeros.
/// The matrices are copied from `init` row block by row block (from the page cache when it is
/// mapped), so the process holds one copy besides `init`'s own. The lr schedule runs over
/// epoch passes of `input`'s tokens. Quantized models cannot be trained (ArgError).
std::shared_ptr<Model> continue_training(const Model& init, Args args, const CorpusSource& input,
                                         const ContinueOptions& copts = {},
                                         const TrainOptions& opts = {});

/// Trains an existing dense model further on `input` (its dictionary and matrices as they
/// are, e.g. pruned by quantize) for `epoch` epochs from rate `lr`; the model's stored
/// options are left as they were.
void retrain(Model& m, const CorpusSource& input, int32_t epoch, double lr, int32_t thread,
             int32_t verbose, const TrainOptions& opts = {});

}  // namespace sentvec
