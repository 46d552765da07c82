#include "sent2vec_embed.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "simd/kernels.h"
#include "parallel.h"

namespace sentvec {

void embed_lines(const Model& m, const std::string_view* lines, int64_t n, float* out,
                 int32_t threads) {
  const int64_t d = m.dim();
  const int32_t nt = pick_threads(n, threads, 64);
  const DenseMatrix* in = m.input.dense();
  if (!m.is_sent2vec() || in == nullptr || d == 0) {
    parallel_for(n, nt, [&](int64_t i) { m.sentence_vector(lines[i], out + i * d); });
    return;
  }
  const simd::Kernels& kern = simd::active();  // one choice for the whole batch
  constexpr int64_t kBlock = 64;
  const int64_t nblocks = (n + kBlock - 1) / kBlock;
  parallel_for(
      nblocks, nt,
      [&](int64_t b) {
        const int64_t s = b * kBlock, e = std::min(n, s + kBlock);
        std::vector<int32_t> cur, next;
        LineScratch scratch;
        m.dict.sent2vec_line(lines[s], cur, scratch);
        prefetch_rows(in, cur);
        for (int64_t i = s; i < e; ++i) {
          if (i + 1 < e) {
            m.dict.sent2vec_line(lines[i + 1], next, scratch);
            prefetch_rows(in, next);
          }
          m.average_rows(cur.data(), cur.size(), out + i * d, kern);
          std::swap(cur, next);
        }
      },
      1);
}

}  // namespace sentvec
