// The sent2vec training step (trainer.cpp uses it for ModelName::kSent2vec).
#pragma once
#include <cstdint>
#include <memory>

#include "trainer.h"

namespace sentvec {

/// sent2vec's step on one line (one sentence): every kept word of the line is a target,
/// predicted from the mean of the line's other words and of the word n-grams that touch
/// neither the target nor any of `dropoutK` randomly dropped positions (sentvec scheme:
/// for_each_word_ngram with those positions blocked; unknown words split the line, as in
/// inference).
std::unique_ptr<LineStep> make_sent2vec_step(const TrainContext& ctx, int32_t thread_id);

}  // namespace sentvec
