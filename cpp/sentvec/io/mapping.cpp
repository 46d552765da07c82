#include "mapping.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "../errors.h"
#include "../memory_guard.h"

namespace sentvec {

namespace {

// Opens `path` for reading and checks it is a regular file; returns the descriptor and size.
int open_regular(const std::string& path, size_t* size) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer (it is rejected below).
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    int e = errno;
    throw IoError(e, path, path + ": cannot open: " + std::strerror(e));
  }
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int e = errno;
    ::close(fd);
    throw IoError(e, path, path + ": cannot stat: " + std::strerror(e));
  }
  if (S_ISDIR(st.st_mode)) {
    ::close(fd);
    throw IoError(EISDIR, path, path + ": is a directory, not a model file");
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    throw IoError(EINVAL, path, path + ": not a regular file (a device, FIFO or socket cannot be " +
                                    "a model file)");
  }
  *size = static_cast<size_t>(st.st_size);
  return fd;
}

}  // namespace

Mapping::Mapping(const std::string& path) : path_(path) {
  int fd = open_regular(path, &size_);
  if (size_ == 0) {
    ::close(fd);
    return;
  }
  void* p = ::mmap(nullptr, size_, PROT_READ, MAP_SHARED, fd, 0);
  int e = errno;
  if (p == MAP_FAILED) {
    ::close(fd);
    if (e == ENOMEM) {
      MemoryBudget b = current_memory_budget();
      std::string detail = describe_budget(b);
      throw MemError(path + ": cannot map the file's " + human_bytes(static_cast<int64_t>(size_)) +
                     ": the process is out of address space" +
                     (detail.empty() ? std::string() : " (" + detail + ")"));
    }
    throw IoError(e, path, path + ": cannot map: " + std::strerror(e));
  }
  data_ = static_cast<const uint8_t*>(p);
  fd_ = fd;
}

void Mapping::close_fd() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void Mapping::unmap() {
  if (data_) ::munmap(const_cast<uint8_t*>(data_), size_);
  data_ = nullptr;
}

void Mapping::advise_random(size_t offset, size_t bytes) const {
  if (!data_ || bytes == 0 || offset >= size_) return;
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  const size_t start = offset / page * page;  // madvise wants a page-aligned start
  const size_t end = std::min(size_, offset + bytes);
  // Advice only: a kernel that refuses it still serves the pages.
  (void)::madvise(const_cast<uint8_t*>(data_) + start, end - start, MADV_RANDOM);
}

Mapping::~Mapping() {
  if (data_) ::munmap(const_cast<uint8_t*>(data_), size_);
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace sentvec
