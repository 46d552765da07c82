#include "train_loop.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>

#include "errors.h"
#include "fasttext_io.h"
#include "line_reader.h"
#include "parallel.h"
#include "sent2vec_step.h"

namespace sentvec {

StepFactory step_factory_for(const Args& a) {
  switch (a.model) {
    case ModelName::kCbow:
    case ModelName::kSkipgram:
    case ModelName::kSupervised:
      return make_fasttext_step;
    case ModelName::kSent2vec:
      return make_sent2vec_step;
  }
  throw ArgError("unknown model");
}

namespace {

using Clock = std::chrono::steady_clock;

// One per thread, on its own cache line: the loss the watcher reads.
struct alignas(64) LossSlot {
  std::atomic<double> sum{0.0};
  std::atomic<int64_t> examples{0};
};

// Why the workers are asked to park (bits of TrainRun::reasons_).
constexpr uint32_t kEpochEnd = 1, kCheckpointDue = 2;

// The state of one run, shared by the worker threads and the watcher (the calling thread).
class TrainRun {
 public:
  TrainRun(Model& model, const CorpusSource& input, int64_t corpus_tokens, const TrainOptions& opts,
           const StepFactory& factory, std::FILE* log, const TrainState* resume,
           std::shared_ptr<Model> best, CompactInput compact);
  void run();

 private:
  // ---- worker side
  void work(int32_t t);
  void park(int32_t t, int64_t local, int64_t offset);
  void mark(int64_t before, int64_t after);
  // ---- watcher side
  void watch();
  void service();
  void score_epoch(int32_t epoch);
  void take_checkpoint();
  void finish();
  TrainStatus status(bool finished) const;
  void print_progress(const TrainStatus& s) const;
  bool call_poll(const TrainStatus& s);
  void request_park(uint32_t why);
  void release();
  void request_stop();
  void fail(std::exception_ptr e);

  Model& model_;
  const Args& args_;
  const CorpusSource input_;
  const TrainOptions& opts_;
  std::FILE* log_;
  OutputLayer layer_;
  std::vector<float> keep_;
  TrainProgress progress_;
  TrainContext ctx_;
  const int32_t nthreads_;
  const int64_t ntokens_;

  std::vector<LossSlot> slots_;
  std::vector<std::unique_ptr<LineStep>> steps_;
  std::vector<std::unique_ptr<LineReader>> readers_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<WorkerState> parked_at_;  // local tokens and reader offset of a parked worker

  std::mutex mu_;
  std::condition_variable cv_;         // the watcher waits: a thread ended or parked
  std::condition_variable resume_cv_;  // parked workers wait
  int32_t running_;
  int32_t parked_ = 0;
  std::atomic<bool> park_request_{false};
  std::atomic<uint32_t> reasons_{0};
  std::exception_ptr error_;
  bool stopped_early_ = false;  // by the callback or by earlyStop
  bool early_stopped_ = false;  // by earlyStop

  // Epoch ends (validation) and epoch-counted checkpoints are noticed by the worker whose flush
  // of its token counter crosses them, so with thread=1 they fall on the same line every run.
  int64_t epoch_step_ = 0;  // ntokens with validation, else 0
  int64_t ckpt_step_ = 0;   // tokens between epoch-counted checkpoints, else 0
  double ckpt_seconds_ = 0;
  Clock::time_point start_, last_ckpt_;
  double elapsed_before_ = 0;
  int32_t ckpt_index_ = 0, ckpts_written_ = 0;
  std::string last_ckpt_dir_, resumed_from_;
  CorpusId corpus_;

