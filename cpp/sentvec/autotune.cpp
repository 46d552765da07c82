// The autotune driver: options parsing, the trial loop and its budget, evaluation on the
// validation file. The proposals and the cost model are in autotune_search.*, fitting a
// model to a size limit in autotune_size.cpp.
#include "autotune.h"

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "autotune_search.h"
#include "autotune_size.h"
#include "dictionary_build.h"
#include "errors.h"
#include "line_reader.h"
#include "meter.h"
#include "tokenizer.h"
#include "validation.h"

namespace sentvec {

// ---------------------------------------------------------------------------- parsing

namespace {

bool parse_number(const std::string& s, double& out) {
  if (s.empty()) return false;
  char* end = nullptr;
  out = std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size() && std::isfinite(out);
}

[[noreturn]] void bad_metric(const std::string& s, const std::string& why) {
  throw ArgError("option 'autotuneMetric': " + why + " (got '" + s +
                 "'); use 'f1', 'f1:LABEL', 'precisionAtRecall:X', 'precisionAtRecall:X:LABEL', "
                 "'recallAtPrecision:X' or 'recallAtPrecision:X:LABEL' with X a percentage in (0, 100]");
}

}  // namespace

AutotuneMetric parse_autotune_metric(const std::string& s) {
  AutotuneMetric m;
  m.text = s;
  if (s == "f1") return m;
  if (s.rfind("f1:", 0) == 0) {
    m.label = s.substr(3);
    if (m.label.empty()) bad_metric(s, "the label after 'f1:' is empty");
    return m;
  }
  const std::string par = "precisionAtRecall:", rap = "recallAtPrecision:";
  std::string rest;
  if (s.rfind(par, 0) == 0) {
    m.kind = AutotuneMetric::Kind::kPrecisionAtRecall;
    rest = s.substr(par.size());
  } else if (s.rfind(rap, 0) == 0) {
    m.kind = AutotuneMetric::Kind::kRecallAtPrecision;
    rest = s.substr(rap.size());
  } else {
    bad_metric(s, "unknown metric");
  }
  const size_t colon = rest.find(':');
  const std::string num = rest.substr(0, colon);
  double v = 0;
  if (!parse_number(num, v)) bad_metric(s, "'" + num + "' is not a number");
  if (!(v > 0 && v <= 100)) bad_metric(s, "the percentage must be in (0, 100]");
  m.value = v / 100.0;
  if (colon != std::string::npos) {
    m.label = rest.substr(colon + 1);
    if (m.label.empty()) bad_metric(s, "the label after the last ':' is empty");
  }
  return m;
}

int64_t parse_model_size(const std::string& s) {
  if (s.empty()) return -1;
  std::string num = s;
  double mult = 1;
  const char last = s.back();
  if (last == 'k' || last == 'K') mult = 1e3;
  if (last == 'm' || last == 'M') mult = 1e6;
  if (last == 'g' || last == 'G') mult = 1e9;
  if (mult != 1) num.pop_back();
  double v = 0;
  if (!parse_number(num, v) || v <= 0 || v * mult > 1e15)
    throw ArgError("option 'autotuneModelSize' must be a positive size in bytes with an optional "
                   "K, M or G suffix (10^3, 10^6, 10^9), e.g. '2M' (got '" + s + "')");
  return static_cast<int64_t>(v * mult);
}

// ---------------------------------------------------------------------------- evaluation

namespace {

using Clock = std::chrono::steady_clock;

double metric_score(const Meter& meter, const AutotuneMetric& metric, int32_t label) {
  double s = 0;
  switch (metric.kind) {
    case AutotuneMetric::Kind::kF1: s = meter.f1(label); break;
    case AutotuneMetric::Kind::kPrecisionAtRecall: s = meter.precision_at_recall(metric.value, label); break;
    case AutotuneMetric::Kind::kRecallAtPrecision: s = meter.recall_at_precision(metric.value, label); break;
  }
  return std::isnan(s) ? 0.0 : s;  // no prediction and no gold label: nothing gained
}

DataStats measure(const Dictionary& dict, const std::string& input, const ValidationSet& v,
                  const std::function<void()>& check) {
  DataStats d;
  d.nwords = dict.nwords();
  d.nlabels = dict.nlabels();
  int64_t label_tokens = 0, chars = 0, counted = 0;
  for (int32_t i = 0; i < dict.size(); ++i) {
    const Entry& e = dict.entry(i);
    if (e.type == EntryType::kLabel) {
      label_tokens += e.count;
    } else if (e.word != kEos) {
      int64_t n = 0;
      for (unsigned char c : e.word) n += (c & 0xC0) != 0x80;
      chars += n * e.count;
      counted += e.count;
    }
  }
  d.train_words = std::max<int64_t>(1, dict.ntokens() - label_tokens);
  d.mean_word_chars = counted ? static_cast<double>(chars) / counted : 5.0;
  LineReader r(input);
  d.train_bytes = r.file_size();
  std::string_view line;
  while (r.next(line)) {
    ++d.train_lines;
    if (check && (d.train_lines & 65535) == 0) check();
  }
  d.valid_lines = static_cast<int64_t>(v.lines.size());
  d.valid_words = v.words;  // "</s>" included
  return d;
}

}  // namespace

// ---------------------------------------------------------------------------- the search

namespace {

/// Everything one autotune run shares.
struct Run {
  Run(const Args& b, const std::string& in, const AutotuneOptions& o, const AutotuneHooks& h,
      AutotuneResult& r)
      : base(b), input(in), opts(o), hooks(h), result(r) {}
  const Args& base;
  const std::string& input;
  const AutotuneOptions& opts;
  const AutotuneHooks& hooks;
  AutotuneResult& result;
  AutotuneMetric metric;
  int32_t metric_label = Meter::kAllLabels;
  int32_t k = 1;
  int64_t size_limit = -1;
  ValidationSet valid;
  CostModel cost;
  bool deterministic = false;
  Clock::time_point start = Clock::now();
  double used = 0;                ///< reference seconds (deterministic) spent so far
  double wall_per_cost = 1.0;     ///< wall seconds per reference second, learnt (wall mode)
  bool stop_requested = false;
  int32_t trial_index = 0;
  double trial_cost = 0;
  std::shared_ptr<Model> best;
  std::shared_ptr<Model> partial;  ///< a first trial stopped by the user (nothing better)
  SizeFitter* sizer = nullptr;

