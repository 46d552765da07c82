// The training threads over a model's dense matrices (shared by train, retrain and resume):
// Hogwild workers, the watcher that polls, prints, scores the validation file after every
// epoch and writes checkpoints while the workers are parked between two lines.
#pragma once
#include <cstdio>
#include <memory>
#include <string>

#include "checkpoint.h"
#include "corpus.h"
#include "trainer.h"

namespace sentvec {

/// The LineStep factory of a model kind (a switch on the model name).
StepFactory step_factory_for(const Args& a);

/// Trains `model` (its dense matrices, in place) on `input` for args.epoch epochs of
/// `corpus_tokens` tokens each (the lr schedule, epoch ends and epoch-counted checkpoints run
/// over them: the dictionary's ntokens, except when a model is trained further on new text).
/// With `resume`, the threads continue from that state (`best`: its best.bin model, or null).
/// With `compact` (no checkpoints, no validation: they read the model's own matrix), the
/// threads train compact->input instead of the model's input matrix, through its word rows.
struct CompactInput {
  DenseMatrix* input = nullptr;
  const WordRows* rows = nullptr;
};
void run_training(Model& model, const CorpusSource& input, int64_t corpus_tokens, const TrainOptions& opts,
                  const StepFactory& factory, std::FILE* log, const TrainState* resume = nullptr,
                  std::shared_ptr<Model> best = nullptr, CompactInput compact = {});

/// What train() checks about the run-only options before it counts the vocabulary: the
/// validation file opens and is not empty, the checkpoint folder can be written.
void check_run_options(const Args& args);

/// train() with option 'resume': loads the newest complete checkpoint named by args.resume,
/// checks the options (check_resume_options) and the corpus, and continues the run.
std::shared_ptr<Model> resume_training(const Args& args, const CorpusSource& input,
                                       const TrainOptions& opts);

}  // namespace sentvec
