// Exception types thrown by the core; the bindings translate each to one Python type.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>

namespace sentvec {

/// A model or vector file does not have the expected layout.
class FormatError : public std::runtime_error {
 public:
  FormatError(const std::string& path, int64_t offset, const std::string& what)
      : std::runtime_error(path + ": " + what + " (at byte offset " + std::to_string(offset) + ")"),
        offset_(offset) {}
  explicit FormatError(const std::string& msg) : std::runtime_error(msg), offset_(-1) {}
  int64_t offset() const { return offset_; }

 private:
  int64_t offset_;
};

/// An operating-system I/O failure; errno_ is the system's error number.
class IoError : public std::runtime_error {
 public:
  IoError(int err, const std::string& path, const std::string& msg)
      : std::runtime_error(msg), errno_(err), path_(path) {}
  int error_number() const { return errno_; }
  const std::string& path() const { return path_; }

 private:
  int errno_;
  std::string path_;
};

/// A bad argument or option value (Python ValueError).
class ArgError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

/// An option name that the model kind does not accept (Python: sentvec.UnknownOptionError, a
/// TypeError as Python raises for an unexpected keyword, and a ValueError as an ArgError).
class UnknownOptionError : public ArgError {
 public:
  using ArgError::ArgError;
};

/// Not enough memory to do what was asked (Python MemoryError).
class MemError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Training diverged (the loss became NaN or infinite). Python: FloatingPointError.
class DivergedError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The system refused to start a thread (std::thread threw: RLIMIT_NPROC, RLIMIT_AS, a pids
/// cgroup). Python: RuntimeError, as Python's own threading raises ("can't start new thread").
/// Thrown only after every thread already started has been stopped and joined.
class ThreadError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Training or a long call was cancelled (Python KeyboardInterrupt when signalled).
class Cancelled : public std::runtime_error {
 public:
  Cancelled() : std::runtime_error("cancelled") {}
};

}  // namespace sentvec
