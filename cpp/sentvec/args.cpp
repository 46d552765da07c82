#include "args.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <sstream>
#include <thread>

#include "autotune.h"
#include "checkpoint.h"
#include "errors.h"
#include "utf8.h"

namespace sentvec {

namespace {

constexpr unsigned kCbowBit = 1, kSkipgramBit = 2, kSupervisedBit = 4, kSent2vecBit = 8;
constexpr unsigned kUnsupervised = kCbowBit | kSkipgramBit | kSent2vecBit;
constexpr unsigned kAll = kUnsupervised | kSupervisedBit;
constexpr double kI32Max = std::numeric_limits<int32_t>::max();
constexpr double kInf = std::numeric_limits<double>::infinity();

int kind_index(ModelName k) { return static_cast<int>(k) - 1; }

// Accessors by member pointer: one instantiation per field, stored in the table as plain
// function pointers.
template <int32_t Args::*M>
OptionValue get_i32(const Args& a) { return int64_t{a.*M}; }
template <int32_t Args::*M>
void set_i32(Args& a, const OptionValue& v) { a.*M = static_cast<int32_t>(std::get<int64_t>(v)); }
template <double Args::*M>
OptionValue get_real(const Args& a) { return a.*M; }
template <double Args::*M>
void set_real(Args& a, const OptionValue& v) { a.*M = std::get<double>(v); }
template <std::string Args::*M>
OptionValue get_text(const Args& a) { return a.*M; }
template <std::string Args::*M>
void set_text(Args& a, const OptionValue& v) { a.*M = std::get<std::string>(v); }

OptionValue get_model(const Args& a) { return std::string(model_name_str(a.model)); }
void set_model(Args& a, const OptionValue& v) { a.model = model_from_str(std::get<std::string>(v)); }
OptionValue get_loss(const Args& a) { return std::string(loss_name_str(a.loss)); }
void set_loss(Args& a, const OptionValue& v) { a.loss = loss_from_str(std::get<std::string>(v)); }
OptionValue get_scheme(const Args& a) { return std::string(scheme_name_str(a.scheme)); }
void set_scheme(Args& a, const OptionValue& v) { a.scheme = scheme_from_str(std::get<std::string>(v)); }
OptionValue get_seed(const Args& a) { return a.seed; }
void set_seed(Args& a, const OptionValue& v) { a.seed = std::get<uint64_t>(v); }

#define SV_I32(f) &get_i32<&Args::f>, &set_i32<&Args::f>
#define SV_REAL(f) &get_real<&Args::f>, &set_real<&Args::f>
#define SV_TEXT(f) &get_text<&Args::f>, &set_text<&Args::f>

// Columns of `defaults`: cbow, skipgram, supervised, sent2vec. fastText's defaults for the
// first three (its -help and the official Python package); sent2vec's documented help for the
// last, without character n-grams.
// clang-format off
std::vector<OptionSpec> build_table() {
  const std::vector<const char*> none;
  return {
    {"model", none, OptType::kText, kUnsupervised, {"cbow", "skipgram", "supervised", "sent2vec"},
     0, 0, false, {"skipgram", "cbow", "sent2vec"},
     "model kind (train_supervised trains 'supervised')", -1, true, nullptr, nullptr,
     nullptr, &get_model, &set_model},
    {"lr", none, OptType::kReal, kAll, {"0.05", "0.05", "0.1", "0.2"}, 0, 100, true, {},
     "learning rate", 2, true, nullptr, nullptr, nullptr, SV_REAL(lr)},
    {"dim", none, OptType::kInt, kAll, {"100", "100", "100", "100"}, 1, 100000, false, {},
     "size of word vectors", -1, true, nullptr, nullptr, nullptr, SV_I32(dim)},
    {"ws", none, OptType::kInt, kAll, {"5", "5", "5", "5"}, 1, kI32Max, false, {},
     "size of the context window", -1, true, nullptr, nullptr, nullptr, SV_I32(ws)},
    {"epoch", none, OptType::kInt, kAll, {"5", "5", "5", "5"}, 1, kI32Max, false, {},
     "number of epochs", -1, true, nullptr, nullptr, nullptr, SV_I32(epoch)},
    {"minCount", {"min_count"}, OptType::kInt, kAll, {"5", "5", "1", "5"}, 1, kI32Max, false, {},
     "minimal number of word occurrences", -1, true, nullptr, nullptr, nullptr, SV_I32(min_count)},
    {"minCountLabel", {"min_count_label"}, OptType::kInt, kAll, {"0", "0", "0", "0"}, 0, kI32Max,
     false, {}, "minimal number of label occurrences (sent2vec: of a target word)", 5, true,
     nullptr, nullptr, nullptr, SV_I32(min_count_label)},
    {"minn", none, OptType::kInt, kAll, {"3", "3", "0", "0"}, 0, kI32Max, false, {},
     "min length of char n-grams", -1, true, nullptr, nullptr, nullptr, SV_I32(minn)},
    {"maxn", none, OptType::kInt, kAll, {"6", "6", "0", "0"}, 0, 100, false, {},
     "max length of char n-grams", -1, true, nullptr, nullptr, nullptr, SV_I32(maxn)},
    {"neg", none, OptType::kInt, kAll, {"5", "5", "5", "10"}, 1, 10000, false, {},
     "number of negatives sampled", -1, true, nullptr, nullptr, nullptr, SV_I32(neg)},
    {"wordNgrams", {"word_ngrams"}, OptType::kInt, kAll, {"1", "1", "1", "2"}, 1, 100, false, {},
     "max length of word n-grams", -1, true, nullptr, nullptr, nullptr, SV_I32(word_ngrams)},
    {"loss", none, OptType::kText, kAll, {"ns", "ns", "softmax", "ns"}, 0, 0, false,
     {"ns", "hs", "softmax", "ova"}, "loss function", -1, true, nullptr, nullptr,
     nullptr, &get_loss, &set_loss},
    {"bucket", none, OptType::kInt, kAll, {"2000000", "2000000", "2000000", "2000000"}, 0, kI32Max,
     false, {}, "number of buckets", -1, true, nullptr, nullptr, nullptr, SV_I32(bucket)},
    {"thread", none, OptType::kInt, kAll, {"auto", "auto", "auto", "auto"}, 1, 1024, false, {},
     "number of threads (set to 1 to get reproducible results)", 6, true, nullptr, nullptr, nullptr, SV_I32(thread)},
    {"lrUpdateRate", {"lr_update_rate"}, OptType::kInt, kAll, {"100", "100", "100", "100"}, 1,
     kI32Max, false, {}, "change the rate of updates for the learning rate", -1, true, nullptr,
     nullptr, nullptr, SV_I32(lr_update_rate)},
    {"t", none, OptType::kReal, kAll, {"1e-4", "1e-4", "1e-4", "1e-4"}, 0, 1, true, {},
     "sampling threshold", -1, true, nullptr, nullptr, nullptr, SV_REAL(t)},
    {"label", {"label_prefix"}, OptType::kText, kAll,
     {"__label__", "__label__", "__label__", "__label__"}, 0, 0, false, {}, "labels prefix", 1,
     true, nullptr, nullptr, nullptr, SV_TEXT(label)},
    {"verbose", none, OptType::kInt, kAll, {"2", "2", "2", "2"}, 0, kI32Max, false, {},
     "verbosity level (0 silent, 1 dictionary summary, 2 progress line)", -1, true, nullptr,
     "2 when stderr is a terminal, else 0", nullptr, SV_I32(verbose)},
    {"pretrainedVectors", {"pretrained_vectors"}, OptType::kPath, kAll, {"", "", "", ""}, 0, 0,
     false, {}, "pretrained word vectors (.vec) whose rows initialise the input vectors", -1, true,
     nullptr, nullptr, nullptr, SV_TEXT(pretrained_vectors)},
    {"seed", none, OptType::kSeed, kAll, {"0", "0", "0", "0"}, 0, 0, false, {},
     "seeds every random draw (with thread 1 the same seed gives a byte-identical model)", 3, true, nullptr, nullptr,
     nullptr, &get_seed, &set_seed},
    {"autotuneValidationFile", none, OptType::kPath, kSupervisedBit, {"", "", "", ""}, 0, 0, false,
     {}, "validation file to be used for evaluation", -1, true, nullptr, nullptr,
     "autotune-validation", SV_TEXT(autotune_validation_file)},
    {"autotuneMetric", none, OptType::kText, kSupervisedBit, {"f1", "f1", "f1", "f1"}, 0, 0, false,
     {}, "metric objective {f1, f1:labelname, precisionAtRecall:X, ...}", -1, true, nullptr, nullptr, "autotune-metric", SV_TEXT(autotune_metric)},
    {"autotunePredictions", none, OptType::kInt, kSupervisedBit, {"1", "1", "1", "1"},
     -kI32Max - 1, kI32Max, false, {}, "number of predictions used for evaluation", -1, true,
     nullptr, nullptr, "autotune-predictions", SV_I32(autotune_predictions)},
    {"autotuneDuration", none, OptType::kInt, kSupervisedBit, {"300", "300", "300", "300"},
     -kI32Max - 1, kI32Max, false, {}, "maximum duration in seconds", -1, true, nullptr,
     nullptr, "autotune-duration", SV_I32(autotune_duration)},
    {"autotuneModelSize", none, OptType::kText, kSupervisedBit, {"", "", "", ""}, 0, 0, false, {},
     "constraint model file size, e.g. 2M (empty: do not quantize)", -1, true, nullptr, nullptr,
     "autotune-modelsize", SV_TEXT(autotune_model_size)},
    // What sent2vec_step.cpp does: for each target, dropoutK word positions of its sentence are
    // drawn at random (with replacement); the word n-grams that touch one of them, or the target,
    // are left out of that target's context.
    {"dropoutK", {"dropout_k"}, OptType::kInt, kSent2vecBit, {"2", "2", "2", "2"}, 0, kI32Max,
     false, {},
     "sent2vec: word positions drawn per target whose word n-grams are left out of its context",
     4, false, nullptr, nullptr, nullptr, SV_I32(dropout_k)},
    {"minCountTarget", {"min_count_target"}, OptType::kInt, kSent2vecBit, {"0", "0", "0", "0"}, 0,
     kI32Max, false, {}, "sent2vec: minimal number of occurrences of a target word", -1, false,
     "minCountLabel", nullptr, nullptr, SV_I32(min_count_label)},
    {"scheme", none, OptType::kText, kSent2vecBit, {"fasttext", "fasttext", "fasttext", "sentvec"},
     0, 0, false, {"sentvec", "sent2vec", "fasttext"},
     "word n-gram hashing (sent2vec models train with 'sentvec')", 0, false, nullptr, nullptr,
     nullptr, &get_scheme, &set_scheme},
    // Measured on cooking and sst2 over 5 seeds (bench/bench_init.py): zero hashed rows and
    // uniform ones give the same P@1 within 0.05 point, so supervised keeps fastText's
    // uniform. "used" trains exactly as "uniform" (no word reaches the other rows) and, in
    // skipgram/cbow, spares filling ~90% of a 2M-bucket matrix with noise that only an
    // out-of-vocabulary n-gram would read (official fastText, with fewer than 10 threads,
    // leaves most of its matrix zero too). sent2vec's rows are word n-grams: "used" is uniform.
    {"initBuckets", {"init_buckets"}, OptType::kText, kAll, {"used", "used", "uniform", "used"},
     0, 0, false, {"uniform", "zero", "used"},
     "start of the hashed (n-gram) input rows: uniform(-1/dim, 1/dim) like the word rows, zero, "
     "or 'used': uniform for the rows training can reach, zero for the char n-gram rows no "
     "vocabulary word has (with word n-grams every row is reachable)",
     -1, false, nullptr, nullptr, nullptr, SV_TEXT(init_buckets)},
    // fasttext_steps.cpp: "fasttext" is fastText's step (each pair or window its own mean of
    // rows and its own update of them); "window" reads each word's rows once and updates them
    // once (skipgram: one hidden vector per centre word for all its context words, moved by each
    // pair's gradient as fastText's step moves it; cbow: the mean of each position's rows shared
    // by every window it is in, moved likewise). Measured by bench/bench_train.py (20 MB of
    // en.txt, epoch 3, 2 threads, 2 seeds; WS353 / analogy): skipgram "window" 0.438 / 49.0%,
    // "fasttext" 0.440 / 48.7%, official fastText 0.446 / 48.0%; cbow "window" 0.216 / 20.5%,
    // "fasttext" 0.219 / 20.2%, official 0.181 / 16.4%. Within the 0.01 / 1 point asked, so
    // "window" is the default of both.
    // supervised "local" (bench_train.py --only supervised --sup-runs 3 --threads 2, P@1 mean of
    // 3 seeds): cooking 0.5529 (official 0.5559, "fasttext" 0.5524), sst2 0.8131 (official
    // 0.8138, "fasttext" 0.8050); cooking 2.2 s against 11.7 s for "fasttext" on 2 threads. With
    // one thread it is "fasttext". So "local" is the supervised default.
    // sent2vec "window" (sent2vec_step.cpp): the sentence's rows are read once and written
    // once; each target's context sum is the sentence's sum less the rows it leaves out.
    {"update", none, OptType::kText, kAll,
     {"window", "window", "local", "window"}, 0, 0, false, {"fasttext", "window", "local"},
     "step: fastText's (sent2vec's) exact one; 'window' (skipgram/cbow: each word's rows read and "
     "updated once per window; sent2vec: each sentence's rows read and updated once); 'local' "
     "(supervised softmax/ova, several threads: each thread steps on its own copy of the output "
     "matrix and merges its change every 16 examples)",
     -1, false, nullptr, nullptr, nullptr, SV_TEXT(update)},
    // Run-only: how this run saves and resumes (checkpoint.h) and watches a validation file
    // (validation.h). Not stored in model files; a resumed run may change the first four.
    {"checkpoint", none, OptType::kPath, kAll, {"", "", "", ""}, 0, 0, false, {},
     "folder where training writes checkpoints (ckpt-N: model.bin and state.txt) to resume from",
     -1, false, nullptr, nullptr, nullptr, SV_TEXT(checkpoint)},
    {"checkpointEvery", {"checkpoint_every"}, OptType::kText, kAll, {"1", "1", "1", "1"}, 0, 0,
     false, {}, "checkpoint interval: epochs (a number, may be fractional) or time ('30s', '5m', '1h')",
     -1, false, nullptr, nullptr, nullptr, SV_TEXT(checkpoint_every)},
    {"checkpointKeep", {"checkpoint_keep"}, OptType::kInt, kAll, {"1", "1", "1", "1"}, 0, kI32Max,
     false, {}, "newest checkpoints kept in the folder (0 keeps every one)", -1, false, nullptr,
     nullptr, nullptr, SV_I32(checkpoint_keep)},
    {"resume", none, OptType::kPath, kAll, {"", "", "", ""}, 0, 0, false, {},
     "continue from the newest complete checkpoint in this folder (or this checkpoint); options "
     "not given are the checkpoint's", -1, false, nullptr, nullptr, nullptr, SV_TEXT(resume)},
    {"validation", none, OptType::kPath, kSupervisedBit, {"", "", "", ""}, 0, 0, false, {},
     "labelled file scored after every epoch (P@1, R@1, loss) in the callback and progress line",
     -1, false, nullptr, nullptr, nullptr, SV_TEXT(validation)},
    {"earlyStop", {"early_stop"}, OptType::kInt, kSupervisedBit, {"0", "0", "0", "0"}, 0, kI32Max,
     false, {}, "stop after this many epochs without a better validation P@1 and return the best "
     "epoch's model (0: never)", -1, false, nullptr, nullptr, nullptr, SV_I32(early_stop)},
  };
}
// clang-format on

#undef SV_I32
#undef SV_REAL
#undef SV_TEXT

OptionValue parse_value(OptType type, const std::string& text) {
  switch (type) {
    case OptType::kInt: return int64_t{std::stoi(text)};
    case OptType::kSeed: return static_cast<uint64_t>(std::stoull(text));
    case OptType::kReal: return std::stod(text);
    case OptType::kText:
    case OptType::kPath: return text;
  }
  return text;
}

const char* type_word(OptType t) {
  switch (t) {
    case OptType::kInt: return "an integer";
    case OptType::kSeed: return "an integer in [0, 2**64)";
    case OptType::kReal: return "a number";
    case OptType::kText: return "a string";
    case OptType::kPath: return "a path";
  }
  return "a value";
}

bool holds_type(OptType t, const OptionValue& v) {
  switch (t) {
    case OptType::kInt: return std::holds_alternative<int64_t>(v);
    case OptType::kSeed: return std::holds_alternative<uint64_t>(v);
    case OptType::kReal: return std::holds_alternative<double>(v);
    case OptType::kText:
    case OptType::kPath: return std::holds_alternative<std::string>(v);
  }
  return false;
}

std::string num_str(double x) {
  if (x == kI32Max) return "2**31 - 1";
  return option_value_str(x);
}

[[noreturn]] void fail(const std::string& name, const std::string& must, const OptionValue& v) {
  const std::string got = std::holds_alternative<std::string>(v)
                              ? "'" + std::get<std::string>(v) + "'"
                              : option_value_str(v);
  throw ArgError("option '" + name + "' must be " + must + " (got " + got + ")");
}

std::string kind_list(unsigned kinds) {
  std::string s;
  for (ModelName k : kModelKinds)
    if (kinds & (1u << kind_index(k))) s += std::string(s.empty() ? "" : ", ") + model_name_str(k);
  return s;
}

[[noreturn]] void unknown_option(const std::string& name, ModelName kind) {
  std::vector<std::string> valid;
  for (const OptionSpec& o : option_table())
    if (o.accepts(kind)) valid.push_back(o.name);
  std::sort(valid.begin(), valid.end());
  std::string list;
  for (const std::string& v : valid) list += (list.empty() ? "" : ", ") + v;
  const OptionSpec* o = find_option(name);
  std::string why = o ? " (it applies to " + kind_list(o->kinds) + " models)" : "";
  throw UnknownOptionError("unknown option '" + name + "' for a " + model_name_str(kind) + " model" + why +
                 "; valid options are: " + list);
}

}  // namespace

const std::vector<OptionSpec>& option_table() {
  static const std::vector<OptionSpec> table = build_table();
  return table;
}

const OptionSpec* find_option(std::string_view name) {
  for (const OptionSpec& o : option_table()) {
    if (name == o.name) return &o;
    for (const char* a : o.aliases)
      if (name == a) return &o;
  }
  return nullptr;
}

int32_t default_threads() {
  const unsigned n = std::thread::hardware_concurrency();
  return n > 1 ? static_cast<int32_t>(n - 1) : 1;
}

std::string option_value_str(const OptionValue& v) {
  if (const auto* i = std::get_if<int64_t>(&v)) return std::to_string(*i);
  if (const auto* u = std::get_if<uint64_t>(&v)) return std::to_string(*u);
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  // The shortest text that reads back as the same double.
  const double d = std::get<double>(v);
  char buf[32];
  for (int p = 6; p <= 17; ++p) {
    std::snprintf(buf, sizeof buf, "%.*g", p, d);
    if (std::strtod(buf, nullptr) == d) break;
  }
  return buf;
}

OptionValue parse_option_text(const OptionSpec& o, const std::string& text) {
  if (o.type == OptType::kInt) return int64_t{std::stoll(text)};
  return parse_value(o.type, text);
}

OptionValue OptionSpec::default_value(ModelName kind) const {
  const std::string text = defaults[kind_index(kind)];
  if (text == "auto") return int64_t{default_threads()};
  return parse_value(type, text);
}

std::string OptionSpec::range_text() const {
  if (!choices.empty()) {
    std::string s = "one of ";
    for (size_t i = 0; i < choices.size(); ++i) s += (i ? ", '" : "'") + std::string(choices[i]) + "'";
    return s;
  }
  if (type == OptType::kText) return "a string";
  if (type == OptType::kPath) return "a path";
  if (type == OptType::kSeed) return "in [0, 2**64)";
  const bool bounded = type == OptType::kReal ? max != kInf : max != kI32Max;
  if (!bounded) return (min_open ? "> " : ">= ") + num_str(min);
  return std::string("in ") + (min_open ? "(" : "[") + num_str(min) + ", " + num_str(max) + "]";
}

void OptionSpec::check(const OptionValue& v) const {
  if (!holds_type(type, v)) throw ArgError(std::string("option '") + name + "' must be " + type_word(type));
  if (const auto* s = std::get_if<std::string>(&v)) {
    if (!choices.empty() &&
        std::none_of(choices.begin(), choices.end(), [&](const char* c) { return *s == c; }))
      fail(name, range_text(), v);
    return;
  }
  if (type == OptType::kSeed) return;  // every uint64 is a seed
  const double x = type == OptType::kInt ? static_cast<double>(std::get<int64_t>(v)) : std::get<double>(v);
  const bool low_ok = min_open ? x > min : x >= min;
  if (!(low_ok && x <= max)) fail(name, range_text(), v);  // NaN fails too
}

Args::Args() {
  for (const OptionSpec& o : option_table()) o.set(*this, o.default_value(ModelName::kSkipgram));
}

Args Args::defaults_for(ModelName kind) {
  Args a;
  for (const OptionSpec& o : option_table())
    if (!o.same_as) o.set(a, o.default_value(kind));
  a.model = kind;
  return a;
}

Args Args::from_options(ModelName kind, const OptionList& given) {
  // "model" picks the column of defaults: apply it first.
  for (const auto& [name, value] : given) {
    const OptionSpec* o = find_option(name);
    if (o && std::string(o->name) == "model") {
      if (!o->accepts(kind)) unknown_option(name, kind);
      o->check(value);
      kind = model_from_str(std::get<std::string>(value));
    }
  }
  Args a = defaults_for(kind);
  std::vector<std::pair<const OptionSpec*, size_t>> seen;  // target option -> index in given
  for (size_t i = 0; i < given.size(); ++i) {
    const auto& [name, value] = given[i];
    const OptionSpec* o = find_option(name);
    if (!o || !o->accepts(kind)) unknown_option(name, kind);
    o->check(value);
    const OptionSpec* target = o->same_as ? find_option(o->same_as) : o;
    for (const auto& [t, j] : seen) {
      if (t != target) continue;
      if (given[j].second != value)
        throw ArgError("options '" + given[j].first + "' (" + option_value_str(given[j].second) +
                       ") and '" + name + "' (" + option_value_str(value) +
                       ") are one option and disagree; give one of them");
    }
    seen.emplace_back(target, i);
    o->set(a, value);
    // Checked here, where it was asked for: an Args made for another kind and moved to
    // supervised (a loaded model's) keeps skipgram's "window", which a supervised run ignores.
    if (target->name == std::string("update") && a.supervised() && a.update == "window")
      fail("update", "'fasttext' or 'local' for a supervised model ('window' is a skipgram/cbow step)",
           value);
  }
  a.validate();
  return a;
}

void Args::validate() const {
  auto require = [](bool ok, const std::string& name, const std::string& must, const OptionValue& got) {
    if (!ok) fail(name, must, got);
  };
  for (const OptionSpec& o : option_table())
    if (o.accepts(model) && !o.same_as) o.check(o.get(*this));
  require(maxn == 0 || minn <= maxn, "minn", "<= maxn when maxn > 0", int64_t{minn});
  require(maxn == 0 || minn >= 1, "minn", ">= 1 when maxn > 0", int64_t{minn});
  require(!label.empty(), "label", "a non-empty prefix", label);
  require(valid_utf8(label), "label", "UTF-8 text", std::string("bytes that are not UTF-8"));
  require(loss != LossName::kOva || supervised(), "loss",
          "'ns', 'hs' or 'softmax' for an unsupervised model ('ova' needs labels)", std::string("ova"));
  if (model == ModelName::kSent2vec) {
    if (scheme != NgramScheme::kSentvec && !(continuing && scheme == NgramScheme::kSent2vec))
      throw ArgError(std::string("option 'scheme' must be 'sentvec' to train a sent2vec model (got '") +
                     scheme_name_str(scheme) +
                     "'); the 'sent2vec' and 'fasttext' schemes are kept only to read existing models");
    // An official sent2vec model stores maxn (its char n-grams serve get_word_vector only);
    // trained further, it keeps them, untrained, as sent2vec itself never trains them.
    if (maxn > 0 && !continuing)
      throw ArgError("option 'maxn' must be 0 for sent2vec (got " + std::to_string(maxn) +
                     "): sent2vec trains no character n-grams");
  }
  require(update != "local" || supervised(), "update",
          "'fasttext' or 'window' for skipgram, cbow and sent2vec ('local' is a supervised step)",
          update);
  if (supervised()) check_autotune_options(*this);  // autotune.cpp: metric, size, budget
  parse_checkpoint_every(checkpoint_every);  // checkpoint.cpp: "1", "0.5", "30s", "5m"
  if (!autotune_validation_file.empty()) {
    for (const auto& [name, value] : {std::pair<const char*, const std::string*>{"checkpoint", &checkpoint},
                                      {"resume", &resume}, {"validation", &validation}})
      if (!value->empty())
        throw ArgError(std::string("option '") + name +
                       "' cannot be combined with option 'autotuneValidationFile' (autotune trains many models)");
  }
  if (early_stop > 0 && validation.empty())
    throw ArgError("option 'earlyStop' needs option 'validation' (the file whose P@1 it watches)");
  require(max_line_tokens >= 1, "maxLineTokens", ">= 1", int64_t{max_line_tokens});
}

OptionList Args::to_options() const {
  OptionList out;
  for (const OptionSpec& o : option_table())
    if (!o.same_as) out.emplace_back(o.name, o.get(*this));
  return out;
}

std::string Args::trailer_lines() const {
  std::vector<const OptionSpec*> stored;
  for (const OptionSpec& o : option_table())
    if (o.trailer_slot >= 0) stored.push_back(&o);
  std::sort(stored.begin(), stored.end(),
            [](const OptionSpec* a, const OptionSpec* b) { return a->trailer_slot < b->trailer_slot; });
  std::ostringstream out;
  out.precision(17);  // reals read back exactly
  for (const OptionSpec* o : stored) {
    out << o->name << '=';
    std::visit([&out](const auto& x) { out << x; }, o->get(*this));
    out << '\n';
  }
  return out.str();
}

bool Args::set_from_trailer(const std::string& key, const std::string& value) {
  for (const OptionSpec& o : option_table()) {
    if (o.trailer_slot < 0 || key != o.name) continue;
    o.set(*this, parse_value(o.type, value));
    return true;
  }
  return false;
}

const char* model_name_str(ModelName m) {
  switch (m) {
    case ModelName::kCbow: return "cbow";
    case ModelName::kSkipgram: return "skipgram";
    case ModelName::kSupervised: return "supervised";
    case ModelName::kSent2vec: return "sent2vec";
  }
  return "unknown";
}

const char* loss_name_str(LossName l) {
  switch (l) {
    case LossName::kHs: return "hs";
    case LossName::kNs: return "ns";
    case LossName::kSoftmax: return "softmax";
    case LossName::kOva: return "ova";
  }
  return "unknown";
}

const char* scheme_name_str(NgramScheme s) {
  switch (s) {
    case NgramScheme::kFasttext: return "fasttext";
    case NgramScheme::kSent2vec: return "sent2vec";
    case NgramScheme::kSentvec: return "sentvec";
  }
  return "unknown";
}

ModelName model_from_str(const std::string& s) {
  for (ModelName k : kModelKinds)
    if (s == model_name_str(k)) return k;
  throw ArgError("option 'model' must be one of 'skipgram', 'cbow', 'supervised', 'sent2vec' (got '" +
                 s + "')");
}

LossName loss_from_str(const std::string& s) {
  for (LossName l : {LossName::kNs, LossName::kHs, LossName::kSoftmax, LossName::kOva})
    if (s == loss_name_str(l)) return l;
  throw ArgError("option 'loss' must be one of 'ns', 'hs', 'softmax', 'ova' (got '" + s + "')");
}

NgramScheme scheme_from_str(const std::string& s) {
  if (s == "fasttext") return NgramScheme::kFasttext;
  if (s == "sent2vec") return NgramScheme::kSent2vec;
  if (s == "sentvec") return NgramScheme::kSentvec;
  throw ArgError("scheme must be one of 'sentvec', 'sent2vec', 'fasttext' (got '" + s + "')");
}

}  // namespace sentvec
