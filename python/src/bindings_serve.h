// Bindings for serving: .vec reading, in-memory loading (tests, fuzzing), the memory budget.
#pragma once
#include <pybind11/pybind11.h>

void bind_serving(pybind11::module_& mod);
