// Bindings for serving: loading from bytes (pickling); and, for tests and fuzzing only, .vec
// reading and the memory budget (registered on _core._testing).
#pragma once
#include <pybind11/pybind11.h>

void bind_serving(pybind11::module_& mod);
void bind_serving_testing(pybind11::module_& testing);
