// _core._testing: hooks for tests and fuzzing only; the package itself never uses them.
#pragma once
#include <pybind11/pybind11.h>

void bind_testing(pybind11::module_& mod);
