#include "testing.h"

#include <string>

#include "bindings_serve.h"
#include "sentvec/hashing.h"
#include "sentvec/memory_guard.h"

namespace py = pybind11;
using namespace sentvec;

void bind_testing(py::module_& mod) {
  py::module_ t = mod.def_submodule("_testing", "Hooks for tests and fuzzing (not part of the API).");
  t.def("human_bytes", &human_bytes, py::arg("n"));
  t.def("check_memory", [](int64_t need, const std::string& what) { check_memory(need, what); },
        py::arg("need"), py::arg("what"));
  t.def("fnv1a32", [](const py::bytes& b) { return fnv1a32(std::string(b)); }, py::arg("data"));
  bind_serving_testing(t);
}
