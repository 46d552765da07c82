// How much memory this process may still use: MemAvailable and the cgroup limit.
#pragma once
#include <cstdint>
#include <string>

namespace sentvec {

struct MemoryBudget {
  int64_t mem_available = -1;   ///< /proc/meminfo MemAvailable in bytes, -1 if unknown
  int64_t cgroup_room = -1;     ///< cgroup limit minus usage in bytes, -1 if no limit
  std::string cgroup_source;    ///< the file the cgroup limit came from
  /// The smaller of the known figures, -1 when none is known.
  int64_t room() const;
};

/// Reads `<proc_root>/meminfo`, `<proc_root>/self/cgroup` and the cgroup files under
/// `cgroup_root` (v2 memory.max/memory.current or v1 memory/…/memory.limit_in_bytes/usage).
/// Roots are parameters so tests can point them at fake trees.
MemoryBudget read_memory_budget(const std::string& proc_root = "/proc",
                                const std::string& cgroup_root = "/sys/fs/cgroup");

/// "1.5 GiB"-style text.
std::string human_bytes(int64_t n);

/// Throws MemError when `needed` bytes do not fit the budget (what = what is being loaded).
void check_memory(int64_t needed, const std::string& what);

}  // namespace sentvec
