// Buffered line reading of a corpus file (or of an in-memory corpus, see corpus.h), from any
// offset, wrapping at the end.
#pragma once
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstdint>
#include <memory>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "corpus.h"
#include "errors.h"
#include "input_file.h"

namespace sentvec {

/// Reads a file line by line into an internal buffer (no allocation per line). A returned
/// line keeps its '\n' (fastText turns it into "</s>"); the last line of a file may lack it.
/// Lines longer than `max_line` bytes are cut after a whitespace byte near the limit, so a
/// file without newlines never needs more than ~max_line bytes of memory.
class LineReader {
 public:
  /// Opens `path`, which must be a regular file (see input_file.h); `what` names it in errors.
  explicit LineReader(const std::string& path, const std::string& what = "training corpus",
                      size_t max_line = size_t(1) << 22)
      : path_(path), max_line_(max_line) {
    open_file(path, what);
  }
  /// Reads `src`: its file, or its memory buffer through the same buffering (a memory
  /// corpus then yields exactly the lines, cuts included, of a file holding its bytes).
  explicit LineReader(const CorpusSource& src, const std::string& what = "training corpus",
                      size_t max_line = size_t(1) << 22)
      : path_(src.name()), max_line_(max_line), mem_(src.memory) {
    if (mem_) {
      size_ = mem_->size();
      buf_.resize(kChunk);
    } else {
      open_file(src.path, what);
    }
  }
  ~LineReader() {
    if (f_) std::fclose(f_);
  }
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  int64_t file_size() const { return size_; }

  /// Positions the reader at byte `offset` (the rest of that line is read as a line).
  void seek(int64_t offset) {
    if (mem_)
      mem_pos_ = static_cast<size_t>(offset);
    else if (std::fseek(f_, offset, SEEK_SET) != 0)
      throw IoError(errno, path_, path_ + ": cannot seek: " + std::strerror(errno));
    begin_ = end_ = 0;
    base_ = offset;
    eof_ = false;
  }

  /// The file offset of the next byte `next` returns (a checkpoint seeks back to it).
  int64_t tell() const { return base_ + static_cast<int64_t>(begin_); }

  /// The next line, or false at end of file.
  bool next(std::string_view& line) {
    size_t scan = begin_;
    while (true) {
      const char* nl = static_cast<const char*>(
          std::memchr(buf_.data() + scan, '\n', end_ - scan));
      if (nl) {
        size_t e = static_cast<size_t>(nl - buf_.data()) + 1;
        line = std::string_view(buf_.data() + begin_, e - begin_);
        begin_ = e;
        return true;
      }
      if (end_ - begin_ >= max_line_) {
        // Cut an overlong line after its last whitespace byte (or anywhere if it has none).
        size_t cut = end_;
        for (size_t i = end_; i > begin_ + max_line_ / 2; --i) {
          char c = buf_[i - 1];
          if (c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f' || c == '\0') {
            cut = i;
            break;
          }
        }
        line = std::string_view(buf_.data() + begin_, cut - begin_);
        begin_ = cut;
        return true;
      }
      if (eof_) {
        if (end_ == begin_) return false;
        line = std::string_view(buf_.data() + begin_, end_ - begin_);
        begin_ = end_;
        return true;
      }
      scan = end_;
      fill();
      scan -= shifted_;
    }
  }

  /// The next line; at end of file starts again at the beginning (false only for an empty file).
  bool next_wrap(std::string_view& line) {
    if (next(line)) return true;
    seek(0);
    return next(line);
  }

 private:
  static constexpr size_t kChunk = size_t(1) << 20;
  void fill() {
    // Move the unread tail to the front, then read more after it.
    shifted_ = begin_;
    if (begin_ > 0) {
      std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
      end_ -= begin_;
      base_ += static_cast<int64_t>(begin_);
      begin_ = 0;
    }
    if (buf_.size() - end_ < kChunk) buf_.resize(end_ + kChunk);
    if (mem_) {
      const std::string& b = mem_->bytes();
      const size_t got = std::min(buf_.size() - end_, b.size() - std::min(mem_pos_, b.size()));
      if (got) std::memcpy(buf_.data() + end_, b.data() + mem_pos_, got);
      mem_pos_ += got;
      eof_ = got == 0;
      end_ += got;
      return;
    }
    size_t got = std::fread(buf_.data() + end_, 1, buf_.size() - end_, f_);
    if (got == 0) {
      if (std::ferror(f_)) throw IoError(errno, path_, path_ + ": read error: " + std::strerror(errno));
      eof_ = true;
    }
    end_ += got;
  }

  void open_file(const std::string& path, const std::string& what) {
    const int fd = open_input_file(path, what);
    f_ = ::fdopen(fd, "rb");
    if (!f_) {
      const int e = errno;
      ::close(fd);
      throw IoError(e, path, path + ": cannot open: " + std::strerror(e));
    }
    std::fseek(f_, 0, SEEK_END);
    size_ = std::ftell(f_);
    std::fseek(f_, 0, SEEK_SET);
    buf_.resize(kChunk);
  }

  std::string path_;
  size_t max_line_;
  std::shared_ptr<const MemoryCorpus> mem_;
  size_t mem_pos_ = 0;
  std::FILE* f_ = nullptr;
  int64_t size_ = 0;
  int64_t base_ = 0;  // file offset of buf_[0]
  std::vector<char> buf_;
  size_t begin_ = 0, end_ = 0, shifted_ = 0;
  bool eof_ = false;
};

}  // namespace sentvec
