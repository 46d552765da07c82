#include "memory_guard.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "errors.h"

namespace sentvec {

namespace {

// Reads the first token of a cgroup file as a byte count; false for "max", missing or junk.
bool read_int_file(const std::string& path, int64_t& out) {
  std::ifstream f(path);
  if (!f) return false;
  std::string s;
  f >> s;
  if (s.empty() || s == "max") return false;
  char* end = nullptr;
  long long v = std::strtoll(s.c_str(), &end, 10);
  if (end == s.c_str() || *end != '\0' || v < 0) return false;
  out = v;
  return true;
}

// "key value" lines (memory.stat): the value of `key`, or -1.
int64_t read_stat_key(const std::string& path, const std::string& key) {
  std::ifstream f(path);
  std::string k;
  long long v;
  while (f >> k >> v) {
    if (k == key) return v;
  }
  return -1;
}

// "Key:   123 kB" lines (/proc/meminfo, /proc/self/status): the value in bytes, or -1.
int64_t read_kb_key(const std::string& path, const std::string& key) {
  std::ifstream f(path);
  std::string line;
  while (std::getline(f, line)) {
    if (line.compare(0, key.size(), key) != 0) continue;
    long long v = -1;
    if (std::sscanf(line.c_str() + key.size(), "%lld", &v) == 1 && v >= 0) return v * 1024;
    return -1;
  }
  return -1;
}

// /proc/self/limits: the soft limit of a "Max ..." row in bytes, -1 when unlimited or absent.
int64_t read_soft_limit(const std::string& path, const std::string& row) {
  std::ifstream f(path);
  std::string line;
  while (std::getline(f, line)) {
    if (line.compare(0, row.size(), row) != 0) continue;
    std::istringstream in(line.substr(row.size()));
    std::string soft;
    in >> soft;
    if (soft.empty() || soft == "unlimited") return -1;
    char* end = nullptr;
    long long v = std::strtoll(soft.c_str(), &end, 10);
    if (end == soft.c_str() || v < 0) return -1;
    return v;
  }
  return -1;
}

// The root of the cgroup mount for a hierarchy ("/" normally; a prefix of the paths in
// /proc/self/cgroup when a container sees only its own subtree without a cgroup namespace).
std::string mount_root(const std::string& mountinfo, bool v2) {
  std::ifstream f(mountinfo);
  std::string line;
  while (std::getline(f, line)) {
    // "id parent major:minor root mountpoint options [optional...] - fstype source superopts"
    size_t dash = line.find(" - ");
    if (dash == std::string::npos) continue;
    std::istringstream tail(line.substr(dash + 3));
    std::string fstype, source, super;
    tail >> fstype >> source >> super;
    bool v1_memory = fstype == "cgroup" && ("," + super + ",").find(",memory,") != std::string::npos;
    bool match = v2 ? fstype == "cgroup2" : v1_memory;
    if (!match) continue;
    std::istringstream head(line.substr(0, dash));
    std::string id, parent, dev, root;
    head >> id >> parent >> dev >> root;
    return root;
  }
  return "/";
}

// cgroup v1 reports "no limit" as a huge page-rounded number.
constexpr int64_t kUnlimitedV1 = int64_t(1) << 60;

}  // namespace

int64_t MemoryBudget::room() const {
  int64_t r = -1;
  for (int64_t v : {mem_available, cgroup_room, rlimit_room}) {
    if (v >= 0 && (r < 0 || v < r)) r = v;
  }
  return r;
}

MemoryBudget read_memory_budget(const std::string& proc_root, const std::string& cgroup_root) {
  MemoryBudget b;
  b.mem_available = read_kb_key(proc_root + "/meminfo", "MemAvailable:");

  // Resource limits of this process (setrlimit / ulimit -v / ulimit -d). Anonymous memory
  // counts against both RLIMIT_AS (with everything mapped) and RLIMIT_DATA (private
  // writable mappings, Linux >= 4.7).
  const std::string limits = proc_root + "/self/limits";
  const std::string status = proc_root + "/self/status";
  struct {
    const char* row;
    const char* vm;
    const char* name;
  } rl[] = {{"Max address space", "VmSize:", "RLIMIT_AS"},
            {"Max data size", "VmData:", "RLIMIT_DATA"}};
  for (const auto& r : rl) {
    int64_t lim = read_soft_limit(limits, r.row);
    if (lim < 0) continue;
    int64_t used = read_kb_key(status, r.vm);
    int64_t room = std::max<int64_t>(0, lim - std::max<int64_t>(0, used));
    if (b.rlimit_room < 0 || room < b.rlimit_room) {
      b.rlimit_room = room;
      b.rlimit_source = r.name;
      b.rlimit_limit = lim;
    }
  }

  std::ifstream cg(proc_root + "/self/cgroup");
  std::string line;
  while (std::getline(cg, line)) {
    // "hierarchy-id:controllers:path"
    size_t a = line.find(':');
    size_t c = a == std::string::npos ? a : line.find(':', a + 1);
    if (c == std::string::npos) continue;
    std::string ctrls = line.substr(a + 1, c - a - 1);
    std::string path = line.substr(c + 1);
    if (path.empty() || path[0] != '/') path = "/" + path;
    bool v2 = line.compare(0, a, "0") == 0 && ctrls.empty();
    bool v1mem = false;
    std::stringstream ss(ctrls);
    std::string tok;
    while (std::getline(ss, tok, ',')) v1mem |= tok == "memory";
    if (!v2 && !v1mem) continue;
    std::string root = mount_root(proc_root + "/self/mountinfo", v2);
    if (root.size() > 1 && path.compare(0, root.size(), root) == 0 &&
        (path.size() == root.size() || path[root.size()] == '/'))
      path = path.size() == root.size() ? "/" : path.substr(root.size());
    // Walk from the process's cgroup up to the root: the tightest limit wins. In a container
    // the path names the host's hierarchy while the container sees its own cgroup at the
    // root of the mount, so missing folders on the way are normal.
    std::string p = path;
    while (true) {
      std::string dir = v2 ? cgroup_root + p : cgroup_root + "/memory" + p;
      while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
      int64_t limit = 0, usage = 0;
      std::string lf = dir + (v2 ? "/memory.max" : "/memory.limit_in_bytes");
      std::string uf = dir + (v2 ? "/memory.current" : "/memory.usage_in_bytes");
      if (read_int_file(lf, limit) && limit < kUnlimitedV1 && read_int_file(uf, usage)) {
        // Inactive file pages are page cache the kernel reclaims before it kills anyone.
        int64_t inactive =
            read_stat_key(dir + "/memory.stat", v2 ? "inactive_file" : "total_inactive_file");
        if (inactive > 0 && inactive <= usage) usage -= inactive;
        int64_t room = std::max<int64_t>(0, limit - usage);
        if (b.cgroup_room < 0 || room < b.cgroup_room) {
          b.cgroup_room = room;
          b.cgroup_source = lf;
          b.cgroup_limit = limit;
        }
      }
      if (p.empty() || p == "/") break;
      size_t s = p.find_last_of('/');
      p = s == 0 || s == std::string::npos ? "/" : p.substr(0, s);
    }
  }
  return b;
}

std::string human_bytes(int64_t n) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  double v = static_cast<double>(n);
  int u = 0;
  while ((v >= 1024 || v <= -1024) && u < 6) {
    v /= 1024;
    ++u;
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return buf;
}

std::string describe_budget(const MemoryBudget& b) {
  std::string detail;
  auto add = [&](const std::string& s) {
    if (!detail.empty()) detail += ", ";
    detail += s;
  };
  if (b.mem_available >= 0) add("MemAvailable " + human_bytes(b.mem_available));
  if (b.cgroup_room >= 0)
    add("cgroup room " + human_bytes(b.cgroup_room) + " of a " + human_bytes(b.cgroup_limit) +
        " limit (" + b.cgroup_source + ")");
  if (b.rlimit_room >= 0)
    add(b.rlimit_source + " room " + human_bytes(b.rlimit_room) + " of a " +
        human_bytes(b.rlimit_limit) + " limit");
  return detail;
}

MemoryBudget current_memory_budget() {
  const char* proc = std::getenv("SENTVEC_PROC_ROOT");
  const char* cg = std::getenv("SENTVEC_CGROUP_ROOT");
  return read_memory_budget(proc && *proc ? proc : "/proc", cg && *cg ? cg : "/sys/fs/cgroup");
}

void check_memory(int64_t needed, const std::string& what, const std::string& hint) {
  if (needed <= 0) return;
  MemoryBudget b = current_memory_budget();
  int64_t room = b.room();
  if (room < 0 || needed <= room) return;
  throw MemError(what + " needs " + human_bytes(needed) + " of memory but only " +
                 human_bytes(room) + " is available (" + describe_budget(b) + ")" +
                 (hint.empty() ? std::string() : "; " + hint));
}

}  // namespace sentvec
