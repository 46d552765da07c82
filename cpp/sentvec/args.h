// Hyperparameters: every option, its default and its valid range, in one place.
#pragma once
#include <cstdint>
#include <string>

#include "hashing.h"

namespace sentvec {

/// fastText's model enum as stored in .bin files (sent2vec adds 4).
enum class ModelName : int32_t { kCbow = 1, kSkipgram = 2, kSupervised = 3, kSent2vec = 4 };
/// fastText's loss enum as stored in .bin files.
enum class LossName : int32_t { kHs = 1, kNs = 2, kSoftmax = 3, kOva = 4 };

/// All options. The first block is what fastText's .bin header stores; the rest lives in
/// sentvec's trailer (or is not stored at all).
struct Args {
  int32_t dim = 100;
  int32_t ws = 5;
  int32_t epoch = 5;
  int32_t min_count = 5;
  int32_t neg = 5;
  int32_t word_ngrams = 1;
  LossName loss = LossName::kNs;
  ModelName model = ModelName::kSkipgram;
  int32_t bucket = 2000000;
  int32_t minn = 3;
  int32_t maxn = 6;
  int32_t lr_update_rate = 100;
  double t = 1e-4;

  // Not in fastText's header.
  double lr = 0.05;
  int32_t thread = 1;
  int32_t min_count_label = 0;
  std::string label = "__label__";
  int32_t verbose = 2;
  std::string pretrained_vectors;
  uint64_t seed = 0;
  int32_t dropout_k = 2;       ///< sent2vec: n-gram dropout positions per sentence
  int32_t max_line_tokens = 1024;  ///< fastText's MAX_LINE_SIZE for unsupervised lines
  NgramScheme scheme = NgramScheme::kFasttext;

  /// Throws ArgError naming the first option out of range.
  void validate() const;
  bool supervised() const { return model == ModelName::kSupervised; }
};

const char* model_name_str(ModelName m);
const char* loss_name_str(LossName l);
const char* scheme_name_str(NgramScheme s);
NgramScheme scheme_from_str(const std::string& s);

}  // namespace sentvec
