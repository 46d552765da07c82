// Reading fastText / sent2vec / sentvec model files (.bin, .ftz).
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "../model.h"

namespace sentvec {

constexpr int32_t kFasttextMagic = 793712314;
constexpr int32_t kFasttextVersion = 12;

/// Loads a .bin/.ftz written by fastText, sent2vec or sentvec. With `mmap`, dense matrices are
/// views over a shared read-only mapping (advised for random access); otherwise the layout is
/// read from a mapping that is dropped before the matrices are read into memory with pread, so
/// the address-space peak is about one copy of the file.
std::shared_ptr<Model> load_model(const std::string& path, bool mmap);

/// The same over bytes in memory (`path` only names them in messages). With `mmap`, the
/// matrices are views into `data`, kept alive by `keep`.
std::shared_ptr<Model> load_model_from_memory(const uint8_t* data, size_t size,
                                              std::shared_ptr<const void> keep,
                                              const std::string& path, bool mmap);

}  // namespace sentvec
