#include "errors.h"

#include <cstring>
#include <exception>
#include <new>
#include <string>

#include "bindings_api.h"
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
  // A file that cannot be opened raises a type that is also ValueError (what fastText raises);
  // other errors OSError(errno, ...), which picks the errno's subclass.
  py::handle type = sentvec_py::os_error_type(e.error_number());
  py::object exc = py::reinterpret_borrow<py::object>(type)(e.error_number(), std::string(e.what()), path);
  PyErr_SetObject(type.ptr(), exc.ptr());
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
    } catch (const UnknownOptionError& e) {
      PyErr_SetString(sentvec_py::unknown_option_type().ptr(), e.what());  // TypeError and ValueError
    } catch (const ArgError& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const MemError& e) {
      PyErr_SetString(PyExc_MemoryError, e.what());
    } catch (const DivergedError& e) {
      PyErr_SetString(sentvec_py::diverged_error_type().ptr(), e.what());  // also RuntimeError
    } catch (const ThreadError& e) {
      PyErr_SetString(sentvec_py::thread_error_type().ptr(), e.what());  // a RuntimeError
    } catch (const Cancelled&) {
      PyErr_SetString(PyExc_KeyboardInterrupt, "training interrupted");
    } catch (const std::bad_alloc&) {
      PyErr_SetString(PyExc_MemoryError, "out of memory");
    }
  });
}
