// Continued training: the options, dictionary and matrices of a model that trains an existing
// model (official fastText's, sent2vec's or sentvec's) further on new text. trainer.cpp's
// continue_training runs the threads over what these build.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>

#include "args.h"
#include "corpus.h"
#include "dictionary_build.h"
#include "matrix.h"
#include "model.h"

namespace sentvec {

/// See continued_args in trainer.h (declared there, defined in continue_train.cpp).
Args continued_args(const Model& init, bool supervised, const OptionList& given);

/// The untrained continued model: args, extend_dictionary's dictionary, the matrices copied
/// from `init` with the new rows placed (new input word rows [row0, row1) are passed to
/// `init_rows` to be initialised; new output rows are zeros). Throws ArgError for a quantized
/// or pruned `init`, or pretrained vectors; MemoryError (check_memory) before allocating.
std::shared_ptr<Model> continued_model(const Model& init, const Args& args,
                                       const CorpusSource& input, bool grow_vocab,
                                       const VocabOptions& vopts, VocabStats* stats,
                                       const std::function<void(DenseMatrix&, int64_t, int64_t)>& init_rows);

}  // namespace sentvec
