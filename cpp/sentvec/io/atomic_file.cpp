#include "atomic_file.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "../errors.h"

namespace sentvec {

namespace {

constexpr const char* kTmpTag = ".sentvec-tmp-";
constexpr const char* kUntouched = " (the existing file, if any, was left untouched)";

// The process umask, read without changing it (umask(2) can only be read by setting it,
// which races with other threads creating files).
mode_t current_umask() {
  std::FILE* f = std::fopen("/proc/self/status", "r");
  mode_t u = 022;
  if (!f) return u;
  char line[256];
  while (std::fgets(line, sizeof line, f)) {
    unsigned v;
    if (std::sscanf(line, "Umask: %o", &v) == 1) {
      u = static_cast<mode_t>(v);
      break;
    }
  }
  std::fclose(f);
  return u;
}

std::string dir_of(const std::string& path) {
  size_t s = path.find_last_of('/');
  if (s == std::string::npos) return ".";
  return s == 0 ? "/" : path.substr(0, s);
}

std::string base_of(const std::string& path) {
  size_t s = path.find_last_of('/');
  return s == std::string::npos ? path : path.substr(s + 1);
}

// Follows a chain of symlinks to the name that will be replaced (which may not exist yet:
// a dangling link is written through, creating the file it names). The link itself stays.
std::string resolve_links(const std::string& path) {
  std::string p = path;
  for (int hops = 0; hops < 40; ++hops) {
    struct stat st;
    if (::lstat(p.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) return p;
    std::vector<char> buf(PATH_MAX + 1);
    ssize_t n = ::readlink(p.c_str(), buf.data(), PATH_MAX);
    if (n <= 0) return p;
    std::string to(buf.data(), static_cast<size_t>(n));
    p = to[0] == '/' ? to : dir_of(p) + "/" + to;
  }
  throw IoError(ELOOP, path, path + ": too many levels of symbolic links");
}

// ".<name>.sentvec-tmp-<pid>-XXXXXX": is `entry` such a name for `base`?
bool is_our_temporary(const std::string& entry, const std::string& base) {
  const std::string prefix = "." + base + kTmpTag;
  if (entry.compare(0, prefix.size(), prefix) != 0) return false;
  size_t i = prefix.size(), digits = 0;
  while (i < entry.size() && entry[i] >= '0' && entry[i] <= '9') ++i, ++digits;
  if (digits == 0 || i >= entry.size() || entry[i] != '-') return false;
  return entry.size() - i - 1 == 6;  // mkstemp's six characters
}

// Removes `name` when it is a regular file of ours whose writer is gone: its writer holds an
// flock for as long as it lives, so a free lock means the process died mid-save.
bool remove_if_abandoned(const std::string& name) {
  int fd = ::open(name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat st;
  bool gone = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == ::geteuid() &&
              ::flock(fd, LOCK_EX | LOCK_NB) == 0;
  // Unlink while holding the lock, so a writer cannot be racing on this very file.
  bool removed = gone && ::unlink(name.c_str()) == 0;
  ::close(fd);
  return removed;
}

// Writes an existing device or FIFO directly: there is nothing to rename over, and replacing
// the node by a regular file would be wrong (as root, /dev/stdout would be replaced).
std::FILE* open_in_place(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    throw IoError(e, path, path + ": cannot open for writing: " + std::strerror(e));
  }
  std::FILE* f = ::fdopen(fd, "wb");
  if (!f) {
    int e = errno;
    ::close(fd);
    throw IoError(e, path, path + ": cannot open for writing: " + std::strerror(e));
  }
  return f;
}

}  // namespace

int remove_stale_temporaries(const std::string& target) {
  const std::string dir = dir_of(target), base = base_of(target);
  DIR* d = ::opendir(dir.c_str());
  if (!d) return 0;
  std::vector<std::string> found;
  while (struct dirent* e = ::readdir(d)) {
    if (is_our_temporary(e->d_name, base)) found.push_back(dir + "/" + e->d_name);
  }
  ::closedir(d);
  int n = 0;
  for (const std::string& name : found) n += remove_if_abandoned(name);
  return n;
}

AtomicFile::AtomicFile(const std::string& path) : path_(path) {
  if (path.empty()) throw IoError(ENOENT, path, "cannot write to an empty path");
  target_ = resolve_links(path);
  struct stat st;
  mode_t mode = 0666 & ~current_umask();
  if (::stat(target_.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) throw IoError(EISDIR, path, path + ": is a directory");
    if (!S_ISREG(st.st_mode)) {
      f_ = open_in_place(path);
      in_place_ = true;
      return;
    }
    mode = st.st_mode & 07777;  // keep an existing file's permissions
  }
  remove_stale_temporaries(target_);
  std::string tmpl = dir_of(target_) + "/." + base_of(target_) + kTmpTag +
                     std::to_string(static_cast<long>(::getpid())) + "-XXXXXX";
  std::vector<char> name(tmpl.begin(), tmpl.end());
  name.push_back('\0');
  int fd = ::mkostemp(name.data(), O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    throw IoError(e, path, path + ": cannot create a temporary file in the folder " +
                               dir_of(target_) + ": " + std::strerror(e));
  }
  tmp_ = name.data();
  ::flock(fd, LOCK_EX);  // held until close: marks the temporary as in use (see header)
  ::fchmod(fd, mode);
  f_ = ::fdopen(fd, "wb");
  if (!f_) {
    int e = errno;
    ::close(fd);
    ::unlink(tmp_.c_str());
    throw IoError(e, path, path + ": cannot open for writing: " + std::strerror(e));
  }
  std::setvbuf(f_, nullptr, _IOFBF, 1 << 20);
}

AtomicFile::~AtomicFile() { abort(); }

void AtomicFile::abort() noexcept {
  if (f_) std::fclose(f_);
  f_ = nullptr;
  if (!tmp_.empty()) ::unlink(tmp_.c_str());
  tmp_.clear();
}

void AtomicFile::fail(int err, const std::string& what) {
  abort();
  throw IoError(err, path_, path_ + ": " + what + ": " + std::strerror(err) +
                                (in_place_ ? "" : kUntouched));
}

void AtomicFile::write(const void* p, size_t n) {
  if (!f_) throw IoError(EBADF, path_, path_ + ": write after the file was closed");
  errno = 0;
  if (n && std::fwrite(p, 1, n, f_) != n) fail(errno ? errno : EIO, "write failed");
}

void AtomicFile::seek(int64_t offset) {
  if (!f_ || in_place_) throw IoError(ESPIPE, path_, path_ + ": cannot seek in this target");
  if (std::fflush(f_) != 0 || ::fseeko(f_, static_cast<off_t>(offset), SEEK_SET) != 0)
    fail(errno ? errno : EIO, "write failed");
}

void AtomicFile::commit() {
  if (!f_) throw IoError(EBADF, path_, path_ + ": commit after the file was closed");
  errno = 0;
  if (std::fflush(f_) != 0 || std::ferror(f_)) fail(errno ? errno : EIO, "write failed");
  if (!in_place_ && ::fsync(::fileno(f_)) != 0) fail(errno, "fsync failed");
  int cr = std::fclose(f_);
  f_ = nullptr;
  if (cr != 0) fail(errno ? errno : EIO, in_place_ ? "write failed" : "close failed");
  if (in_place_) return;
  if (::rename(tmp_.c_str(), target_.c_str()) != 0)
    fail(errno, "cannot rename the temporary file into place");
  tmp_.clear();
  // Make the rename itself durable.
  int dfd = ::open(dir_of(target_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

void atomic_write(const std::string& path, const std::function<void(std::FILE*)>& write) {
  AtomicFile out(path);
  try {
    write(out.file());
  } catch (const IoError& e) {
    if (!e.path().empty()) throw;  // already names a file
    out.fail(e.error_number(), e.what());
  }
  out.commit();
}

}  // namespace sentvec
