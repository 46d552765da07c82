// Quantization bindings: argument conversion, then sentvec::quantize (checks, prune, retrain,
// product quantization) with the GIL released.
#include "bindings_quant.h"

#include <string>

#include "convert.h"
#include "sentvec/model.h"
#include "sentvec/prune.h"
#include "sentvec/quantize.h"
#include "sentvec/trainer.h"

namespace py = pybind11;
using namespace sentvec;
using namespace sentvec_py;

namespace {

void quantize_py(Model& m, py::object input, py::object qout, py::object cutoff, py::object retrain,
                 py::object epoch, py::object lr, py::object thread, py::object verbose,
                 py::object dsub, py::object qnorm, py::object seed) {
  QuantizeRequest r;
  r.qout = bool_arg(qout, "qout");
  r.retrain = bool_arg(retrain, "retrain");
  r.qnorm = bool_arg(qnorm, "qnorm");
  r.cutoff = int_arg(cutoff, "cutoff");
  r.dsub = int32_arg(dsub, "dsub");
  r.thread = opt_int32_arg(thread, "thread");
  if (!seed.is_none()) {
    const int64_t s = int_arg(seed, "seed");
    if (s < 0) throw ArgError("seed must be >= 0 (got " + std::to_string(s) + ")");
    r.seed = static_cast<uint64_t>(s);
  }
  if (r.retrain) {  // as fastText: what retraining takes is read only when it retrains
    r.input = path_arg(input, "input");
    r.epoch = opt_int32_arg(epoch, "epoch");
    r.lr = opt_float_arg(lr, "lr");
    r.verbose = opt_int32_arg(verbose, "verbose");
  }
  TrainOptions topts;
  // Ctrl-C during retraining raises KeyboardInterrupt (threads joined first).
  topts.poll = [](const TrainStatus&) -> bool {
    py::gil_scoped_acquire gil;
    if (PyErr_CheckSignals() != 0) throw py::error_already_set();
    return true;
  };
  py::gil_scoped_release nogil;
  quantize(m, r, topts);
}

// Model.prune: None keeps the words / the buckets as they are.
void prune_py(Model& m, py::object words, py::object buckets) {
  const int64_t w = words.is_none() ? -1 : int_arg(words, "words");
  const int64_t b = buckets.is_none() ? -1 : int_arg(buckets, "buckets");
  if (!words.is_none() && w < 1) throw ArgError("prune: words must be >= 1 (got " + std::to_string(w) + ")");
  if (!buckets.is_none() && b < 0) throw ArgError("prune: buckets must be >= 0 (got " + std::to_string(b) + ")");
  py::gil_scoped_release nogil;
  prune_model(m, w, b);
}

}  // namespace

void bind_quantize(py::module_& mod) {
  mod.def("quantize", &quantize_py, py::arg("model"), py::arg("input") = py::none(),
          py::arg("qout") = false, py::arg("cutoff") = 0, py::arg("retrain") = false,
          py::arg("epoch") = py::none(), py::arg("lr") = py::none(), py::arg("thread") = py::none(),
          py::arg("verbose") = py::none(), py::arg("dsub") = 2, py::arg("qnorm") = false,
          py::arg("seed") = py::none(),
          "fastText's quantize, in place: prune (cutoff), optionally retrain, product-quantize.");
  mod.def(
      "to_float16",
      [](Model& m) {
        py::gil_scoped_release nogil;
        input_to_float16(m);
      },
      py::arg("model"), "Store the input matrix as float16 (in place).");
  mod.def("prune", &prune_py, py::arg("model"), py::arg("words") = py::none(),
          py::arg("buckets") = py::none(),
          "Keep the most frequent words; re-hash the n-gram rows into fewer buckets (in place).");
}
