// The Model class and sentvec.tokenize (bindings.cpp).
#pragma once
#include <pybind11/pybind11.h>

void bind_model(pybind11::module_& mod);
