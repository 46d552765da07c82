// Bindings of the meter (fastText's precision/recall/F1 and precision-recall curve) and of
// autotune: GIL released for the long calls, results as plain Python values.
#include "bindings_tune.h"

#include <pybind11/stl.h>

#include <string>

#include "bindings_train.h"
#include "sentvec/autotune.h"
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

// The options autotune varies, with fastText's names.
py::dict searched_options(const Args& a, const TrialQuant& q, bool size_limited) {
  py::dict d;
  d["lr"] = a.lr;
  d["epoch"] = a.epoch;
  d["dim"] = a.dim;
  d["wordNgrams"] = a.word_ngrams;
  d["bucket"] = a.bucket;
  d["minn"] = a.minn;
  d["maxn"] = a.maxn;
  d["loss"] = loss_name_str(a.loss);
  if (size_limited) {
    d["quantized"] = q.quantized;
    if (q.quantized) {
      d["dsub"] = q.dsub;
      d["cutoff"] = q.cutoff;
      d["qnorm"] = q.qnorm;
    }
  }
  return d;
}

py::dict result_dict(const AutotuneResult& r) {
  const bool sized = r.model_size_limit >= 0;
  py::dict d;
  d["options"] = searched_options(r.best, r.quant, sized);
  d["score"] = r.score;
  d["metric"] = r.metric;
  d["predictions"] = r.predictions;
  d["deterministic"] = r.deterministic;
  d["budget_seconds"] = r.budget;
  d["used_seconds"] = r.used;
  d["wall_seconds"] = r.wall_seconds;
  d["model_size_limit"] = r.model_size_limit;
  d["file_size"] = r.file_size;
  py::list trials;
  for (const AutotuneTrial& t : r.trials) {
    py::dict x;
    x["options"] = searched_options(t.args, t.quant, sized);
    x["score"] = t.score;
    x["cost"] = t.cost;
    x["seconds"] = t.seconds;
    x["file_size"] = t.file_size;
    x["status"] = t.status;
    trials.append(x);
  }
  d["trials"] = trials;
  return d;
}

void check_signals() {
  py::gil_scoped_acquire gil;
  if (PyErr_CheckSignals() != 0) throw py::error_already_set();
}

void bind_autotune(py::module_& mod) {
  mod.def(
      "autotune",
      [](const std::string& kind, const py::dict& options, const std::string& input,
         py::object callback) {
        const Args args = args_from_py(kind, options);
        const AutotuneOptions o = autotune_options(args);
        AutotuneHooks hooks;
        // On the calling thread, GIL re-acquired: Ctrl-C raises KeyboardInterrupt here (the
        // trial's threads are joined first), and the callback sees the whole search's progress.
        hooks.poll = [&callback](const AutotuneProgress& p) -> bool {
          py::gil_scoped_acquire gil;
          if (PyErr_CheckSignals() != 0) throw py::error_already_set();
          if (callback.is_none()) return true;
          const TrainStatus& s = p.train;
          py::object r = callback(py::make_tuple(p.overall, s.lr, s.loss, s.words_per_sec_per_thread,
                                                 s.eta_seconds, s.tokens, s.elapsed_seconds, p.finished));
          return !(r.ptr() == Py_False);
        };
        hooks.interrupt_check = check_signals;
        AutotuneResult result;
        std::shared_ptr<Model> m;
        {
          py::gil_scoped_release nogil;
          m = autotune(args, input, o, hooks, result);
        }
        return py::make_tuple(m, result_dict(result));
      },
      py::arg("kind"), py::arg("options"), py::arg("input"), py::arg("callback") = py::none(),
      "Autotune a supervised model (see sentvec.train_supervised): (model, result dict).");
  mod.def("parse_autotune_metric", [](const std::string& s) {
    const AutotuneMetric m = parse_autotune_metric(s);
    const char* kind = m.kind == AutotuneMetric::Kind::kF1 ? "f1"
                       : m.kind == AutotuneMetric::Kind::kPrecisionAtRecall ? "precisionAtRecall"
                                                                            : "recallAtPrecision";
    return py::make_tuple(kind, m.value, m.label);
  });
  mod.def("parse_model_size", &parse_model_size);
}

}  // namespace

void bind_tune(py::module_& mod) {
  bind_meter(mod);
  bind_autotune(mod);
}
