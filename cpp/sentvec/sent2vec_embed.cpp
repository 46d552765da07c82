#include "sent2vec_embed.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "kernels.h"
#include "parallel.h"

namespace sentvec {

namespace {

inline void prefetch_rows(const DenseMatrix& m, const std::vector<int32_t>& rows) {
  const int64_t bytes = m.cols() * static_cast<int64_t>(sizeof(float));
  for (int32_t r : rows) {
    const char* p = reinterpret_cast<const char*>(m.row(r));
    for (int64_t o = 0; o < bytes; o += 64) __builtin_prefetch(p + o);
    __builtin_prefetch(p + bytes - 1);
  }
}

// h = mean of the rows (zeros when none): the same operations, in the same order, as
// Model::sentence_vector, so the result is bit for bit the same. The x86-64-v3 clone (picked
// at run time by a CPU check) adds 8 floats at a time; x + 1 * y is exact either way.
#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__)
__attribute__((target_clones("arch=x86-64-v3", "default")))
#endif
void mean_of_rows(const DenseMatrix& in, const std::vector<int32_t>& rows, float* h, int64_t d) {
  std::fill(h, h + d, 0.f);
  for (int32_t f : rows) in.add_row_to(h, f);
  if (!rows.empty()) scale(h, 1.f / rows.size(), d);
}

}  // namespace

void embed_lines(const Model& m, const std::string_view* lines, int64_t n, float* out,
                 int32_t threads) {
  const int64_t d = m.dim();
  const int32_t nt = pick_threads(n, threads, 64);
  const DenseMatrix* in = m.input.dense();
  if (!m.is_sent2vec() || in == nullptr || d == 0) {
    parallel_for(n, nt, [&](int64_t i) { m.sentence_vector(lines[i], out + i * d); });
    return;
  }
  constexpr int64_t kBlock = 64;
  const int64_t nblocks = (n + kBlock - 1) / kBlock;
  parallel_for(
      nblocks, nt,
      [&](int64_t b) {
        const int64_t s = b * kBlock, e = std::min(n, s + kBlock);
        std::vector<int32_t> cur, next;
        m.dict.sent2vec_line(lines[s], cur);
        prefetch_rows(*in, cur);
        for (int64_t i = s; i < e; ++i) {
          if (i + 1 < e) {
            m.dict.sent2vec_line(lines[i + 1], next);
            prefetch_rows(*in, next);
          }
          mean_of_rows(*in, cur, out + i * d, d);
          std::swap(cur, next);
        }
      },
      1);
}

}  // namespace sentvec
