// Bindings for output files: the one atomic write path (cpp/sentvec/io/atomic_file.h), used by
// the .npy writers in Python so every file sentvec writes follows the same rules.
#pragma once
#include <pybind11/pybind11.h>

void bind_io(pybind11::module_& mod);
