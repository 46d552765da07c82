// Argument conversion for the bindings: Python values to C++ with TypeError messages that name
// the argument (ranges are checked by the core, not here), and the one-line rule of text.
#pragma once
#include <pybind11/pybind11.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sentvec/errors.h"
#include "text_caster.h"

namespace sentvec_py {

namespace py = pybind11;

/// Pauses Python's cyclic garbage collector while a batch call builds its results (needs the
/// GIL): thousands of new lists, which hold only strings and arrays and so never form a cycle,
/// would otherwise start a collection every 700 of them and, every hundred or so, a walk over
/// every container of the process (20k short texts: ~20% of a 2-thread predict, all of it
/// serial). The collector's previous state comes back on destruction, exceptions included.
class GcPause {
 public:
  GcPause() {
#if PY_VERSION_HEX >= 0x030A0000
    was_enabled_ = PyGC_Disable() == 1;
#else
    py::module_ gc = py::module_::import("gc");
    was_enabled_ = gc.attr("isenabled")().cast<bool>();
    if (was_enabled_) gc.attr("disable")();
#endif
  }
  ~GcPause() {
    if (!was_enabled_) return;
#if PY_VERSION_HEX >= 0x030A0000
    PyGC_Enable();
#else
    PyObject *type, *value, *trace;  // an error being raised stays raised
    PyErr_Fetch(&type, &value, &trace);
    PyObject* gc = PyImport_ImportModule("gc");
    if (gc) {
      PyObject* r = PyObject_CallMethod(gc, "enable", nullptr);
      Py_XDECREF(r);
      Py_DECREF(gc);
    }
    PyErr_Clear();
    PyErr_Restore(type, value, trace);
#endif
  }
  GcPause(const GcPause&) = delete;
  GcPause& operator=(const GcPause&) = delete;

 private:
  bool was_enabled_ = false;
};

inline std::string type_name_of(py::handle v) {
  return py::str(py::type::handle_of(v).attr("__name__"));
}

[[noreturn]] inline void type_error(const std::string& what, const char* want, py::handle v) {
  throw py::type_error(what + " must be " + want + ", not " + type_name_of(v));
}

/// An int (anything with __index__, not bool) that fits in int64.
inline int64_t int_arg(py::handle v, const std::string& what) {
  if (PyBool_Check(v.ptr()) || !PyIndex_Check(v.ptr())) type_error(what, "an int", v);
  py::int_ i = py::reinterpret_steal<py::int_>(PyNumber_Index(v.ptr()));
  if (!i) throw py::error_already_set();
  int overflow = 0;
  const long long x = PyLong_AsLongLongAndOverflow(i.ptr(), &overflow);
  if (overflow) throw sentvec::ArgError(what + " is out of range (got " + std::string(py::str(i)) + ")");
  return x;
}

/// int_arg, saturated to the int32 range (the core's checks then report it).
inline int32_t int32_arg(py::handle v, const std::string& what) {
  const int64_t x = int_arg(v, what);
  return static_cast<int32_t>(std::max<int64_t>(INT32_MIN, std::min<int64_t>(INT32_MAX, x)));
}

inline std::optional<int32_t> opt_int32_arg(py::handle v, const std::string& what) {
  if (v.is_none()) return std::nullopt;
  return int32_arg(v, what);
}

inline std::optional<double> opt_float_arg(py::handle v, const std::string& what) {
  if (v.is_none()) return std::nullopt;
  if (PyBool_Check(v.ptr()) || !(PyFloat_Check(v.ptr()) || PyLong_Check(v.ptr()) || py::hasattr(v, "__float__")))
    type_error(what, "a number", v);
  return py::float_(py::reinterpret_borrow<py::object>(v)).cast<double>();
}

/// A bool (numpy.bool_ too), never an int.
inline bool bool_arg(py::handle v, const std::string& what) {
  if (PyBool_Check(v.ptr())) return v.ptr() == Py_True;
  const std::string t = type_name_of(v);  // numpy.bool_ ("bool" in numpy 2)
  if (t == "bool_" || t == "bool") return PyObject_IsTrue(v.ptr()) == 1;
  type_error(what, "a bool", v);
}

/// str, bytes or os.PathLike as a path; None as "".
inline std::string path_arg(py::handle v, const std::string& what) {
  if (v.is_none()) return std::string();
  py::object s;
  try {
    s = py::module_::import("os").attr("fspath")(v);
  } catch (py::error_already_set&) {
    type_error(what, "a str or os.PathLike", v);
  }
  if (py::isinstance<py::bytes>(s)) s = py::module_::import("os").attr("fsdecode")(s);
  return s.cast<std::string>();
}

/// The bytes of a str argument (TypeError naming `what` otherwise).
inline std::string text_arg(py::handle v, const std::string& what) {
  std::string out;
  if (!py::isinstance<py::str>(v)) type_error(what, "a str", v);
  if (!text_bytes(v, out)) throw sentvec::ArgError(what + " cannot be encoded as UTF-8");
  return out;
}

/// fastText reads one line per text: a newline inside one is the caller's mistake.
inline const std::string& require_one_line(const std::string& s, const std::string& what) {
  if (s.find('\n') != std::string::npos)
    throw sentvec::ArgError(what + " must be one line: it contains '\\n' (call with a list for several lines)");
  return s;
}

/// Every item of a list or tuple as text ("what[i]" in messages); with `one_line`, no item may
/// hold a newline (`newline_message` says what instead, when given).
inline std::vector<std::string> text_list(py::handle seq, const std::string& what, bool one_line,
                                          const char* newline_message = nullptr) {
  py::sequence items = py::reinterpret_borrow<py::sequence>(seq);
  std::vector<std::string> out;
  out.reserve(items.size());
  auto name = [&](size_t i) { return what + "[" + std::to_string(i) + "]"; };  // errors only
  for (size_t i = 0; i < items.size(); ++i) {
    py::handle v = items[i];
    out.emplace_back();
    if (!py::isinstance<py::str>(v) || !text_bytes(v, out.back()))
      out.back() = text_arg(v, name(i));  // raises, naming the item
    if (one_line && out.back().find('\n') != std::string::npos) {
      if (newline_message) throw sentvec::ArgError(name(i) + newline_message);
      require_one_line(out.back(), name(i));
    }
  }
  return out;
}

}  // namespace sentvec_py
