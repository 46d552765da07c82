// How much memory this process may still use: MemAvailable and the cgroup limit.
#pragma once
#include <cstdint>
#include <string>

namespace sentvec {

struct MemoryBudget {
  int64_t mem_available = -1;   ///< /proc/meminfo MemAvailable in bytes, -1 if unknown
  int64_t cgroup_room = -1;     ///< cgroup limit minus usage in bytes, -1 if no limit
  std::string cgroup_source;    ///< the file the cgroup limit came from
  int64_t cgroup_limit = -1;    ///< that cgroup's limit in bytes
  /// Room left under RLIMIT_AS / RLIMIT_DATA (soft limit minus VmSize / VmData), -1 if none.
  /// A container-less limit looks like this, and MemAvailable does not see it.
  int64_t rlimit_room = -1;
  std::string rlimit_source;    ///< "RLIMIT_AS" or "RLIMIT_DATA"
  int64_t rlimit_limit = -1;    ///< that soft limit in bytes
  /// The smaller of the known figures, -1 when none is known.
  int64_t room() const;
};

/// Reads `<proc_root>/meminfo`, `<proc_root>/self/cgroup`, `<proc_root>/self/limits` and
/// `<proc_root>/self/status`, and the cgroup files under `cgroup_root` (v2 memory.max /
/// memory.current / memory.stat or v1 memory/…/memory.limit_in_bytes / usage_in_bytes /
/// memory.stat), walking from the process's cgroup up to the root (the tightest limit wins).
/// Usage counts reclaimable inactive file pages out, as container runtimes do.
/// Roots are parameters so tests can point them at fake trees.
MemoryBudget read_memory_budget(const std::string& proc_root = "/proc",
                                const std::string& cgroup_root = "/sys/fs/cgroup");

/// The budget of this process (roots from SENTVEC_PROC_ROOT / SENTVEC_CGROUP_ROOT when set).
MemoryBudget current_memory_budget();

/// "MemAvailable 3.1 GiB, cgroup room 512.0 MiB of a 1.0 GiB limit (…/memory.max)"-style text.
std::string describe_budget(const MemoryBudget& b);

/// "1.5 GiB"-style text.
std::string human_bytes(int64_t n);

/// Throws MemError when `needed` bytes do not fit the budget (what = what is being loaded);
/// the message ends with `hint` (by default: load with mmap=True).
void check_memory(int64_t needed, const std::string& what,
                  const std::string& hint = "load it with mmap=True to share the file's pages "
                                            "instead of copying them");

}  // namespace sentvec
