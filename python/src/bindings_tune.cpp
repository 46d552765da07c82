// Bindings of the meter (fastText's precision/recall/F1 and precision-recall curve) and of
// autotune: GIL released for the long calls, results as plain Python values.
#include "bindings_tune.h"

#include <pybind11/stl.h>

#include <string>

#include "sentvec/errors.h"
#include "sentvec/meter.h"
#include "sentvec/model.h"

namespace py = pybind11;
using namespace sentvec;

namespace {

void bind_meter(py::module_& mod) {
  py::class_<Meter, std::shared_ptr<Meter>>(mod, "Meter",
                                             "Precision/recall of a model on a labelled file.")
      .def_static("from_scores", &Meter::from_scores, py::arg("per_label_scores"), py::arg("golds"),
                  "A meter over given (score, gold) pairs per label (for tests).")
      .def_readonly("nexamples", &Meter::nexamples)
      .def_property_readonly("nlabels", &Meter::nlabels)
      .def("counts",
           [](const Meter& m, int32_t label) {
             const Meter::Counts& c = m.counts(label);
             return py::make_tuple(c.gold, c.predicted, c.predicted_gold);
           },
           py::arg("label") = Meter::kAllLabels)
      .def("precision", &Meter::precision, py::arg("label") = Meter::kAllLabels)
      .def("recall", &Meter::recall, py::arg("label") = Meter::kAllLabels)
      .def("f1", &Meter::f1, py::arg("label") = Meter::kAllLabels)
      .def("score_vs_true", &Meter::score_vs_true, py::arg("label") = Meter::kAllLabels)
      .def("precision_recall_curve", &Meter::precision_recall_curve,
           py::arg("label") = Meter::kAllLabels)
      .def("precision_at_recall", &Meter::precision_at_recall, py::arg("recall"),
           py::arg("label") = Meter::kAllLabels)
      .def("recall_at_precision", &Meter::recall_at_precision, py::arg("precision"),
           py::arg("label") = Meter::kAllLabels);

  mod.def(
      "meter",
      [](const Model& m, const std::string& path, int32_t k, float threshold) {
        if (!m.is_supervised()) throw ArgError("get_meter needs a supervised model");
        if (k < 1) throw ArgError("k must be >= 1 or -1 (every label) (got " + std::to_string(k) + ")");
        auto out = std::make_shared<Meter>();
        py::gil_scoped_release nogil;
        *out = m.test(path, k, threshold, /*collect_scores=*/true);
        return out;
      },
      py::arg("model"), py::arg("path"), py::arg("k"), py::arg("threshold") = 0.f,
      "fastText's meter of `model` on the labelled file `path` with the top k predictions.");
}

}  // namespace

void bind_tune(py::module_& mod) { bind_meter(mod); }
