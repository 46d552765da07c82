// Reading and writing fastText / sent2vec model files (.bin, .ftz) and word vectors (.vec).
#pragma once
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "model.h"

namespace sentvec {

constexpr int32_t kFasttextMagic = 793712314;
constexpr int32_t kFasttextVersion = 12;

/// A read-only shared mapping of a whole file.
class Mapping {
 public:
  /// Opens and maps `path`; throws IoError (missing, directory, unreadable).
  explicit Mapping(const std::string& path);
  ~Mapping();
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;
  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  const std::string& path() const { return path_; }
  /// The open file (kept for pread when a load copies the matrices), -1 for an empty file.
  int fd() const { return fd_; }
  /// Closes the file; the mapping stays valid (a mapped model needs no descriptor).
  void close_fd();

 private:
  int fd_ = -1;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  std::string path_;
};

/// Loads a .bin/.ftz written by fastText, sent2vec or sentvec. With `mmap`, dense matrices
/// are views over a shared read-only mapping; otherwise they are copied into memory after a
/// check that they fit.
std::shared_ptr<Model> load_model(const std::string& path, bool mmap);

/// The same over bytes in memory (`path` only names them in messages). With `mmap`, the
/// matrices are views into `data`, kept alive by `keep`.
std::shared_ptr<Model> load_model_from_memory(const uint8_t* data, size_t size,
                                              std::shared_ptr<const void> keep,
                                              const std::string& path, bool mmap);

/// Writes the model atomically (temporary file in the same folder, fsync, rename).
void save_model(const Model& model, const std::string& path);

/// Writes word vectors: which = "input" (composed word vectors of every word) or "output"
/// (output-matrix rows: labels for supervised models, words otherwise); text .vec or
/// word2vec binary. Atomic.
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

/// Runs `write(FILE*)` into a temporary file beside `path` and renames it over `path`
/// when everything (including fsync) succeeded; never leaves a partial file at `path`.
void atomic_write(const std::string& path, const std::function<void(std::FILE*)>& write);

}  // namespace sentvec
