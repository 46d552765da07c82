// Meter and autotune bindings live in their own file (bindings_tune.cpp).
#pragma once
#include <pybind11/pybind11.h>

void bind_tune(pybind11::module_& mod);
