// A small parallel-for: an atomic work counter, exceptions rethrown after join.
#pragma once
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace sentvec {

/// Threads to use for `n` items when the caller asked for `requested` (<= 0: all cores).
inline int32_t pick_threads(int64_t n, int32_t requested, int64_t min_per_thread = 64) {
  int32_t hw = static_cast<int32_t>(std::max(1u, std::thread::hardware_concurrency()));
  int32_t t = requested > 0 ? requested : hw;
  int64_t by_work = std::max<int64_t>(1, n / std::max<int64_t>(1, min_per_thread));
  return static_cast<int32_t>(std::max<int64_t>(1, std::min<int64_t>(t, by_work)));
}

/// Calls fn(i) for i in [0, n) on `threads` threads, in chunks; the first exception thrown
/// by any call is rethrown on the calling thread after all threads joined.
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
  std::vector<std::thread> pool;
  for (int32_t t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& th : pool) th.join();
  if (err) std::rethrow_exception(err);
}

}  // namespace sentvec
