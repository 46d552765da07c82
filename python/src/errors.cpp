#include "errors.h"

#include <cstring>
#include <exception>
#include <new>
#include <string>

#include "sentvec/errors.h"

namespace py = pybind11;
using namespace sentvec;

namespace {

// A message may quote bytes of a corrupt file: never fail on invalid UTF-8.
py::str lenient_str(const char* s) {
  return py::reinterpret_steal<py::str>(
      PyUnicode_DecodeUTF8(s, static_cast<Py_ssize_t>(std::strlen(s)), "backslashreplace"));
}

void set_os_error(const IoError& e) {
  py::object path = e.path().empty() ? py::object(py::none()) : py::object(py::str(e.path()));
  py::object exc = py::reinterpret_borrow<py::object>(PyExc_OSError)(e.error_number(), std::string(e.what()), path);
  PyErr_SetObject(PyExc_OSError, exc.ptr());  // OSError(errno, ...) picks the subclass
}

}  // namespace

void register_errors(py::module_& mod) {
  static py::exception<FormatError> format_error(mod, "FormatError", PyExc_ValueError);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const FormatError& e) {
      PyErr_SetObject(format_error.ptr(), lenient_str(e.what()).ptr());
    } catch (const IoError& e) {
      set_os_error(e);
    } catch (const ArgError& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const MemError& e) {
      PyErr_SetString(PyExc_MemoryError, e.what());
    } catch (const DivergedError& e) {
      PyErr_SetString(PyExc_FloatingPointError, e.what());
    } catch (const Cancelled&) {
      PyErr_SetString(PyExc_KeyboardInterrupt, "training interrupted");
    } catch (const std::bad_alloc&) {
      PyErr_SetString(PyExc_MemoryError, "out of memory");
    }
  });
}
