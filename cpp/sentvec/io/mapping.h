// A read-only shared mapping of a whole model or vector file.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace sentvec {

/// A read-only shared mapping of a whole file.
class Mapping {
 public:
  /// Opens and maps `path`; throws IoError (missing, directory, not a regular file, unreadable)
  /// or MemError (no address space left for the mapping).
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
  /// Drops the mapping and keeps the descriptor: a copying load has read the layout and now
  /// reads the matrices with pread, so the file no longer takes address space next to the copy.
  void unmap();
  /// Advises the kernel that [offset, offset + bytes) is read at random (one row per query):
  /// without it, each faulted row pulls in the read-ahead window around it, which thrashes a
  /// mapped model larger than the memory left to the process.
  void advise_random(size_t offset, size_t bytes) const;

 private:
  int fd_ = -1;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  std::string path_;
};

}  // namespace sentvec
