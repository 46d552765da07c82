// A minimal CHECK for the C++ test programs: failures are counted, not fatal, so one run
// reports every failed check; main returns non-zero when any failed.
#pragma once
#include <cstdio>

namespace sentvec_test {
inline int failures = 0;
}  // namespace sentvec_test

#define CHECK(cond)                                                                  \
  do {                                                                               \
    if (!(cond)) {                                                                   \
      std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      ++sentvec_test::failures;                                                      \
    }                                                                                \
  } while (0)
