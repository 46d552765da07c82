// Text arguments: a Python str becomes its UTF-8 bytes. Strings holding lone surrogates (made by
// decoding with on_unicode_error="surrogateescape", e.g. the words of a cp852 model) become the
// original bytes again instead of failing with pybind11's "Unable to cast".
#pragma once
#include <pybind11/pybind11.h>

#include <string>

namespace sentvec_py {

/// The UTF-8 bytes of a str (surrogateescape, then surrogatepass), or a bytes object as is.
/// Returns false for any other type.
inline bool text_bytes(pybind11::handle h, std::string& out) {
  PyObject* o = h.ptr();
  if (PyUnicode_Check(o)) {
    Py_ssize_t n = 0;
    if (const char* p = PyUnicode_AsUTF8AndSize(o, &n)) {
      out.assign(p, static_cast<size_t>(n));
      return true;
    }
    PyErr_Clear();
    for (const char* errors : {"surrogateescape", "surrogatepass"}) {
      PyObject* b = PyUnicode_AsEncodedString(o, "utf-8", errors);
      if (b) {
        out.assign(PyBytes_AS_STRING(b), static_cast<size_t>(PyBytes_GET_SIZE(b)));
        Py_DECREF(b);
        return true;
      }
      PyErr_Clear();
    }
    return false;
  }
  if (PyBytes_Check(o)) {
    out.assign(PyBytes_AS_STRING(o), static_cast<size_t>(PyBytes_GET_SIZE(o)));
    return true;
  }
  return false;
}

/// A text argument (see text_bytes).
struct Text {
  std::string s;
};

}  // namespace sentvec_py

namespace pybind11 {
namespace detail {
template <>
struct type_caster<sentvec_py::Text> {
  PYBIND11_TYPE_CASTER(sentvec_py::Text, const_name("str"));
  bool load(handle src, bool) { return sentvec_py::text_bytes(src, value.s); }
};
}  // namespace detail
}  // namespace pybind11
