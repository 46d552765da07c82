// Training bindings live in their own file (bindings_train.cpp).
#pragma once
#include <pybind11/pybind11.h>

void bind_training(pybind11::module_& mod);