  double elapsed() const { return std::chrono::duration<double>(Clock::now() - start).count(); }
  /// Fraction of the budget spent.
  double spent() const {
    if (deterministic) return used / opts.duration;
    return elapsed() / opts.duration;
  }
  /// What is left, in reference seconds.
  double remaining() const {
    if (deterministic) return opts.duration - used;
    return (opts.duration - elapsed()) / wall_per_cost;
  }
  void check() const {
    if (hooks.interrupt_check) hooks.interrupt_check();
  }
  bool report(const TrainStatus& ts, bool finished);
  void print_progress(bool done) const;
};

bool Run::report(const TrainStatus& ts, bool finished) {
  AutotuneProgress p;
  const double within = deterministic ? (used + ts.progress * trial_cost) / opts.duration : spent();
  p.overall = std::min(1.0, finished ? 1.0 : within);
  p.trial = trial_index;
  p.best_score = best ? result.score : 0.0;
  p.train = ts;
  p.finished = finished;
  if (base.verbose >= 2 && hooks.log) print_progress(false);
  if (hooks.poll && !hooks.poll(p)) stop_requested = true;
  return !stop_requested;
}

void Run::print_progress(bool done) const {
  const double s = done ? 1.0 : std::min(1.0, spent());
  const double eta = deterministic ? 0.0 : std::max(0.0, opts.duration - elapsed());
  std::fprintf(hooks.log, "\rProgress: %5.1f%% Trials: %3d Best score: %9.6f%s", 100.0 * s,
               trial_index, best ? result.score : 0.0, done ? "\n" : "");
  if (!deterministic && !done) std::fprintf(hooks.log, " ETA: %3.0fs", eta);
  std::fflush(hooks.log);
}

/// Trains one candidate; nullptr (and a status) when it failed or was abandoned.
std::shared_ptr<Model> train_trial(Run& run, const Args& a, std::string& status) {
  TrainOptions t;
  t.log = nullptr;
  t.interrupt_check = run.hooks.interrupt_check;
  bool deadline = false;
  t.poll = [&run, &deadline](const TrainStatus& s) {
    if (!run.deterministic && run.elapsed() >= run.opts.duration) deadline = true;
    return run.report(s, false) && !deadline;
  };
  try {
    auto m = train(a, run.input, t);
    if (deadline || run.stop_requested) {
      status = run.stop_requested ? "stopped" : "abandoned at the deadline";
      if (run.stop_requested && !run.best) run.partial = m;
      return nullptr;
    }
    status = "ok";
    return m;
  } catch (const DivergedError&) {
    status = "diverged";
  } catch (const MemError&) {
    status = "out of memory";
  }
  return nullptr;
}

/// Scores a trained model; with a size limit, quantizes it to fit first (only when its dense
/// score could beat the best so far: quantization does not raise the score).
double score_trial(Run& run, Model& m, const Candidate& c, AutotuneTrial& rec) {
  const bool curves = run.metric.kind != AutotuneMetric::Kind::kF1;
  double s = metric_score(evaluate(m, run.valid, run.k, curves, run.hooks.interrupt_check),
                          run.metric, run.metric_label);
  if (run.size_limit < 0) return s;
  if (run.best && s <= run.result.score) {
    rec.status = "ok (not quantized: its dense score is not better)";
    return std::numeric_limits<double>::quiet_NaN();
  }
  if (!run.sizer->fit(m, c.dsub, rec.quant, rec.file_size)) {
    rec.status = "does not fit in the size limit";
    return std::numeric_limits<double>::quiet_NaN();
  }
  if (!rec.quant.quantized) return s;  // the dense model fits as it is
  if (run.deterministic) run.used += run.cost.quantize(c, rec.quant.cutoff) + run.cost.evaluate(c);
  return metric_score(evaluate(m, run.valid, run.k, curves, run.hooks.interrupt_check),
                      run.metric, run.metric_label);
}

/// The input rows a size-limited candidate keeps at most (each costs >= nsubq + 9 bytes).
int64_t kept_rows(const Run& run, const Candidate& c) {
  const int64_t rows = run.cost.data.nwords + (c.word_ngrams > 1 || c.maxn > 0 ? c.bucket : 0);
  const int64_t per_row = (c.dim + c.dsub - 1) / c.dsub + 9;
  return std::max<int64_t>(256, std::min(rows, run.size_limit / per_row));
}

/// Fits a candidate's epochs to what is left; false when not even one epoch fits.
bool fit_budget(const Run& run, Candidate& c, bool first) {
  const double extra =
      run.cost.evaluate(c) +
      (run.size_limit >= 0 ? run.cost.quantize(c, kept_rows(run, c)) + run.cost.evaluate(c) : 0.0);
  // One trial takes at most a third of the budget (the first one: whatever is left), so
  // that the search always compares several configurations.
  const double cap = first ? run.remaining() : std::min(run.remaining(), run.opts.duration / 3.0 / run.wall_per_cost);
  const double full = run.cost.train(c) + extra;
  if (full <= cap) return true;
  const double fixed = full - c.epoch * run.cost.per_epoch(c);
  const int32_t e = static_cast<int32_t>(std::floor((cap - fixed) / run.cost.per_epoch(c)));
  if (e < 1) return false;
  c.epoch = e;
  return true;
}

void one_trial(Run& run, Search& search) {
  Candidate c = search.next(run.spent());
  const bool first = search.proposed() == 1;
  AutotuneTrial rec;
  if (!fit_budget(run, c, first)) {
    search.report(c, std::numeric_limits<double>::quiet_NaN());
    return;
  }
  rec.args = c.apply(run.base);
  rec.args.verbose = 0;
  rec.quant.dsub = c.dsub;
  rec.cost = run.cost.train(c) + run.cost.evaluate(c);
  run.trial_index = static_cast<int32_t>(run.result.trials.size()) + 1;
  run.trial_cost = rec.cost;
  const auto t0 = Clock::now();
  std::shared_ptr<Model> m = train_trial(run, rec.args, rec.status);
  double score = std::numeric_limits<double>::quiet_NaN();
  if (m) {
    if (run.deterministic) run.used += rec.cost;
    score = score_trial(run, *m, c, rec);
  } else if (run.deterministic) {
    run.used += rec.cost;  // a failed trial still spent (an estimate of) its budget
  }
  rec.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  if (!run.deterministic && rec.status == "ok" && rec.cost > 0)
    run.wall_per_cost = 0.5 * run.wall_per_cost + 0.5 * rec.seconds / rec.cost;
  rec.score = score;
  rec.args.verbose = run.base.verbose;
  const bool improved = !std::isnan(score) && (!run.best || score > run.result.score);
  search.report(c, score);
  if (improved) {
    run.best = m;
    run.result.best = rec.args;
    run.result.quant = rec.quant;
    run.result.score = score;
    run.result.file_size = rec.file_size;
  }
  if (run.base.verbose >= 3 && run.hooks.log)
    std::fprintf(run.hooks.log, "\nTrial %d: %s -> %s %.6f (%.1fs)%s\n", run.trial_index,
                 c.describe(run.size_limit >= 0).c_str(), run.metric.text.c_str(), score,
                 rec.seconds, improved ? " best" : "");
  run.result.trials.push_back(std::move(rec));
}

}  // namespace

// ---------------------------------------------------------------------------- entry point

namespace {

void check_options(const Args& base, const AutotuneOptions& o) {
  if (!base.supervised()) throw ArgError("autotune supports supervised models only");
  if (o.validation_file.empty())
    throw ArgError("option 'autotuneValidationFile' is required to autotune");
  if (!(o.duration > 0) || !std::isfinite(o.duration))
    throw ArgError("option 'autotuneDuration' must be > 0 seconds (got " + std::to_string(o.duration) + ")");
  if (o.predictions == 0 || o.predictions < -1)
    throw ArgError("option 'autotunePredictions' must be >= 1, or -1 for every label (got " +
                   std::to_string(o.predictions) + ")");
  parse_autotune_metric(o.metric);
  parse_model_size(o.model_size);
}

/// A trial's options: the user's, without the autotune ones (a trial is a plain training).
Args plain(Args a) {
  a.autotune_validation_file.clear();
  a.autotune_model_size.clear();
  a.autotune_metric = "f1";
  a.autotune_predictions = 1;
  a.autotune_duration = 300;
  return a;
}

/// The search space for this data and size limit.
SearchSpace make_space(const DataStats& d, int64_t size_limit, const Args& base) {
  SearchSpace s;
  if (size_limit < 0) return s;
  s.size_limited = true;
  // What does not shrink with the cutoff: the dense output matrix and the codebooks, about
  // (4 nlabels + 1024) bytes per dimension; keep at least a fifth of the limit for the rows.
  const double per_dim = 4.0 * d.nlabels + 1024.0 + 4.0;
  const int64_t dmax = static_cast<int64_t>(0.8 * static_cast<double>(size_limit) / per_dim);
  if (dmax < 1)
    throw ArgError("option 'autotuneModelSize': " + std::to_string(size_limit) +
                   " bytes cannot hold a model of " + std::to_string(d.nlabels) +
                   " labels (the output matrix alone needs about " + std::to_string(4 * d.nlabels) +
                   " bytes per dimension)");
  s.dim_max = static_cast<int32_t>(std::min<int64_t>(s.dim_max, dmax));
  (void)base;
  return s;
}

int32_t find_label(const Dictionary& dict, const std::string& label, const std::string& metric) {
  if (label.empty()) return Meter::kAllLabels;
  const int32_t id = dict.get_id(label);
  if (id < dict.nwords() || id >= dict.size())
    throw ArgError("option 'autotuneMetric' ('" + metric + "'): label '" + label +
                   "' is not a label of the training file");
  return id - dict.nwords();
}

}  // namespace

AutotuneOptions autotune_options(const Args& a) {
  AutotuneOptions o;
  o.validation_file = a.autotune_validation_file;
  o.metric = a.autotune_metric;
  o.predictions = a.autotune_predictions;
  o.duration = a.autotune_duration;
  o.model_size = a.autotune_model_size;
  return o;
}

void check_autotune_options(const Args& a) {
  const AutotuneOptions o = autotune_options(a);
  if (o.validation_file.empty()) {
    if (!o.model_size.empty())
      throw ArgError("option 'autotuneModelSize' needs 'autotuneValidationFile' (it limits the size "
                     "of an autotuned model); to shrink a trained model, quantize it");
    if (o.metric != "f1")
      throw ArgError("option 'autotuneMetric' needs 'autotuneValidationFile' (the file it is measured on)");
    return;
  }
  check_options(a, o);
}

std::shared_ptr<Model> autotune(const Args& base, const std::string& input,
                                const AutotuneOptions& opts, const AutotuneHooks& hooks,
                                AutotuneResult& result) {
  check_options(base, opts);
  const Args user = plain(base);
  user.validate();
  Run run(user, input, opts, hooks, result);
  run.metric = parse_autotune_metric(opts.metric);
  run.size_limit = parse_model_size(opts.model_size);
  run.k = opts.predictions == -1 ? std::numeric_limits<int32_t>::max() : opts.predictions;
  run.deterministic = user.thread == 1;
  run.wall_per_cost = 1.0 / user.thread;
  result = AutotuneResult();
  result.metric = opts.metric;
  result.predictions = opts.predictions;
  result.deterministic = run.deterministic;
  result.budget = opts.duration;
  result.model_size_limit = run.size_limit;

  // The data, once: the dictionary under the user's options gives the sizes the costs need.
  run.valid = read_validation(opts.validation_file, user.label, hooks.interrupt_check,
                              "autotuneValidationFile", false);
  VocabOptions vo;
  vo.check = hooks.interrupt_check;
  vo.threads = user.thread;
  Dictionary dict = build_dictionary(user, input, nullptr, vo);
  run.metric_label = find_label(dict, run.metric.label, opts.metric);
  const DataStats data = measure(dict, input, run.valid, hooks.interrupt_check);
  dict = Dictionary();
  run.cost.data = data;
  run.cost.neg = user.neg;
  run.cost.loss = user.loss;
  run.cost.k = std::min<int32_t>(run.k, std::max(1, data.nlabels));
  SearchSpace space = make_space(data, run.size_limit, user);
  Search search(user, space, data, user.seed);
  SizeFitter sizer(run.size_limit, user.seed, hooks.interrupt_check);
  run.sizer = &sizer;

  // Trials until the budget is spent; proposals that cannot fit do not count as trials, but
  // enough of them in a row end the search.
  int32_t misses = 0;
  while (!run.stop_requested && run.spent() < 1.0 && misses < 30) {
    const size_t before = result.trials.size();
    one_trial(run, search);
    misses = result.trials.size() == before ? misses + 1 : 0;
  }
  result.used = run.deterministic ? run.used : run.elapsed();
  result.wall_seconds = run.elapsed();
  if (user.verbose >= 2 && hooks.log) run.print_progress(true);
  if (hooks.poll) {
    AutotuneProgress p;
    p.overall = 1.0;
    p.trial = run.trial_index;
    p.best_score = result.score;
    p.finished = true;
    p.train.finished = true;
    p.train.progress = 1.0;
    hooks.poll(p);
  }
  if (!run.best && run.partial) {
    result.best = run.partial->args;
    return run.partial;
  }
  if (!run.best) {
    if (run.size_limit >= 0)
      throw ArgError("option 'autotuneModelSize': no model trained within the budget fits in " +
                     std::to_string(run.size_limit) + " bytes; allow a larger size or a longer "
                     "autotuneDuration");
    throw ArgError("option 'autotuneDuration': " + std::to_string(opts.duration) +
                   " seconds are not enough to train one model on this data; allow more");
  }
  return run.best;
}

}  // namespace sentvec
