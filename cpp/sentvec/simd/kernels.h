// The dispatched vector kernels (DESIGN.md section 8). One table of function pointers per
// instruction set: scalar.cpp (any CPU, fastText's float order), avx2.cpp (compiled alone with
// -mavx2 -mfma). dispatch.cpp picks one table once, from a CPU check and SENTVEC_SIMD.
//
// Each entry is a whole row operation (a dot over all output rows, the mean of an example's
// rows, every binary-logistic step of an example), so the indirect call is paid once per
// operation and never inside the loop over a row's floats.
//
// Everything here is a declaration or has internal linkage on purpose: avx2.cpp includes this
// file, and an inline function with external linkage compiled there could be the copy the
// linker keeps for every other file, with AVX2 instructions on a CPU without them.
#pragma once
#include <cstddef>
#include <cstdint>

namespace sentvec {
namespace simd {

enum class Level : int32_t { kScalar = 0, kAvx2 = 1 };
constexpr int32_t kLevels = 2;

/// The sigmoid and log lookup tables (fastText's 512 steps; filled by MathTables in loss.cpp).
struct LogisticTables {
  static constexpr int32_t kSize = 512;
  static constexpr float kMaxSigmoid = 8.f;
  const float* sigmoid;  ///< kSize + 1 values over [-8, 8]
  const float* log;      ///< kSize + 1 values over (0, 1]
};

/// sigmoid(x) by table: 0 below -8 (NaN too: a NaN never indexes the table), 1 above 8.
static inline float table_sigmoid(const LogisticTables& t, float x) {
  if (!(x >= -LogisticTables::kMaxSigmoid)) return 0.f;
  if (x > LogisticTables::kMaxSigmoid) return 1.f;
  const float steps = LogisticTables::kSize / LogisticTables::kMaxSigmoid / 2;
  return t.sigmoid[static_cast<int32_t>((x + LogisticTables::kMaxSigmoid) * steps)];
}

/// log(x) by table for x in [0, 1]; x > 1 gives 0, as fastText's table does.
static inline float table_log(const LogisticTables& t, float x) {
  if (!(x <= 1.f)) return 0.f;
  if (!(x >= 0.f)) x = 0.f;
  return t.log[static_cast<int32_t>(x * LogisticTables::kSize)];
}

/// Asks for every cache line of a row ahead of its use (rows of a mapped file may start at
/// any byte, so the last byte is asked for too). The one prefetch helper of the library.
static inline void prefetch_row(const float* row, int64_t dim) {
  const char* p = reinterpret_cast<const char*>(row);
  const char* end = p + dim * static_cast<int64_t>(sizeof(float));
  for (; p < end; p += 64) __builtin_prefetch(p);
  if (dim > 0) __builtin_prefetch(end - 1);
}

/// One instruction set's kernels. Matrices are row-major with `dim` floats per row; rows of a
/// mapped file may be unaligned (every load is an unaligned one).
struct Kernels {
  Level level;
  const char* name;
  /// Sum of a[i] * b[i].
  float (*dot)(const float* a, const float* b, int64_t n);
  /// out[r] = dot(x, row r) for r in [0, nrows): an output layer's scores.
  void (*dot_rows)(const float* m, int64_t dim, int64_t nrows, const float* x, float* out);
  /// out = mean of rows[0..n) (zeros when n == 0), fetching rows a few ahead. Bit for bit the
  /// same at every level (sums and one scaling, no reassociation).
  void (*mean_rows)(const float* m, int64_t dim, const int32_t* rows, size_t n, float* out);
  /// Row rows[i] += g for every i (duplicates too). Bit for bit the same at every level.
  void (*add_to_rows)(float* m, int64_t dim, const int32_t* rows, size_t n, const float* g);
  /// Binary logistic steps on rows[0..n) with labels[i] (0 or 1), in order: for each row w,
  /// alpha = lr * (label - sigmoid(w.h)); grad += alpha * w; w += alpha * h. Returns the sum
  /// of the losses (-log of the label's probability; NaN when a score is not finite).
  float (*logistic_rows)(float* m, int64_t dim, const int32_t* rows, const uint8_t* labels,
                         size_t n, const float* h, float* grad, float lr,
                         const LogisticTables& t);
  /// Softmax's update: for r in [0, nrows): grad += alpha[r] * row r; row r += alpha[r] * h.
  void (*output_rows_step)(float* m, int64_t dim, int64_t nrows, const float* alpha,
                           const float* h, float* grad);
  /// out[i] = the IEEE binary16 value at src + 2 i (little-endian, any alignment), exactly
  /// (F16C at the avx2 level; every half value is a float).
  void (*half_to_float)(const unsigned char* src, int64_t n, float* out);
  /// x[i] = exp(x[i] - max) / sum over [0, n): fastText's softmax (std::exp and a division
  /// at the scalar level; a vector exp within 2e-7 relative at avx2).
  void (*softmax)(float* x, int64_t n);
};

/// The kernels in use: chosen on first use (once per process) as the best level the CPU
/// has, or SENTVEC_SIMD=scalar|avx2. An unknown or unsupported SENTVEC_SIMD prints one
/// warning on stderr and the best supported level is used instead.
const Kernels& active();
/// A level's kernels, or nullptr when this build or this CPU does not have it.
const Kernels* kernels_for(Level level);
/// Makes `level` the active one (tests and benchmarks; not while another thread trains or
/// predicts). Returns false, changing nothing, when the level is not available.
bool set_active(Level level);
const char* level_name(Level level);

// Per-level tables (defined in scalar.cpp / avx2.cpp; avx2 is nullptr off x86-64).
extern const Kernels kScalarKernels;
const Kernels* avx2_kernels();

}  // namespace simd
}  // namespace sentvec
