// Writing .bin/.ftz model files.
#pragma once
#include <string>

#include "../model.h"

namespace sentvec {

/// Writes the model atomically (io/atomic_file.h) in fastText's layout, with sentvec's
/// trailer only when the model needs one (io/trailer.h).
void save_model(const Model& model, const std::string& path);

}  // namespace sentvec
