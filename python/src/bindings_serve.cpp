// Bindings for serving: .vec reading, loading from bytes, the memory budget.
#include "bindings_serve.h"

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <memory>
#include <string>
#include <vector>

#include "sentvec/fasttext_io.h"
#include "sentvec/memory_guard.h"
#include "sentvec/model.h"

namespace py = pybind11;
using namespace sentvec;

namespace {

py::tuple vec_to_python(VecFile&& v) {
  py::list words;
  for (const std::string& w : v.words) {
    PyObject* o =
        PyUnicode_DecodeUTF8(w.data(), static_cast<Py_ssize_t>(w.size()), "surrogateescape");
    if (!o) throw py::error_already_set();
    words.append(py::reinterpret_steal<py::str>(o));
  }
  const int64_t n = static_cast<int64_t>(v.words.size());
  py::array_t<float> out({n, static_cast<int64_t>(v.dim)});
  if (n > 0) std::memcpy(out.mutable_data(), v.data.data(), v.data.size() * sizeof(float));
  return py::make_tuple(words, out);
}

}  // namespace

void bind_serving(py::module_& mod) {
  mod.def(
      "load_model_bytes",
      [](const py::buffer& data, const std::string& name, bool mmap) {
        py::buffer_info info = data.request();  // C-contiguous bytes (bytes, memoryview slices)
        if (info.ndim != 1 || info.itemsize != 1 || (info.ndim == 1 && info.strides[0] != 1))
          throw py::value_error("data must be a contiguous bytes-like object");
        const auto* p = static_cast<const uint8_t*>(info.ptr);
        const size_t n = static_cast<size_t>(info.size);
        if (mmap) {  // views need storage that outlives the buffer: copy once
          auto buf = std::make_shared<std::string>(reinterpret_cast<const char*>(p), n);
          py::gil_scoped_release nogil;
          return load_model_from_memory(reinterpret_cast<const uint8_t*>(buf->data()), n, buf,
                                        name, true);
        }
        py::gil_scoped_release nogil;  // `data` stays referenced by the caller's frame
        return load_model_from_memory(p, n, nullptr, name, false);
      },
      py::arg("data"), py::arg("name") = "<bytes>", py::arg("mmap") = false,
      "Loads a model from bytes in memory (tests, fuzzing); `mmap` makes views into the copy.");
}

void bind_serving_testing(py::module_& testing) {
  testing.def(
      "read_vec",
      [](const std::string& path) {
        VecFile v;
        {
          py::gil_scoped_release nogil;
          v = read_vec(path);
        }
        return vec_to_python(std::move(v));
      },
      py::arg("path"),
      "Reads a text .vec file: (words, float32 array of shape (n, dim)). Raises FormatError "
      "or OSError naming the file.");
  testing.def(
      "parse_vec_bytes",
      [](const py::buffer& data, const std::string& name) {
        py::buffer_info info = data.request();
        if (info.ndim != 1 || info.itemsize != 1 || info.strides[0] != 1)
          throw py::value_error("data must be a contiguous bytes-like object");
        VecFile v;
        {
          py::gil_scoped_release nogil;
          v = parse_vec(static_cast<const char*>(info.ptr), static_cast<size_t>(info.size), name);
        }
        return vec_to_python(std::move(v));
      },
      py::arg("data"), py::arg("name") = "<bytes>",
      "read_vec over bytes in memory (tests, fuzzing).");
  testing.def(
      "memory_budget",
      [](const std::string& proc, const std::string& cg) {
        MemoryBudget b = read_memory_budget(proc, cg);
        py::dict d;
        d["mem_available"] = b.mem_available;
        d["cgroup_room"] = b.cgroup_room;
        d["cgroup_limit"] = b.cgroup_limit;
        d["cgroup_source"] = b.cgroup_source;
        d["rlimit_room"] = b.rlimit_room;
        d["rlimit_limit"] = b.rlimit_limit;
        d["rlimit_source"] = b.rlimit_source;
        d["room"] = b.room();
        d["description"] = describe_budget(b);
        return d;
      },
      py::arg("proc_root") = "/proc", py::arg("cgroup_root") = "/sys/fs/cgroup",
      "What this process may still allocate: a dict of MemAvailable, cgroup and rlimit room "
      "(bytes, -1 when unknown or unlimited) and `room`, the smallest.");
}
