// Hyperparameters and THE option table: every option's name, aliases, type, default per model
// kind, range, help and trailer key. Defaults, validation, Model.args(), the file trailer, the
// Python signatures and the CLI flags are all derived from option_table() (args.cpp).
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "hashing.h"

namespace sentvec {

/// fastText's model enum as stored in .bin files (sent2vec adds 4).
enum class ModelName : int32_t { kCbow = 1, kSkipgram = 2, kSupervised = 3, kSent2vec = 4 };
/// fastText's loss enum as stored in .bin files.
enum class LossName : int32_t { kHs = 1, kNs = 2, kSoftmax = 3, kOva = 4 };

/// The model kinds in table order (ModelName value - 1).
constexpr std::array<ModelName, 4> kModelKinds = {ModelName::kCbow, ModelName::kSkipgram,
                                                  ModelName::kSupervised, ModelName::kSent2vec};

/// One option value: kInt options hold int64_t (range-checked into int32), kSeed uint64_t,
/// kReal double, kText and kPath a string (a name such as a loss, a prefix; a file).
using OptionValue = std::variant<int64_t, uint64_t, double, std::string>;
/// Options by name (canonical or alias), in the order given.
using OptionList = std::vector<std::pair<std::string, OptionValue>>;

/// All options. The first block is what fastText's .bin header stores; the rest lives in
/// sentvec's trailer (or is not stored at all). Members are set by the constructor from the
/// option table (skipgram column), not by initializers here.
struct Args {
  int32_t dim, ws, epoch, min_count, neg, word_ngrams;
  LossName loss;
  ModelName model;
  int32_t bucket, minn, maxn, lr_update_rate;
  double t;

  // Not in fastText's header.
  double lr;
  int32_t thread, min_count_label;
  std::string label;
  int32_t verbose;
  std::string pretrained_vectors;
  uint64_t seed;
  int32_t dropout_k;
  NgramScheme scheme;
  /// How the hashed rows (char and word n-grams) of the input matrix start: "uniform" like the
  /// word rows, or "zero" (see bench/bench_init.py for what each gives).
  std::string init_buckets;
  /// skipgram/cbow: "fasttext" (fastText's exact step) or "window" (fasttext_steps.cpp).
  std::string update;
  // Accepted for compatibility with the official package (supervised).
  std::string autotune_validation_file, autotune_metric, autotune_model_size;
  int32_t autotune_predictions, autotune_duration;
  // Run-only options (never in a model file): checkpoints (checkpoint.h) and validation
  // while training (validation.h).
  std::string checkpoint, checkpoint_every, resume, validation;
  int32_t checkpoint_keep, early_stop;
  /// fastText's MAX_LINE_SIZE for unsupervised lines: a constant there, not an option.
  int32_t max_line_tokens = 1024;
  /// Set by continued_args: the run trains a loaded model further, so a sent2vec model may keep
  /// the legacy 'sent2vec' n-gram scheme its rows were hashed with (new models must use 'sentvec').
  bool continuing = false;

  /// The skipgram defaults (what a model file that does not store an option means).
  Args();
  /// The defaults of a model kind: what train_unsupervised / train_supervised use.
  static Args defaults_for(ModelName kind);
  /// defaults_for(kind) with `given` applied (names or aliases; each must be accepted by
  /// `kind`), then validate(). Throws ArgError naming the option.
  static Args from_options(ModelName kind, const OptionList& given);

  /// Throws ArgError naming the first option out of range (the one place options are checked).
  void validate() const;
  bool supervised() const { return model == ModelName::kSupervised; }

  /// Every option's value (table order, aliases excluded): Model.args().
  OptionList to_options() const;
  /// The trailer lines "key=value\n" of the options the trailer stores, in trailer order.
  std::string trailer_lines() const;
  /// Sets an option read from the trailer; false when `key` is not an option's trailer key.
  /// Throws std::exception on a malformed value.
  bool set_from_trailer(const std::string& key, const std::string& value);
};

/// kPath is a kText that names a file (the bindings accept os.PathLike for it).
enum class OptType { kInt, kSeed, kReal, kText, kPath };

/// One row of the option table.
struct OptionSpec {
  const char* name;                  ///< fastText's camelCase name (Model.args key, CLI flag)
  std::vector<const char*> aliases;  ///< other names the official packages accept
  OptType type;
  unsigned kinds;                    ///< bit (1 << index) per model kind that accepts it
  /// Default per kind (cbow, skipgram, supervised, sent2vec) as text; "auto" = computed
  /// (thread: cpu count - 1). Every kind has a value, also kinds that do not accept it.
  std::array<const char*, 4> defaults;
  double min, max;                   ///< numeric range (inclusive; `min_open` excludes min)
  bool min_open;
  std::vector<const char*> choices;  ///< allowed values of a kText name option
  const char* help;
  int trailer_slot;                  ///< position in the trailer, -1 when not stored there
  bool positional;                   ///< in the official package's positional order
  /// Another option this one is a second name of, that may be given alongside it when the
  /// values agree (sent2vec's minCountTarget is fastText's minCountLabel).
  const char* same_as;
  /// Shown by the CLI instead of the default when the command line picks its own.
  const char* cli_default;
  /// The official CLI's flag when it is not `name` (-autotune-validation ...), else nullptr.
  const char* cli_flag;
  OptionValue (*get)(const Args&);
  void (*set)(Args&, const OptionValue&);

  bool accepts(ModelName kind) const { return kinds & (1u << (static_cast<int>(kind) - 1)); }
  /// The default for `kind` as a value ("auto" resolved).
  OptionValue default_value(ModelName kind) const;
  /// Throws ArgError unless `v` is in range / one of the choices.
  void check(const OptionValue& v) const;
  /// "in [1, 100000]", ">= 0", "one of 'ns', 'hs'" ...
  std::string range_text() const;
};

/// The table, in the official package's positional order, then sentvec's own options.
const std::vector<OptionSpec>& option_table();
/// The row named `name` or having it as an alias; nullptr when there is none.
const OptionSpec* find_option(std::string_view name);
/// The value of thread's "auto" default: cpu count - 1, at least 1.
int32_t default_threads();
/// Parses an option's value from text (a checkpoint's state file); throws std::exception.
OptionValue parse_option_text(const OptionSpec& o, const std::string& text);
/// A value as the CLI and messages show it (17 significant digits for reals, %g-like).
std::string option_value_str(const OptionValue& v);

const char* model_name_str(ModelName m);
const char* loss_name_str(LossName l);
const char* scheme_name_str(NgramScheme s);
ModelName model_from_str(const std::string& s);
LossName loss_from_str(const std::string& s);
NgramScheme scheme_from_str(const std::string& s);

}  // namespace sentvec
