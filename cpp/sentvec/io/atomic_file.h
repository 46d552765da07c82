// The one way sentvec writes an output file (.bin/.ftz, .vec, word2vec binary, .npy).
//
// A regular file (or a new name) is written to a temporary file beside it, flushed, fsynced and
// renamed over it, so a reader never sees a partial file and a failed save leaves the old one
// untouched. One permission rule: an existing file keeps its mode, a new one gets 0666 & ~umask.
// Special targets are written in place, never replaced: a device (/dev/null, /dev/full,
// /dev/stdout) or a FIFO gets the bytes (a full device fails with ENOSPC). A symlink is
// followed: the file it points to is replaced atomically and the link stays a link.
//
// Temporary files are named ".<name>.sentvec-tmp-<pid>-XXXXXX" and hold an flock while
// their writer lives. A writer killed mid-save leaves its temporary behind; the next save of
// the same target removes such leftovers when nobody holds their lock (so never a live
// writer's file, never a file of another name pattern or another owner).
#pragma once
#include <cstdio>
#include <functional>
#include <string>

namespace sentvec {

class AtomicFile {
 public:
  /// Prepares writing `path`; throws IoError (directory, missing folder, no permission).
  explicit AtomicFile(const std::string& path);
  /// Abandons an uncommitted write: the temporary file is removed, the target is untouched.
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  std::FILE* file() const { return f_; }
  /// True when the target is a device or FIFO written directly (it cannot seek back).
  bool in_place() const { return in_place_; }
  const std::string& path() const { return path_; }
  /// Writes bytes; throws IoError naming the target.
  void write(const void* p, size_t n);
  /// Moves the write position (to rewrite a header); not for in-place targets.
  void seek(int64_t offset);
  /// Flushes, fsyncs and renames into place (or, in place, flushes and closes).
  void commit();
  /// Gives up: closes and removes the temporary file. Safe to call twice.
  void abort() noexcept;
  /// Rethrows an IoError from a write callback with this target's path and the note that the
  /// existing file was left untouched.
  [[noreturn]] void fail(int err, const std::string& what);

 private:
  std::string path_;       // as the caller gave it (for messages)
  std::string target_;     // the file actually replaced (symlinks resolved)
  std::string tmp_;        // temporary file name, empty in place
  std::FILE* f_ = nullptr;
  bool in_place_ = false;
};

/// Runs `write(FILE*)` through an AtomicFile on `path` and commits it.
void atomic_write(const std::string& path, const std::function<void(std::FILE*)>& write);

/// Removes leftover temporary files of `target` (see above); returns how many. Exposed for tests.
int remove_stale_temporaries(const std::string& target);

}  // namespace sentvec
