#include "memory_guard.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "errors.h"

namespace sentvec {

namespace {

bool read_int_file(const std::string& path, int64_t& out) {
  std::ifstream f(path);
  if (!f) return false;
  std::string s;
  f >> s;
  if (s.empty() || s == "max") return false;
  char* end = nullptr;
  long long v = std::strtoll(s.c_str(), &end, 10);
  if (end == s.c_str()) return false;
  out = v;
  return true;
}

// cgroup v1 reports "no limit" as a huge page-rounded number.
constexpr int64_t kUnlimitedV1 = int64_t(1) << 60;

}  // namespace

int64_t MemoryBudget::room() const {
  if (mem_available < 0) return cgroup_room;
  if (cgroup_room < 0) return mem_available;
  return std::min(mem_available, cgroup_room);
}

MemoryBudget read_memory_budget(const std::string& proc_root, const std::string& cgroup_root) {
  MemoryBudget b;
  {
    std::ifstream f(proc_root + "/meminfo");
    std::string key;
    long long val;
    std::string unit;
    while (f >> key >> val) {
      std::getline(f, unit);
      if (key == "MemAvailable:") {
        b.mem_available = static_cast<int64_t>(val) * 1024;
        break;
      }
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
    bool v2 = line.compare(0, a, "0") == 0 && ctrls.empty();
    bool v1mem = false;
    std::stringstream ss(ctrls);
    std::string tok;
    while (std::getline(ss, tok, ',')) v1mem |= tok == "memory";
    if (!v2 && !v1mem) continue;
    // Walk from the process's cgroup up to the root: the tightest limit wins.
    std::string p = path;
    while (true) {
      std::string dir = v2 ? cgroup_root + p : cgroup_root + "/memory" + p;
      if (!dir.empty() && dir.back() == '/') dir.pop_back();
      int64_t limit = 0, usage = 0;
      std::string lf = dir + (v2 ? "/memory.max" : "/memory.limit_in_bytes");
      std::string uf = dir + (v2 ? "/memory.current" : "/memory.usage_in_bytes");
      if (read_int_file(lf, limit) && limit < kUnlimitedV1 && read_int_file(uf, usage)) {
        int64_t room = std::max<int64_t>(0, limit - usage);
        if (b.cgroup_room < 0 || room < b.cgroup_room) {
          b.cgroup_room = room;
          b.cgroup_source = lf;
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
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(n);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return buf;
}

void check_memory(int64_t needed, const std::string& what) {
  const char* proc = std::getenv("SENTVEC_PROC_ROOT");
  const char* cg = std::getenv("SENTVEC_CGROUP_ROOT");
  MemoryBudget b = read_memory_budget(proc ? proc : "/proc", cg ? cg : "/sys/fs/cgroup");
  int64_t room = b.room();
  if (room < 0 || needed <= room) return;
  std::string detail;
  if (b.mem_available >= 0) detail += "MemAvailable " + human_bytes(b.mem_available);
  if (b.cgroup_room >= 0) {
    if (!detail.empty()) detail += ", ";
    detail += "cgroup room " + human_bytes(b.cgroup_room) + " (" + b.cgroup_source + ")";
  }
  throw MemError(what + " needs " + human_bytes(needed) + " of memory but only " +
                 human_bytes(room) + " is available (" + detail +
                 "); load it with mmap=True to share the file's pages instead of copying them");
}

}  // namespace sentvec
