// sent2vec bindings (bindings_s2v.cpp): the word n-gram helper and buffer embedding.
#pragma once
#include <pybind11/pybind11.h>

void bind_sent2vec(pybind11::module_& mod);
