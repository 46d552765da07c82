// libFuzzer target: the .bin/.ftz reader over arbitrary bytes, then queries on what loaded.
// Build: cmake -DSENTVEC_FUZZ=ON -DSENTVEC_SANITIZE=address,undefined (clang); run from .ci/run.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sentvec/errors.h"
#include "sentvec/fasttext_io.h"
#include "sentvec/model.h"

using namespace sentvec;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // The last byte picks copy or mapping (views into the buffer: unaligned rows).
  bool mmap = size > 0 && (data[size - 1] & 1);
  std::shared_ptr<Model> m;
  try {
    m = load_model_from_memory(data, size, nullptr, "fuzz.bin", mmap);
  } catch (const FormatError&) {
    return 0;
  }
  const int32_t d = m->dim();
  std::vector<float> v(d);
  const char* words[] = {"the", "a", "</s>", "xyzzy", "\xc3\xa7" "a"};
  for (const char* w : words) m->word_vector(w, v.data());
  for (int32_t i = 0; i < m->dict.size() && i < 8; ++i) m->word_vector(m->dict.entry(i).word, v.data());
  m->sentence_vector("the quick brown fox a a a", v.data());
  if (m->is_supervised()) {
    m->predict("the quick brown fox", 3, 0.f);
    m->predict("a", 1, 0.5f);
  } else if (m->dict.nwords() <= 4096 && static_cast<int64_t>(m->dict.nwords()) * d <= (1 << 20)) {
    m->word_vector("the", v.data());
    m->nearest(v.data(), 3, {"the"});
  }
  return 0;
}
