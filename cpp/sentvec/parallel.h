// Starting threads safely, and a small parallel-for (atomic work counter, exceptions rethrown
// after join).
#pragma once
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <exception>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "errors.h"

namespace sentvec {

/// Threads to use for `n` items when the caller asked for `requested` (<= 0: all cores).
inline int32_t pick_threads(int64_t n, int32_t requested, int64_t min_per_thread = 64) {
  int32_t hw = static_cast<int32_t>(std::max(1u, std::thread::hardware_concurrency()));
  int32_t t = requested > 0 ? requested : hw;
  int64_t by_work = std::max<int64_t>(1, n / std::max<int64_t>(1, min_per_thread));
  return static_cast<int32_t>(std::max<int64_t>(1, std::min<int64_t>(t, by_work)));
}

/// The one way the library starts threads. Destroying a joinable std::thread calls
/// std::terminate, so a thread that cannot be created (std::thread throws std::system_error
/// under RLIMIT_NPROC, RLIMIT_AS or a pids cgroup) must never unwind past running ones.
/// Policy (the same for batch calls and training): the caller asked for `wanted` threads and
/// gets them or a ThreadError (Python RuntimeError) saying which limit to look at; the work is
/// never silently done on fewer threads. The threads already running are told to stop (the
/// `stop` callback) and joined before the error leaves.
class ThreadGroup {
 public:
  /// `wanted`: the thread count the caller asked for, of which `running` (the calling thread
  /// itself, for a parallel-for) already run; both only word the error.
  explicit ThreadGroup(int32_t wanted, int32_t running = 0) : wanted_(wanted), running_(running) {
    threads_.reserve(static_cast<size_t>(std::max(0, wanted - running)));
  }
  ~ThreadGroup() { join(); }
  ThreadGroup(const ThreadGroup&) = delete;
  ThreadGroup& operator=(const ThreadGroup&) = delete;

  /// Runs fn() on a new thread; when that fails, calls stop(), joins, and throws.
  template <typename F, typename S>
  void start(F&& fn, S&& stop) {
    try {
      threads_.emplace_back(started(std::forward<F>(fn)));
    } catch (const std::system_error& e) {
      stop();
      join();
      throw ThreadError(refusal(e.what()));
    } catch (...) {
      stop();
      join();
      throw;
    }
  }

  void join() {
    for (auto& t : threads_)
      if (t.joinable()) t.join();
  }

 private:
  /// fn, after the thread's C++ exception state is made. libstdc++ keeps it in thread-local
  /// storage that glibc allocates at its first use when the library was loaded by dlopen (as
  /// a Python extension is), and a thread that cannot allocate it is ended with the whole
  /// process (exit 127, "cannot allocate memory for thread-local data"). Made first, it is
  /// there when the thread later needs it for std::bad_alloc, the case where memory is out.
  template <typename F>
  static auto started(F&& fn) {
    return [f = std::forward<F>(fn)]() mutable {
      // Declared pure: the volatile keeps the call (and so the allocation) from being dropped.
      volatile int in_flight = std::uncaught_exceptions();
      (void)in_flight;
      f();
    };
  }
  std::string refusal(const char* why) const {
    return "cannot start thread " + std::to_string(running_ + threads_.size() + 1) + " of " +
           std::to_string(wanted_) + " (" + why +
           "): the process reached a limit on threads or address space (ulimit -u, ulimit -v, "
           "a pids cgroup); ask for fewer threads (option 'thread' / argument 'threads')";
  }
  int32_t wanted_, running_;
  std::vector<std::thread> threads_;
};

/// Calls fn(i) for i in [0, n) on `threads` threads (the calling thread is one of them), in
/// chunks; the first exception thrown by any call is rethrown on the calling thread after all
/// threads joined. A thread that cannot be started gives ThreadError (see ThreadGroup).
template <typename F>
void parallel_for(int64_t n, int32_t threads, F&& fn, int64_t chunk = 16) {
  if (threads <= 1 || n <= chunk) {
    for (int64_t i = 0; i < n; ++i) fn(i);
    return;
  }
  std::atomic<int64_t> next{0};
  std::exception_ptr err;
  std::mutex mu;
  auto work = [&] {
    try {
      while (true) {
        int64_t s = next.fetch_add(chunk);
        if (s >= n) break;
        int64_t e = std::min(n, s + chunk);
        for (int64_t i = s; i < e; ++i) fn(i);
      }
    } catch (...) {
      std::lock_guard<std::mutex> g(mu);
      if (!err) err = std::current_exception();
      next.store(n);
    }
  };
  ThreadGroup pool(threads, 1);
  for (int32_t t = 1; t < threads; ++t) pool.start(work, [&] { next.store(n); });
  work();
  pool.join();
  if (err) std::rethrow_exception(err);
}

}  // namespace sentvec
