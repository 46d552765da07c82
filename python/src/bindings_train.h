// Training bindings and the option table (bindings_train.cpp).
#pragma once
#include <pybind11/pybind11.h>

#include <string>

#include "sentvec/args.h"

void bind_training(pybind11::module_& mod);
/// An option value as a Python int, float or str.
pybind11::object option_to_py(const sentvec::OptionValue& v);
/// {name: value} for Model.args().
pybind11::dict options_to_dict(const sentvec::OptionList& opts);
/// The Args of a model kind from Python options (names or aliases, types checked here, ranges
/// by Args::validate); the autotune binding builds its options with it too.
sentvec::Args args_from_py(const std::string& kind, const pybind11::dict& options);
