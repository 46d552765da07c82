#include "half_matrix.h"

#include "errors.h"
#include "memory_guard.h"
#include "model.h"

namespace sentvec {

uint16_t float_to_half(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  const uint32_t sign = (x >> 16) & 0x8000u, ax = x & 0x7fffffffu;
  if (ax > 0x7f800000u) return static_cast<uint16_t>(sign | 0x7e00u | ((ax >> 13) & 0x3ffu));  // NaN
  if (ax >= 0x47800000u) return static_cast<uint16_t>(sign | 0x7c00u);  // >= 65536 or inf
  if (ax < 0x38800000u) {
    // Below the smallest normal half (2^-14): a multiple of 2^-24, rounded to even.
    if (ax < 0x33000000u) return static_cast<uint16_t>(sign);  // below 2^-25: zero
    const uint32_t e = ax >> 23, mant = (ax & 0x7fffffu) | 0x800000u;
    const uint32_t shift = 126u - e;  // 14..24
    uint32_t h = mant >> shift;
    const uint32_t rem = mant & ((1u << shift) - 1u), halfway = 1u << (shift - 1u);
    if (rem > halfway || (rem == halfway && (h & 1u))) ++h;
    return static_cast<uint16_t>(sign | h);
  }
  // Normal: rebias the exponent (127 -> 15) and keep 10 mantissa bits, rounded to even; a
  // carry moves into the exponent, and 65520 and above round up to infinity as they should.
  uint32_t h = (ax - 0x38000000u) >> 13;
  const uint32_t rem = ax & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (h & 1u))) ++h;
  return static_cast<uint16_t>(sign | h);
}

void input_to_float16(Model& m) {
  if (m.input.quantized())
    throw ArgError("to_float16: the model is quantized; float16 storage applies to a dense input "
                   "matrix (load the model before quantization)");
  if (m.input.half()) return;  // already float16: nothing to do
  const DenseMatrix& in = *m.input.dense();
  check_memory(in.rows() * in.cols() * 2, "the float16 input matrix (" +
                                              std::to_string(in.rows()) + " x " +
                                              std::to_string(in.cols()) + ")");
  HalfMatrix h(in.rows(), in.cols());
  uint16_t* dst = h.owned_mut();
  const int64_t n = in.cols();
  // Row by row in file order: a mapped source is streamed, never copied whole.
  for (int64_t i = 0; i < in.rows(); ++i) {
    const float* r = in.row(i);
    for (int64_t j = 0; j < n; ++j) dst[i * n + j] = float_to_half(loadf(r + j));
  }
  m.input = AnyMatrix(std::move(h));
  m.mapped = false;  // the input rows are in memory now
  m.unknown_trailer.clear();  // the trailer must now record the storage
  m.reset_caches();
}

}  // namespace sentvec
