// Quantization bindings live in their own file (bindings_quant.cpp).
#pragma once
#include <pybind11/pybind11.h>

void bind_quantize(pybind11::module_& mod);
