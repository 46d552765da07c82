#include "vec_io.h"

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "../errors.h"
#include "atomic_file.h"
#include "cursor.h"
#include "mapping.h"

namespace sentvec {

namespace {

void put_bytes(std::FILE* f, const void* p, size_t n) {
  errno = 0;
  if (n && std::fwrite(p, 1, n, f) != n) throw IoError(errno ? errno : EIO, "", "write failed");
}

// One row: the word, a space, then the floats as text ("%.5g " each, as fastText) or raw.
void put_row(std::FILE* f, const std::string& w, const std::vector<float>& v, bool binary) {
  put_bytes(f, w.data(), w.size());
  put_bytes(f, " ", 1);
  if (binary) {
    put_bytes(f, v.data(), v.size() * 4);
  } else {
    char buf[32];
    for (float x : v) {
      int len = std::snprintf(buf, sizeof buf, "%.5g ", x);
      put_bytes(f, buf, static_cast<size_t>(len));
    }
  }
  put_bytes(f, "\n", 1);
}

// Text of a .vec parse failure: FormatError at `off`.
struct VecParser {
  const char* p;
  size_t n;
  const std::string& path;
  size_t off = 0;
  [[noreturn]] void fail(const std::string& what) const { throw FormatError(path, off, what); }

  // The "<count> <dim>" line; checks the count against the file size before reserving.
  void header(long long* count, long long* dim) {
    if (n == 0) fail("empty file: expected a .vec header 'N dim'");
    size_t eol = 0;
    while (eol < n && p[eol] != '\n') ++eol;
    std::string line(p, std::min<size_t>(eol, 200));
    char extra = 0;
    *count = *dim = -1;
    if (std::sscanf(line.c_str(), "%lld %lld %c", count, dim, &extra) != 2 || *count < 0 ||
        *dim <= 0 || *dim > 100000)
      fail("not a .vec file: the first line must be '<count> <dim>' (found '" +
           printable(line.substr(0, 60)) + "')");
    // Each row needs at least 2*dim+1 bytes ("w 1 2 ... "): check before reserving (the
    // division keeps a hostile count from overflowing the product).
    if (static_cast<unsigned long long>(*count) > n / static_cast<unsigned long long>(2 * *dim + 1))
      fail("the header promises " + std::to_string(*count) + " vectors of dim " +
           std::to_string(*dim) + " but the file has only " + std::to_string(n) + " bytes");
    off = eol + 1;
  }

  // Row r (0-based): a word, then exactly `dim` finite numbers.
  void row(long long r, long long count, long long dim, VecFile& v) {
    const std::string rn = "row " + std::to_string(r + 1);
    if (off >= n) fail("truncated .vec file: expected " + std::to_string(count) + " rows, found " + std::to_string(r));
    size_t ws = off;
    while (ws < n && p[ws] != ' ' && p[ws] != '\n') ++ws;
    if (ws >= n || p[ws] != ' ' || ws == off) fail(rn + ": expected 'word v1 ... v" + std::to_string(dim) + "'");
    v.words.emplace_back(p + off, ws - off);
    off = ws;
    std::string num;
    for (long long j = 0; j < dim; ++j) {
      while (off < n && p[off] == ' ') ++off;
      size_t s = off;
      while (off < n && p[off] != ' ' && p[off] != '\n' && p[off] != '\r') ++off;
      if (s == off) fail(rn + " ('" + printable(v.words.back()) + "') has fewer than " + std::to_string(dim) + " values");
      num.assign(p + s, off - s);
      char* end = nullptr;
      float x = std::strtof(num.c_str(), &end);
      if (end != num.c_str() + num.size() || !std::isfinite(x))
        fail(rn + ": '" + printable(num.substr(0, 30)) + "' is not a finite number");
      v.data.push_back(x);
    }
    while (off < n && (p[off] == ' ' || p[off] == '\r')) ++off;
    if (off < n && p[off] != '\n') fail(rn + " ('" + printable(v.words.back()) + "') has more than " + std::to_string(dim) + " values");
    ++off;
  }
};

}  // namespace

void save_vectors(const Model& m, const std::string& path, const std::string& which,
                  bool binary) {
  if (which != "input" && which != "output")
    throw ArgError("which must be 'input' or 'output' (got '" + which + "')");
  const bool input = which == "input";
  if (!input && m.output.quantized())
    throw ArgError("the output matrix of this model is quantized: cannot save its rows");
  const Dictionary& d = m.dict;
  const int32_t base = (!input && m.is_supervised()) ? d.nwords() : 0;
  const int32_t n = input ? d.nwords() : static_cast<int32_t>(m.output.rows());
  const int64_t dim = m.dim();
  atomic_write(path, [&](std::FILE* f) {
    std::fprintf(f, "%d %" PRId64 "\n", n, dim);
    std::vector<float> v(static_cast<size_t>(dim));
    for (int32_t i = 0; i < n; ++i) {
      const std::string& w = d.entry(base + i).word;
      if (input) {
        m.word_vector(w, v.data());
      } else {
        std::fill(v.begin(), v.end(), 0.f);
        m.output.add_row_to(v.data(), i);
      }
      put_row(f, w, v, binary);
    }
  });
}

VecFile read_vec(const std::string& path) {
  Mapping map(path);
  return parse_vec(reinterpret_cast<const char*>(map.data()), map.size(), path);
}

VecFile parse_vec(const char* p, size_t n, const std::string& path) {
  VecParser parser{p, n, path};
  long long count = -1, dim = -1;
  parser.header(&count, &dim);
  VecFile v;
  v.dim = dim;
  v.words.reserve(static_cast<size_t>(count));
  v.data.reserve(static_cast<size_t>(count * dim));
  for (long long r = 0; r < count; ++r) parser.row(r, count, dim, v);
  return v;
}

}  // namespace sentvec
