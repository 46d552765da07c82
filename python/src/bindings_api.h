// Bindings for the official-API parity calls (get_subword_id, set_matrices) and the exception
// types that are also what official fastText raises (bindings_api.cpp).
#pragma once
#include <pybind11/pybind11.h>

namespace sentvec_py {

/// The exception type for an OSError with this errno: for a file that cannot be opened
/// (ENOENT, EISDIR, ENOTDIR, EACCES, EPERM) a subclass of both the errno's OSError subclass and
/// ValueError (official fastText raises ValueError there); plain OSError otherwise.
pybind11::handle os_error_type(int err);

/// sentvec.DivergedError: FloatingPointError that is also RuntimeError (what fastText raises).
pybind11::handle diverged_error_type();

/// sentvec.UnknownOptionError: TypeError (Python's and fastText's type for an unexpected
/// keyword) that is also ValueError (sentvec's type for every bad option before).
pybind11::handle unknown_option_type();
/// sentvec.ThreadError (a RuntimeError): a thread could not be started.
pybind11::handle thread_error_type();

}  // namespace sentvec_py

void bind_api(pybind11::module_& mod);