  ValidationSet valid_;
  ValidationTrack track_;
  std::shared_ptr<Model> best_;  // earlyStop: a copy of the best epoch's model
};

std::vector<int64_t> output_counts(const Model& m) {
  const int64_t rows = m.output.rows();
  std::vector<int64_t> counts;
  counts.reserve(rows);
  const int32_t base = m.args.supervised() ? m.dict.nwords() : 0;
  for (int64_t i = 0; i < rows; ++i) counts.push_back(m.dict.entry(base + i).count);
  return counts;
}

// A copy of `m` (options, dictionary, dense matrices) to hold the best epoch's matrices.
std::shared_ptr<Model> copy_model(const Model& m) {
  auto c = std::make_shared<Model>();
  c->args = m.args;
  c->version = m.version;
  c->has_sentvec_trailer = m.has_sentvec_trailer;
  c->eos_subwords = m.eos_subwords;
  c->dict = m.dict;
  const DenseMatrix& in = *m.input.dense();
  const DenseMatrix& out = *m.output.dense();
  c->input = AnyMatrix(DenseMatrix(in.rows(), in.cols(), DenseMatrix::Uninitialized{}));
  c->output = AnyMatrix(DenseMatrix(out.rows(), out.cols(), DenseMatrix::Uninitialized{}));
  return c;
}

void copy_matrices(const Model& from, Model& to) {
  const DenseMatrix& fi = *from.input.dense();
  const DenseMatrix& fo = *from.output.dense();
  std::copy_n(fi.data(), fi.rows() * fi.cols(), to.input.dense()->data_mut());
  std::copy_n(fo.data(), fo.rows() * fo.cols(), to.output.dense()->data_mut());
}

TrainRun::TrainRun(Model& model, const CorpusSource& input, int64_t corpus_tokens, const TrainOptions& opts,
                   const StepFactory& factory, std::FILE* log, const TrainState* resume,
                   std::shared_ptr<Model> best, CompactInput compact)
    : model_(model), args_(model.args), input_(input), opts_(opts), log_(log),
      layer_(model.args, output_counts(model), model.output.dense()),
      keep_(keep_probabilities(model.dict, model.args.t)),
      ctx_{model.args, model.dict, compact.input ? *compact.input : *model.input.dense(),
           *model.output.dense(), layer_, keep_, progress_, compact.rows},
      nthreads_(model.args.thread), ntokens_(std::max<int64_t>(1, corpus_tokens)),
      slots_(model.args.thread), parked_at_(model.args.thread), running_(model.args.thread) {
  progress_.total = std::max<int64_t>(1, static_cast<int64_t>(args_.epoch) * corpus_tokens);
  progress_.lr0 = args_.lr;
  if (resume) {
    if (resume->total != progress_.total || resume->lr0 != progress_.lr0 ||
        static_cast<int32_t>(resume->workers.size()) != nthreads_)
      throw FormatError("checkpoint state does not match its model (total, lr or thread)");
    if (resume->tokens < 0 || resume->tokens > progress_.total + 1000000000LL)
      throw FormatError("checkpoint state: tokens out of range");
    const size_t nt = layer_.negatives().size();
    for (const WorkerState& ws : resume->workers)
      if ((nt ? ws.neg_pos >= nt : ws.neg_pos != 0) || ws.local_tokens < 0 || ws.examples < 0 ||
          ws.reader_offset < 0)
        throw FormatError("checkpoint state: a worker's negative cursor, counters or offset is out of range");
    progress_.tokens.store(resume->tokens);
    track_ = resume->valid;
    elapsed_before_ = resume->elapsed_seconds;
    ckpt_index_ = resume->index;
  }
  if (!args_.validation.empty()) {
    valid_ = read_validation(args_.validation, args_.label, opts.interrupt_check, "validation", true);
    check_validation_usable(model_, valid_, args_.validation);
    epoch_step_ = ntokens_;
    if (args_.early_stop > 0) {
      best_ = copy_model(model_);
      if (best && track_.best_epoch > 0) copy_matrices(*best, *best_);
      else copy_matrices(model_, *best_);
    }
  }
  if (!args_.checkpoint.empty()) {
    const CheckpointEvery every = parse_checkpoint_every(args_.checkpoint_every);
    ckpt_index_ = std::max(ckpt_index_, prepare_checkpoint_dir(args_.checkpoint));
    if (every.epochs > 0)
      ckpt_step_ = std::max<int64_t>(1, std::llround(every.epochs * static_cast<double>(ntokens_)));
    ckpt_seconds_ = every.seconds;
    corpus_ = corpus_identity(input);
  }
  // Steps, readers and workers are made before any thread starts so that their errors surface
  // on this thread, and so that the watcher can read a parked worker's state.
  for (int32_t t = 0; t < nthreads_; ++t) {
    steps_.push_back(factory(ctx_, t));
    readers_.push_back(std::make_unique<LineReader>(input));
    workers_.push_back(std::make_unique<Worker>(ctx_, t));
    LineReader& r = *readers_.back();
    Worker& w = *workers_.back();
    if (resume) {
      const WorkerState& ws = resume->workers[t];
      r.seek(ws.reader_offset);
      w.s.rng.set_state(ws.rng);
      w.s.neg_pos = ws.neg_pos;
      w.loss_sum = ws.loss_sum;
      w.examples = ws.examples;
      parked_at_[t].local_tokens = ws.local_tokens;
      slots_[t].sum.store(ws.loss_sum);
      slots_[t].examples.store(ws.examples);
    } else {
      r.seek(r.file_size() * t / nthreads_);
    }
  }
  // update="local" needs several threads (with one it is fastText's step) and a matrix no one
  // else reads during the run (checkpoints and validation read it between lines).
  if (args_.update == "local" && nthreads_ > 1 && args_.supervised() &&
      (args_.loss == LossName::kSoftmax || args_.loss == LossName::kOva) && args_.checkpoint.empty() &&
      args_.validation.empty())
    for (auto& w : workers_) layer_.start_local(w->s);
}

void TrainRun::fail(std::exception_ptr e) {
  std::lock_guard<std::mutex> g(mu_);
  if (!error_) error_ = e;
  progress_.stop.store(true);
  resume_cv_.notify_all();
}

void TrainRun::request_stop() {
  std::lock_guard<std::mutex> g(mu_);
  progress_.stop.store(true);
  resume_cv_.notify_all();
}

void TrainRun::request_park(uint32_t why) {
  reasons_.fetch_or(why);
  park_request_.store(true);
}

void TrainRun::release() {
  std::lock_guard<std::mutex> g(mu_);
  park_request_.store(false);
  resume_cv_.notify_all();
}

void TrainRun::mark(int64_t before, int64_t after) {
  uint32_t why = 0;
  if (epoch_step_ > 0 && before / epoch_step_ != after / epoch_step_) why |= kEpochEnd;
  if (ckpt_step_ > 0 && before / ckpt_step_ != after / ckpt_step_) why |= kCheckpointDue;
  if (why) request_park(why);
}

// Between two lines: nothing is flushed, so the arithmetic goes on as if no pause happened.
void TrainRun::park(int32_t t, int64_t local, int64_t offset) {
  std::unique_lock<std::mutex> lk(mu_);
  if (!park_request_.load()) return;
  parked_at_[t].local_tokens = local;
  parked_at_[t].reader_offset = offset;
  ++parked_;
  cv_.notify_all();
  resume_cv_.wait(lk, [&] { return !park_request_.load() || progress_.stop.load(); });
  --parked_;
}

void TrainRun::work(int32_t t) {
  try {
    Worker& w = *workers_[t];
    LineStep& step = *steps_[t];
    LineReader& reader = *readers_[t];
    LossSlot& slot = slots_[t];
    const int64_t update_every = args_.lr_update_rate;
    int64_t local = parked_at_[t].local_tokens;
    std::string_view line;
    while (!progress_.stop.load(std::memory_order_relaxed) &&
           progress_.tokens.load(std::memory_order_relaxed) < progress_.total) {
      if (park_request_.load(std::memory_order_relaxed)) {
        step.finish(w);  // a checkpoint holds every line read so far
        park(t, local, reader.tell());
        continue;  // the watcher may have stopped the run or training may be over
      }
      if (!reader.next_wrap(line)) break;
      local += step.process(line, progress_.lr(), w);
      if (local > update_every) {
        const int64_t before = progress_.tokens.fetch_add(local, std::memory_order_relaxed);
        mark(before, before + local);
        local = 0;
        slot.sum.store(w.loss_sum, std::memory_order_relaxed);
        slot.examples.store(w.examples, std::memory_order_relaxed);
      }
      if (!std::isfinite(w.loss_sum))
        throw DivergedError(
            "training diverged: the loss became NaN at " +
            std::to_string(100.0 * progress_.fraction()).substr(0, 5) +
            "% of training; lower option 'lr' (now " + std::to_string(args_.lr) +
            ") or try a smaller 'wordNgrams', 'epoch' or 'lrUpdateRate'");
    }
    step.finish(w);
    layer_.merge_local(w.s);  // update="local": this thread's last examples
    const int64_t before = progress_.tokens.fetch_add(local, std::memory_order_relaxed);
    if (!progress_.stop.load()) mark(before, before + local);
    slot.sum.store(w.loss_sum, std::memory_order_relaxed);
    slot.examples.store(w.examples, std::memory_order_relaxed);
    std::lock_guard<std::mutex> g(mu_);
    parked_at_[t].local_tokens = 0;
    parked_at_[t].reader_offset = reader.tell();
  } catch (...) {
    fail(std::current_exception());
  }
  std::lock_guard<std::mutex> g(mu_);
  --running_;
  cv_.notify_all();
}

TrainStatus TrainRun::status(bool finished) const {
  TrainStatus s;
  s.tokens = progress_.tokens.load(std::memory_order_relaxed);
  s.progress = finished && !progress_.stop.load() ? 1.0 : progress_.fraction();
  s.lr = finished ? 0.0 : progress_.lr();
  double sum = 0;
  int64_t n = 0;
  for (auto& sl : slots_) {
    sum += sl.sum.load(std::memory_order_relaxed);
    n += sl.examples.load(std::memory_order_relaxed);
  }
  s.loss = n ? sum / n : 0.0;
  s.elapsed_seconds = std::chrono::duration<double>(Clock::now() - start_).count();
  s.words_per_sec_per_thread =
      s.elapsed_seconds > 0 ? s.tokens / s.elapsed_seconds / nthreads_ : 0.0;
  s.eta_seconds = s.progress > 0 && !finished
                      ? s.elapsed_seconds / s.progress * (1.0 - s.progress) : 0.0;
  s.finished = finished;
  s.epoch = static_cast<int32_t>(std::min<int64_t>(args_.epoch, s.tokens / ntokens_));
  if (!track_.history.empty()) {
    const EpochFigures& f = track_.history.back();
    s.validation_epoch = f.epoch;
    s.validation_precision = f.precision;
    s.validation_recall = f.recall;
    s.validation_loss = f.loss;
  }
  s.best_epoch = track_.best_epoch;
  s.checkpoints = ckpts_written_;
  return s;
}

void TrainRun::print_progress(const TrainStatus& s) const {
  if (!log_ || args_.verbose < 2) return;
  const int64_t eta = static_cast<int64_t>(s.eta_seconds + 0.5);
  std::fprintf(log_,
               "\rProgress: %5.1f%% words/sec/thread: %7.0f lr: %9.6f avg.loss: %9.6f "
               "ETA: %3lldh%2lldm%2llds",
               s.progress * 100.0, s.words_per_sec_per_thread, s.lr, s.loss,
               static_cast<long long>(eta / 3600), static_cast<long long>(eta / 60 % 60),
               static_cast<long long>(eta % 60));
  if (!args_.validation.empty() && s.validation_epoch > 0)
    std::fprintf(log_, " epoch: %d valid P@1: %.4f R@1: %.4f loss: %.6f", s.validation_epoch,
                 s.validation_precision, s.validation_recall, s.validation_loss);
  std::fflush(log_);
}

// The callback: false (stop) is remembered; an exception stops the run and is rethrown later.
bool TrainRun::call_poll(const TrainStatus& s) {
  if (!opts_.poll) return true;
  try {
    if (!opts_.poll(s)) {
      stopped_early_ = true;
      request_stop();
      return false;
    }
  } catch (...) {
    fail(std::current_exception());
    return false;
  }
  return true;
}

void TrainRun::score_epoch(int32_t epoch) {
  if (epoch <= track_.last_epoch) return;
  const EpochFigures f = score_validation(model_, valid_, epoch);
  track_.last_epoch = epoch;
  track_.history.push_back(f);
  // NaN (nothing predicted) is never an improvement.
  if (track_.best_epoch == 0 || f.precision > track_.best_precision) {
    track_.best_epoch = epoch;
    track_.best_precision = f.precision;
    if (best_) copy_matrices(model_, *best_);
  } else if (args_.early_stop > 0 && epoch - track_.best_epoch >= args_.early_stop &&
             epoch < args_.epoch) {
    stopped_early_ = early_stopped_ = true;
    request_stop();
  }
}

void TrainRun::take_checkpoint() {
  TrainState st;
  st.index = ++ckpt_index_;
  st.tokens = progress_.tokens.load();
  st.total = progress_.total;
  st.ntokens = ntokens_;
  st.lr0 = progress_.lr0;
  st.elapsed_seconds =
      elapsed_before_ + std::chrono::duration<double>(Clock::now() - start_).count();
  st.corpus = corpus_;
  for (int32_t t = 0; t < nthreads_; ++t) {
    const Worker& w = *workers_[t];
    WorkerState ws = parked_at_[t];
    ws.rng = w.s.rng.state();
    ws.neg_pos = w.s.neg_pos;
    ws.loss_sum = w.loss_sum;
    ws.examples = w.examples;
    st.workers.push_back(ws);
  }
  st.valid = track_;
  st.args = args_;
  const bool with_best = best_ && track_.best_epoch > 0 && track_.best_epoch != track_.last_epoch;
  last_ckpt_dir_ = write_checkpoint(args_.checkpoint, model_, with_best ? best_.get() : nullptr,
                                    st, args_.checkpoint_keep);
  ++ckpts_written_;
  last_ckpt_ = Clock::now();
}

// Every worker is parked (or done): score, checkpoint, report, then let them go on.
void TrainRun::service() {
  const uint32_t why = reasons_.exchange(0);
  try {
    if (why & kEpochEnd) {
      const int64_t e = std::min<int64_t>(args_.epoch, progress_.tokens.load() / ntokens_);
      if (e > track_.last_epoch) {
        score_epoch(static_cast<int32_t>(e));
        const TrainStatus s = status(false);
        print_progress(s);
        call_poll(s);
      }
    }
    if ((why & kCheckpointDue) && !progress_.stop.load()) {
      take_checkpoint();
      // Right after each checkpoint, while every worker is still parked: a callback that stops
      // training after the n-th checkpoint stops it there, not a poll interval later.
      call_poll(status(false));
    }
  } catch (...) {
    fail(std::current_exception());
  }
  release();
}

void TrainRun::watch() {
  const auto interval = std::chrono::duration<double>(std::max(0.005, opts_.poll_interval));
  auto last_poll = Clock::now();
  while (true) {
    bool parked_all = false;
    {
      std::unique_lock<std::mutex> lk(mu_);
      cv_.wait_for(lk, interval, [&] {
        return running_ == 0 || (park_request_.load() && parked_ == running_);
      });
      if (running_ == 0) break;
      parked_all = park_request_.load() && parked_ == running_;
    }
    if (parked_all) service();
    const auto now = Clock::now();
    if (ckpt_seconds_ > 0 && !progress_.stop.load() &&
        std::chrono::duration<double>(now - last_ckpt_).count() >= ckpt_seconds_)
      request_park(kCheckpointDue);
    if (now - last_poll >= interval) {
      last_poll = now;
      const TrainStatus s = status(false);
      print_progress(s);
      call_poll(s);
    }
  }
}

void TrainRun::finish() {
  const bool complete = !progress_.stop.load();
  // The last epoch ends when the last thread stops: score it here.
  if (complete && !valid_.lines.empty() && track_.last_epoch < args_.epoch) {
    score_epoch(args_.epoch);
  }
  if (best_ && track_.best_epoch > 0 && track_.best_epoch != track_.last_epoch)
    copy_matrices(*best_, model_);
  TrainStatus s = status(true);
  if (stopped_early_) s.progress = progress_.fraction();
  if (log_ && args_.verbose >= 2) {
    print_progress(s);
    std::fputc('\n', log_);
    std::fflush(log_);
  }
  if (opts_.report) {
    TrainReport& r = *opts_.report;
    r.validation = track_.history;
    r.best_epoch = track_.best_epoch;
    r.early_stopped = early_stopped_;
    r.checkpoints = ckpts_written_;
    r.last_checkpoint = last_ckpt_dir_;
    r.local_merges = 0;
    r.examples = 0;
    for (const auto& w : workers_) {
      r.local_merges += w->s.local_merges;
      r.examples += w->examples;
    }
  }
  // An early stop by earlyStop is a normal end: the callback still gets its last call.
  if (opts_.poll && (!stopped_early_ || early_stopped_)) opts_.poll(s);
  model_.reset_caches();
}

void TrainRun::run() {
  start_ = last_ckpt_ = Clock::now();
  // A thread that cannot be started stops and joins the others, then throws ThreadError.
  ThreadGroup pool(nthreads_);
  for (int32_t t = 0; t < nthreads_; ++t)
    pool.start([this, t] { work(t); }, [this] { request_stop(); });
  watch();
  pool.join();
  if (error_) {
    if (log_ && args_.verbose >= 2) std::fputc('\n', log_);
    std::rethrow_exception(error_);
  }
  finish();
}

}  // namespace

void run_training(Model& model, const CorpusSource& input, int64_t corpus_tokens, const TrainOptions& opts,
                  const StepFactory& factory, std::FILE* log, const TrainState* resume,
                  std::shared_ptr<Model> best, CompactInput compact) {
  if (compact.input && (!model.args.checkpoint.empty() || !model.args.validation.empty()))
    throw std::logic_error("run_training: a compact input matrix with checkpoints or validation");
  TrainRun run(model, input, corpus_tokens, opts, factory, log, resume, std::move(best), compact);
  run.run();
}

void check_run_options(const Args& args) {
  if (!args.validation.empty()) {
    LineReader probe(args.validation, "validation file");
    std::string_view line;
    if (!probe.next(line))
      throw ArgError("option 'validation': " + args.validation + " is empty");
  }
  if (!args.checkpoint.empty()) prepare_checkpoint_dir(args.checkpoint);
}

std::shared_ptr<Model> resume_training(const Args& args, const CorpusSource& input,
                                       const TrainOptions& opts) {
  const std::string dir = find_checkpoint(args.resume);
  const TrainState st = read_checkpoint_state(dir);
  check_resume_options(st.args, args, dir);
  check_resume_corpus(st.corpus, corpus_identity(input), dir);
  check_run_options(args);
  std::shared_ptr<Model> model = load_model(dir + "/model.bin", false);
  if (model->input.quantized() || !model->input.dense() || !model->output.dense())
    throw FormatError(dir + "/model.bin: not a dense model");
  model->args = args;
  model->version = 12;
  model->has_sentvec_trailer = true;
  model->input.dense()->make_owned();
  model->output.dense()->make_owned();
  std::shared_ptr<Model> best;
  if (st.has_best) best = load_model(dir + "/best.bin", false);
  std::FILE* log = args.verbose > 0 ? opts.log : nullptr;
  if (log) {
    std::fprintf(log, "Resuming from %s at %.1f%%\n", dir.c_str(),
                 100.0 * static_cast<double>(st.tokens) / static_cast<double>(std::max<int64_t>(1, st.total)));
    std::fflush(log);
  }
  if (opts.report) opts.report->resumed_from = dir;
  run_training(*model, input, st.ntokens, opts, step_factory_for(args), log, &st, best);
  return model;
}

}  // namespace sentvec
