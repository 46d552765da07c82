// libFuzzer target: the text .vec reader (pretrained vectors) over arbitrary bytes.
#include <cstddef>
#include <cstdint>

#include "sentvec/errors.h"
#include "sentvec/fasttext_io.h"

using namespace sentvec;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    VecFile v = parse_vec(reinterpret_cast<const char*>(data), size, "fuzz.vec");
    if (v.data.size() != v.words.size() * static_cast<size_t>(v.dim)) __builtin_trap();
  } catch (const FormatError&) {
  }
  return 0;
}
