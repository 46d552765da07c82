#include "cursor.h"

#include <algorithm>
#include <cstdio>

namespace sentvec {

std::string printable(const std::string& s) {
  std::string out;
  const size_t n = std::min<size_t>(s.size(), 80);
  for (size_t i = 0; i < n; ++i) {
    unsigned char ch = static_cast<unsigned char>(s[i]);
    if (ch >= 0x20 && ch < 0x7f) {
      out.push_back(static_cast<char>(ch));
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", ch);
      out += buf;
    }
  }
  if (s.size() > n) out += "...";
  return out;
}

}  // namespace sentvec
