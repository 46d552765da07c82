// In-memory training corpora (bindings_corpus.cpp).
#pragma once
#include <pybind11/pybind11.h>

void bind_corpus(pybind11::module_& mod);
