// Official-API parity: get_subword_id, set_matrices, and exception types that are also the
// types official fastText raises (so its users' `except ValueError` / `except RuntimeError`
// clauses still catch sentvec's more precise errors).
#include "bindings_api.h"

#include <pybind11/numpy.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "sentvec/errors.h"
#include "sentvec/hashing.h"
#include "sentvec/memory_guard.h"
#include "sentvec/model.h"
#include "text_caster.h"

namespace py = pybind11;
using namespace sentvec;

namespace sentvec_py {

namespace {

// A new exception class `sentvec.<name>` deriving from both bases. The object lives for the
// whole process (exception classes are never unloaded).
py::handle two_base_type(const char* name, const char* doc, PyObject* a, PyObject* b) {
  PyObject* bases = PyTuple_Pack(2, a, b);
  if (!bases) throw py::error_already_set();
  std::string qual = std::string("sentvec.") + name;
  PyObject* t = PyErr_NewExceptionWithDoc(qual.c_str(), doc, bases, nullptr);
  Py_DECREF(bases);
  if (!t) throw py::error_already_set();
  return t;
}

}  // namespace

py::handle os_error_type(int err) {
  static const char* kDoc =
      "A file could not be opened. Also a ValueError, which official fastText raises there.";
  static py::handle not_found = two_base_type("FileNotFoundError", kDoc, PyExc_FileNotFoundError, PyExc_ValueError);
  static py::handle is_dir = two_base_type("IsADirectoryError", kDoc, PyExc_IsADirectoryError, PyExc_ValueError);
  static py::handle not_dir = two_base_type("NotADirectoryError", kDoc, PyExc_NotADirectoryError, PyExc_ValueError);
  static py::handle denied = two_base_type("PermissionError", kDoc, PyExc_PermissionError, PyExc_ValueError);
  switch (err) {
    case ENOENT: return not_found;
    case EISDIR: return is_dir;
    case ENOTDIR: return not_dir;
    case EACCES:
    case EPERM: return denied;
    default: return PyExc_OSError;  // OSError(errno, ...) still picks the errno's subclass
  }
}

py::handle diverged_error_type() {
  static py::handle t = two_base_type(
      "DivergedError",
      "Training diverged (NaN or infinite loss). A FloatingPointError, and also a RuntimeError, "
      "which official fastText raises (\"Encountered NaN.\").",
      PyExc_FloatingPointError, PyExc_RuntimeError);
  return t;
}

py::handle thread_error_type() {
  static py::handle t = [] {
    PyObject* e = PyErr_NewExceptionWithDoc(
        "sentvec.ThreadError",
        "The system refused to start a thread (a limit on threads or address space); the message "
        "names the limits to look at. A RuntimeError, as Python's own threading raises.",
        PyExc_RuntimeError, nullptr);
    if (!e) throw py::error_already_set();
    return py::handle(e);
  }();
  return t;
}

py::handle unknown_option_type() {
  static py::handle t = two_base_type(
      "UnknownOptionError",
      "A training function got an option it does not know (the message lists the valid ones). "
      "A TypeError, as Python and fastText raise for an unexpected keyword, and a ValueError.",
      PyExc_TypeError, PyExc_ValueError);
  return t;
}

}  // namespace sentvec_py

namespace {

using FloatArray = py::array_t<float, py::array::c_style | py::array::forcecast>;

// fastText's getSubwordId: nwords + hash(subword) % bucket. The subword is hashed as given (no
// "<" ">" added). A pruned (quantized) model remaps the bucket as get_subwords does, where
// fastText returns a row past the end of the pruned matrix.
int32_t subword_id(const Model& m, const sentvec_py::Text& sub) {
  const int32_t bucket = m.dict.bucket();
  if (bucket <= 0)
    throw ArgError("get_subword_id: this model has no subword buckets (bucket = 0: it was trained "
                   "with maxn = 0 and wordNgrams <= 1), so no subword has an input row");
  std::vector<int32_t> out;
  m.dict.push_hash(out, static_cast<int32_t>(fnv1a32(sub.s) % static_cast<uint32_t>(bucket)));
  return out.empty() ? -1 : out[0];
}

void check_shape(const FloatArray& a, const char* what, int64_t rows) {
  if (a.ndim() != 2)
    throw ArgError(std::string("set_matrices: ") + what + " must be a 2-d array (got " +
                   std::to_string(a.ndim()) + " dimensions)");
  if (a.shape(0) != rows)
    throw ArgError(std::string("set_matrices: ") + what + " must have " + std::to_string(rows) +
                   " rows, as the current one (got " + std::to_string(a.shape(0)) + ")");
}

DenseMatrix copy_matrix(const FloatArray& a) {
  DenseMatrix d(a.shape(0), a.shape(1), DenseMatrix::Uninitialized{});
  const size_t bytes = static_cast<size_t>(a.shape(0) * a.shape(1)) * sizeof(float);
  if (bytes) std::memcpy(d.data_mut(), a.data(), bytes);
  return d;
}

// fastText's setMatrices: new input and output matrices (the dimension may change, e.g. after
// a PCA); the arrays are copied. A mapped model gets owned matrices and the file is left as it
// is; views handed out before keep the old matrices alive.
void set_matrices(Model& m, const FloatArray& input, const FloatArray& output) {
  if (m.input.quantized() || m.output.quantized())
    throw ArgError("set_matrices: this model is quantized; its matrices have no dense form to "
                   "replace (load the model before quantization)");
  check_shape(input, "input_matrix", m.input.rows());
  check_shape(output, "output_matrix", m.output.rows());
  if (input.shape(1) != output.shape(1) || input.shape(1) < 1)
    throw ArgError("set_matrices: input_matrix and output_matrix must have the same number of "
                   "columns, at least 1 (got " + std::to_string(input.shape(1)) + " and " +
                   std::to_string(output.shape(1)) + ")");
  check_memory((input.size() + output.size()) * static_cast<int64_t>(sizeof(float)), "set_matrices");
  DenseMatrix in, out;
  {
    py::gil_scoped_release nogil;
    in = copy_matrix(input);
    out = copy_matrix(output);
  }
  m.input = AnyMatrix(std::move(in));
  m.output = AnyMatrix(std::move(out));
  m.args.dim = static_cast<int32_t>(input.shape(1));
  m.mapped = false;
  m.reset_caches();
}

}  // namespace

void bind_api(py::module_& mod) {
  mod.attr("FileNotFoundError") = sentvec_py::os_error_type(ENOENT);
  mod.attr("IsADirectoryError") = sentvec_py::os_error_type(EISDIR);
  mod.attr("NotADirectoryError") = sentvec_py::os_error_type(ENOTDIR);
  mod.attr("PermissionError") = sentvec_py::os_error_type(EACCES);
  mod.attr("DivergedError") = sentvec_py::diverged_error_type();
  mod.attr("UnknownOptionError") = sentvec_py::unknown_option_type();
  mod.attr("ThreadError") = sentvec_py::thread_error_type();
  mod.def("subword_id", &subword_id, py::arg("model"), py::arg("subword"),
          "fastText's get_subword_id: the input row a subword hashes to.");
  mod.def("set_matrices", &set_matrices, py::arg("model"), py::arg("input_matrix"),
          py::arg("output_matrix"), "fastText's set_matrices (copies both arrays).");
}
