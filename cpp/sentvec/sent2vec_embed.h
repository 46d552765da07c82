// Batch sentence embedding: many lines into a row-major float array, on threads.
#pragma once
#include <cstdint>
#include <string_view>

#include "model.h"

namespace sentvec {

/// out[i * dim .. (i + 1) * dim) = model.sentence_vector(lines[i]) for i in [0, n), bit for
/// bit, on `threads` threads (<= 0: all cores; few lines stay on one thread). For sent2vec
/// models with a dense input matrix, each thread takes blocks of lines and fetches the rows
/// of the next line while it sums the current one: the n-gram rows sit at random places in
/// a large matrix, and waiting for them one by one is most of the cost.
void embed_lines(const Model& model, const std::string_view* lines, int64_t n, float* out,
                 int32_t threads);

}  // namespace sentvec
