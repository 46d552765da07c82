// Word vectors as text (.vec) and word2vec binary files.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "../model.h"

namespace sentvec {

/// Writes word vectors: which = "input" (composed word vectors of every word) or "output"
/// (output-matrix rows: labels for supervised models, words otherwise); text .vec or
/// word2vec binary. Atomic (io/atomic_file.h).
void save_vectors(const Model& model, const std::string& path, const std::string& which,
                  bool binary);

/// A parsed .vec file (pretrained vectors).
struct VecFile {
  std::vector<std::string> words;
  int64_t dim = 0;
  std::vector<float> data;  // words.size() x dim
};
/// Reads a text .vec file, checking its header and every row. Throws FormatError / IoError.
VecFile read_vec(const std::string& path);
/// The same over bytes in memory (`path` only names them in messages).
VecFile parse_vec(const char* data, size_t size, const std::string& path);

}  // namespace sentvec
