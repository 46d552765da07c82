// Where a training corpus comes from: a text file, or lines held in memory.
//
// Training reads its corpus more than once (the counting pass, then every epoch) and from
// several offsets at once (one per thread), so an in-memory corpus is one contiguous byte
// buffer of whole lines, each ending with '\n', that LineReader reads exactly as it reads a
// file of the same bytes: the same lines, the same thread offsets, the same wrap at the end.
// That is what makes training on Python data give the bytes of training on a file.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

namespace sentvec {

/// Lines built in memory (the bindings append Python strings to it). Only appended to, and
/// never changed once training starts; shared by the readers of one training run.
class MemoryCorpus {
 public:
  /// Appends the bytes of one or more whole lines (the caller adds the '\n's).
  void append(std::string_view bytes) { bytes_.append(bytes.data(), bytes.size()); }
  void add_line_count(int64_t n) { lines_ += n; }
  /// Releases unused capacity (a growing std::string may hold up to twice its size).
  void shrink() { bytes_.shrink_to_fit(); }
  const std::string& bytes() const { return bytes_; }
  int64_t size() const { return static_cast<int64_t>(bytes_.size()); }
  int64_t lines() const { return lines_; }

 private:
  std::string bytes_;
  int64_t lines_ = 0;
};

/// A corpus: a path, or a memory corpus. Converts implicitly from a path so that callers
/// that train on files (autotune, quantize's retrain, C++ tests) pass a string as before.
struct CorpusSource {
  std::string path;
  std::shared_ptr<const MemoryCorpus> memory;

  CorpusSource() = default;
  CorpusSource(std::string p) : path(std::move(p)) {}  // NOLINT(runtime/explicit)
  CorpusSource(const char* p) : path(p) {}             // NOLINT(runtime/explicit)
  explicit CorpusSource(std::shared_ptr<const MemoryCorpus> m) : memory(std::move(m)) {}

  bool in_memory() const { return memory != nullptr; }
  /// How messages name it: the path, or "<python data>".
  std::string name() const { return memory ? std::string("<python data>") : path; }
};

}  // namespace sentvec
