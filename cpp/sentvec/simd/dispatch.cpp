// Picks the kernels once per process: the best level this CPU has, unless SENTVEC_SIMD names
// another. A bad SENTVEC_SIMD is not an error: the variable is read when the library is first
// used (inside an import, a training thread, a batch call), where an exception would surface
// far from its cause, so it gets one warning on stderr naming the value and the level used.
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "kernels.h"

#if (defined(__x86_64__) || defined(_M_X64)) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#endif

namespace sentvec {
namespace simd {

namespace {

bool cpu_has_avx2() {
#if (defined(__x86_64__) || defined(_M_X64)) && (defined(__GNUC__) || defined(__clang__))
  // Both compilers' checks also ask the OS (XGETBV) whether it saves the YMM registers.
  __builtin_cpu_init();
  // F16C (float16 rows) comes with every AVX2 CPU there is, but is asked for all the same,
  // through CPUID leaf 1 (ECX bit 29): clang's __builtin_cpu_supports does not know "f16c".
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  const bool f16c = __get_cpuid(1, &eax, &ebx, &ecx, &edx) && (ecx & (1u << 29)) != 0;
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && f16c;
#else
  return false;
#endif
}

const Kernels* best() {
  if (const Kernels* k = kernels_for(Level::kAvx2)) return k;
  return &kScalarKernels;
}

const Kernels* from_environment() {
  const char* v = std::getenv("SENTVEC_SIMD");
  if (v == nullptr || *v == '\0') return best();
  for (int32_t l = 0; l < kLevels; ++l) {
    if (std::strcmp(v, level_name(static_cast<Level>(l))) != 0) continue;
    if (const Kernels* k = kernels_for(static_cast<Level>(l))) return k;
    std::fprintf(stderr, "sentvec: SENTVEC_SIMD=%s: this CPU (or build) has no %s; using %s\n", v,
                 v, best()->name);
    return best();
  }
  std::fprintf(stderr, "sentvec: SENTVEC_SIMD=%s is not a level (scalar, avx2); using %s\n", v,
               best()->name);
  return best();
}

std::atomic<const Kernels*>& current() {
  static std::atomic<const Kernels*> k{from_environment()};
  return k;
}

}  // namespace

const char* level_name(Level level) {
  switch (level) {
    case Level::kScalar: return "scalar";
    case Level::kAvx2: return "avx2";
  }
  return "unknown";
}

const Kernels* kernels_for(Level level) {
  switch (level) {
    case Level::kScalar: return &kScalarKernels;
    case Level::kAvx2: {
      static const bool has = cpu_has_avx2();
      return has ? avx2_kernels() : nullptr;
    }
  }
  return nullptr;
}

const Kernels& active() { return *current().load(std::memory_order_acquire); }

bool set_active(Level level) {
  const Kernels* k = kernels_for(level);
  if (k == nullptr) return false;
  current().store(k, std::memory_order_release);
  return true;
}

}  // namespace simd
}  // namespace sentvec
