// Checkpoints of a training run, and resuming from one (options 'checkpoint', 'checkpointEvery',
// 'checkpointKeep', 'resume').
//
// A checkpoint is a folder DIR/ckpt-NNNNNN holding
//   model.bin  the model at that point: a normal .bin (sentvec trailer), loadable by load_model
//   best.bin   with earlyStop, the best epoch's model when it is not the current one
//   state.txt  everything else the threads need to continue exactly: tokens processed, the lr
//              schedule (lr0, total), per worker the RNG state, negative-table cursor, reader
//              byte offset, the un-flushed token counter and the loss sums; every option of the
//              run; the corpus's identity (path, size, mtime); the validation history.
// It is written as DIR/ckpt-NNNNNN.tmp-PID (files fsynced), then renamed into place and the
// folder fsynced, so a reader only ever sees complete checkpoints; a killed writer leaves a
// .tmp folder that resume ignores and the next run removes.
//
// Taking one never changes the arithmetic: the trainer parks every worker between two lines
// (nothing flushed) while this writes, then lets them go on; so a run with checkpoints trains
// the same model as one without, and with thread=1 a resumed run ends with the same bytes.
#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "args.h"
#include "corpus.h"
#include "validation.h"

namespace sentvec {

class Model;

/// checkpointEvery: a number of epochs (may be fractional) or seconds ("30s", "5m", "1h").
struct CheckpointEvery {
  double epochs = 0;   ///< > 0 when counted in epochs
  double seconds = 0;  ///< > 0 when counted in seconds
};
/// Throws ArgError naming option 'checkpointEvery' for anything else.
CheckpointEvery parse_checkpoint_every(const std::string& text);

/// What identifies the corpus a run trains on (a resumed run must train on the same file).
struct CorpusId {
  std::string path;  ///< absolute, symlinks resolved
  int64_t size = 0;
  int64_t mtime_ns = 0;
};
CorpusId corpus_identity(const std::string& path);
/// A file's identity, or for lines held in memory "<python data>", their size and, in
/// mtime_ns's place, a 64-bit FNV-1a checksum of their bytes (resume needs the same lines).
CorpusId corpus_identity(const CorpusSource& input);

/// One training thread between two lines.
struct WorkerState {
  std::array<uint64_t, 4> rng{};
  uint64_t neg_pos = 0;
  int64_t reader_offset = 0;
  int64_t local_tokens = 0;  ///< counted but not yet added to the shared counter
  double loss_sum = 0;
  int64_t examples = 0;
};

/// Validation while training: figures per epoch and the best one.
struct ValidationTrack {
  int32_t last_epoch = 0;  ///< last epoch scored
  int32_t best_epoch = 0;  ///< 0 before the first score
  double best_precision = -1;
  std::vector<EpochFigures> history;
};

/// Everything but the matrices and the dictionary.
struct TrainState {
  int32_t index = 0;  ///< the checkpoint's number (ckpt-NNNNNN)
  int64_t tokens = 0, total = 1, ntokens = 0;
  double lr0 = 0;
  double elapsed_seconds = 0;  ///< training time before this checkpoint (all runs)
  CorpusId corpus;
  std::vector<WorkerState> workers;
  ValidationTrack valid;
  bool has_best = false;  ///< best.bin present
  Args args;              ///< every option of the run
};

/// Writes checkpoint `st.index` into `dir` atomically (see above) and then removes the older
/// ones beyond `keep` (0: none removed). `best` (may be null) goes to best.bin. Returns the
/// checkpoint's folder. Throws IoError naming the path.
std::string write_checkpoint(const std::string& dir, const Model& model, const Model* best,
                             const TrainState& st, int32_t keep);

/// Prepares `dir` for a run: creates it (and its parents), checks that it is a writable folder,
/// removes .tmp leftovers of killed writers; returns the highest checkpoint number in it (0).
int32_t prepare_checkpoint_dir(const std::string& dir);

/// The checkpoint folder `path` names: a checkpoint folder itself (it holds state.txt), a file in
/// one, or a folder of checkpoints (the newest complete one). Throws IoError when `path` does not
/// exist, ArgError (option 'resume') when it holds no complete checkpoint.
std::string find_checkpoint(const std::string& path);

/// Reads a checkpoint's state.txt; throws FormatError/IoError.
TrainState read_checkpoint_state(const std::string& ckpt_dir);

/// The options of a resumed run: the checkpoint's, with `given` (checked like Args::from_options)
/// applied. Options that shape the model or its training must equal the checkpoint's
/// (ArgError naming the option otherwise); the run-only ones (verbose, checkpoint,
/// checkpointEvery, checkpointKeep, resume) may change.
Args resume_args(ModelName kind, const OptionList& given);

/// Throws ArgError (option 'resume') naming the first option of `run` that differs from the
/// checkpoint's `saved` (the run-only ones excepted), or a model kind that differs.
void check_resume_options(const Args& saved, const Args& run, const std::string& ckpt_dir);

/// Throws ArgError (option 'resume') when `now` is not the corpus the checkpoint trained on.
void check_resume_corpus(const CorpusId& saved, const CorpusId& now, const std::string& ckpt_dir);

}  // namespace sentvec
