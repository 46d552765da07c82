// The one exception translator of the module (errors.cpp).
#pragma once
#include <pybind11/pybind11.h>

/// Registers sentvec.FormatError on `mod` and translates every core exception type once:
/// FormatError -> FormatError (ValueError), IoError -> OSError subclass by errno, ArgError ->
/// ValueError, MemError / bad_alloc -> MemoryError, DivergedError -> FloatingPointError,
/// Cancelled -> KeyboardInterrupt.
void register_errors(pybind11::module_& mod);
