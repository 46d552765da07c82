#include "bindings_io.h"

#include <memory>
#include <string>

#include "sentvec/io/atomic_file.h"

namespace py = pybind11;
using sentvec::AtomicFile;

namespace {

std::unique_ptr<AtomicFile> open_atomic(const std::string& path) {
  return std::make_unique<AtomicFile>(path);
}

// Writes any contiguous buffer (bytes, a numpy array) without holding the GIL.
void write_buffer(AtomicFile& f, const py::buffer& b) {
  py::buffer_info info = b.request();
  const size_t n = static_cast<size_t>(info.size) * static_cast<size_t>(info.itemsize);
  py::gil_scoped_release nogil;
  f.write(info.ptr, n);
}

void commit(AtomicFile& f) {
  py::gil_scoped_release nogil;  // fsync can take a while
  f.commit();
}

}  // namespace

void bind_io(py::module_& mod) {
  py::class_<AtomicFile>(mod, "AtomicFile",
                         "An output file written atomically: write(), seek(), then commit(); "
                         "abort() (or dropping it uncommitted) leaves the target untouched.")
      .def(py::init(&open_atomic), py::arg("path"))
      .def_property_readonly("in_place", &AtomicFile::in_place,
                             "True for a device or FIFO target, written directly (no seek)")
      .def("write", &write_buffer, py::arg("data"))
      .def("seek", &AtomicFile::seek, py::arg("offset"))
      .def("commit", &commit)
      .def("abort", &AtomicFile::abort);
}
