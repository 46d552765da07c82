#include "autotune_size.h"

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <numeric>
#include <string>
#include <system_error>
#include <vector>

#include <unistd.h>

#include "fasttext_io.h"
#include "quantize.h"
#include "tokenizer.h"

namespace sentvec {

namespace {

constexpr int64_t kMinRows = ProductQuantizer::kKsub;  // quantization needs 256 rows

// Bytes of the parts of a .bin/.ftz that the layout in the spec fixes (header, dictionary
// header and entries, output matrix); the trailer is learnt by saving.
int64_t entry_bytes(const Entry& e) { return static_cast<int64_t>(e.word.size()) + 1 + 8 + 1; }

int64_t common_bytes(const Model& m) {
  int64_t labels = 0;
  for (int32_t i = m.dict.nwords(); i < m.dict.size(); ++i) labels += entry_bytes(m.dict.entry(i));
  const int64_t out = m.output.rows() * m.output.cols() * 4;
  return 4 + 4 + 56 + 28 + labels + 1 /*qout*/ + 16 + out;
}

int64_t dense_bytes(const Model& m) {
  int64_t words = 0;
  for (int32_t i = 0; i < m.dict.nwords(); ++i) words += entry_bytes(m.dict.entry(i));
  return common_bytes(m) + words + 8 * std::max<int64_t>(0, m.dict.pruneidx_size()) + 1 + 16 +
         m.input.rows() * m.input.cols() * 4;
}

// Quantized input matrix without its rows: flags, sizes, both codebooks.
int64_t quant_fixed_bytes(int64_t dim, bool qnorm) {
  return 1 /*quant_input*/ + 1 + 8 + 8 + 4 + 16 + dim * 256 * 4 + (qnorm ? 16 + 256 * 4 : 0);
}

std::string temp_path() {
  static std::atomic<int> seq{0};
  std::error_code ec;
  auto dir = std::filesystem::temp_directory_path(ec);
  if (ec) dir = ".";
  return (dir / ("sentvec-autotune-" + std::to_string(::getpid()) + "-" +
                 std::to_string(seq.fetch_add(1)) + ".ftz")).string();
}

}  // namespace

SizeFitter::SizeFitter(int64_t limit, uint64_t seed, std::function<void()> check)
    : limit_(limit), seed_(seed), check_(std::move(check)) {}

int64_t SizeFitter::saved_size(const Model& m) const {
  const std::string p = temp_path();
  struct Remove {
    const std::string& p;
    ~Remove() {
      std::error_code ec;
      std::filesystem::remove(p, ec);
    }
  } remove{p};
  save_model(m, p);
  return static_cast<int64_t>(std::filesystem::file_size(p));
}

int64_t SizeFitter::best_cutoff(const Model& m, int32_t dsub, int64_t& predicted) const {
  const DenseMatrix& in = *m.input.dense();
  const int64_t rows = in.rows(), dim = in.cols();
  const int64_t nsubq = (dim + dsub - 1) / dsub;
  const int64_t per_row = nsubq + 1;  // codes + norm code
  const int64_t fixed = common_bytes(m) + quant_fixed_bytes(dim, true) + overhead_;
  if (fixed + kMinRows * (per_row + 8) > limit_) return 0;
  // Every kept row costs at least per_row + 8 bytes: only that many can be kept.
  const int64_t most = std::min(rows, (limit_ - fixed) / (per_row + 8) + 1);
  // The rows prune_input keeps: largest squared norm first, ties by row.
  std::vector<float> norms(static_cast<size_t>(rows));
  for (int64_t i = 0; i < rows; ++i) {
    const float* r = in.row(i);
    double s = 0;
    for (int64_t t = 0; t < dim; ++t) s += static_cast<double>(r[t]) * r[t];
    norms[i] = static_cast<float>(s);
  }
  auto before = [&](int64_t a, int64_t b) { return norms[a] != norms[b] ? norms[a] > norms[b] : a < b; };
  std::vector<int64_t> idx(static_cast<size_t>(rows));
  std::iota(idx.begin(), idx.end(), 0);
  if (most < rows) std::nth_element(idx.begin(), idx.begin() + most, idx.end(), before);
  std::sort(idx.begin(), idx.begin() + most, before);
  const int32_t nwords = m.dict.nwords();
  auto row_bytes = [&](int64_t i) { return i < nwords ? entry_bytes(m.dict.entry(static_cast<int32_t>(i))) : 8; };
  const int32_t eos = m.dict.get_id(kEos);
  int64_t eos_rank = rows;
  for (int64_t r = 0; r < most; ++r)
    if (idx[r] == eos) eos_rank = r;
  int64_t sum = 0, best = 0;
  for (int64_t c = 1; c <= most; ++c) {
    sum += row_bytes(idx[c - 1]);
    int64_t bytes = fixed + sum + c * per_row;
    // prune_input keeps "</s>" in place of the smallest kept row.
    if (eos >= 0 && eos < nwords && eos_rank >= c) bytes += row_bytes(eos) - row_bytes(idx[c - 1]);
    if (bytes > limit_) break;
    if (c >= kMinRows) {
      best = c;
      predicted = bytes;
    }
  }
  // All rows kept: no pruning is needed (the pruned layout still describes the file).
  return best;
}

bool SizeFitter::fit(Model& m, int32_t dsub, TrialQuant& q, int64_t& size) {
  q = TrialQuant();
  q.dsub = dsub;
  if (dense_bytes(m) + overhead_ <= limit_) {
    size = saved_size(m);
    overhead_ = size - dense_bytes(m);
    if (size <= limit_) return true;
  }
  const AnyMatrix dense_in = m.input;  // shares the rows: restored if a try does not fit
  const Dictionary dense_dict = m.dict;
  for (int attempt = 0; attempt < 4; ++attempt) {
    int64_t predicted = 0;
    const int64_t cutoff = best_cutoff(m, dsub, predicted);
    if (cutoff == 0) return false;
    if (check_) check_();
    if (cutoff < m.input.rows()) prune_input(m, cutoff);
    QuantizeOptions qo;
    qo.dsub = dsub;
    qo.qnorm = true;
    qo.qout = false;
    qo.threads = 1;
    qo.seed = seed_ + 1234;
    qo.check = check_;
    quantize_model(m, qo);
    size = saved_size(m);
    overhead_ += size - predicted;  // exact for this layout from now on
    if (size <= limit_) {
      q.quantized = true;
      q.cutoff = cutoff;
      q.qnorm = true;
      return true;
    }
    m.input = dense_in;
    m.dict = dense_dict;
    m.reset_caches();
  }
  return false;
}

}  // namespace sentvec
