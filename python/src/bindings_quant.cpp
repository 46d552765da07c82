// Quantization bindings: checks before anything changes, then prune + product quantization
// with the GIL released.
#include "bindings_quant.h"

#include <memory>
#include <string>

#include "sentvec/errors.h"
#include "sentvec/line_reader.h"
#include "sentvec/model.h"
#include "sentvec/quantize.h"
#include "sentvec/trainer.h"

namespace py = pybind11;
using namespace sentvec;

void bind_quantize(py::module_& mod) {
  mod.def(
      "quantize",
      [](Model& m, int64_t cutoff, bool qout, bool qnorm, int32_t dsub, int32_t threads,
         uint64_t seed, const std::string& input, bool do_retrain, int32_t epoch, double lr,
         int32_t verbose) {
        // Every check first: a failed call leaves the model as it was.
        if (!m.is_supervised())
          throw ArgError("quantize supports supervised models only (fastText: \"For now we only "
                         "support quantization of supervised models\")");
        if (m.quantized()) throw ArgError("the model is already quantized");
        if (dsub < 1) throw ArgError("dsub must be >= 1 (got " + std::to_string(dsub) + ")");
        if (cutoff < 0) throw ArgError("cutoff must be >= 0 (got " + std::to_string(cutoff) + ")");
        const int64_t rows = m.input.rows();
        const int64_t kept = (cutoff > 0 && cutoff < rows) ? cutoff : rows;
        if (kept < ProductQuantizer::kKsub)
          throw ArgError("Matrix too small for quantization, must have at least 256 rows: the "
                         "input matrix would have " + std::to_string(kept) +
                         (kept == cutoff ? " (cutoff)" : "") + " rows");
        if (qout && m.output.rows() < ProductQuantizer::kKsub)
          throw ArgError("qout: Matrix too small for quantization, must have at least 256 rows; "
                         "the output matrix has " + std::to_string(m.output.rows()) +
                         " (one per label): quantize without qout");
        if (qout && m.output.quantized()) throw ArgError("the output matrix is already quantized");
        QuantizeOptions o;
        o.dsub = dsub;
        o.qnorm = qnorm;
        o.qout = qout;
        o.threads = threads;
        o.seed = seed;
        TrainOptions topts;
        // Ctrl-C during retraining raises KeyboardInterrupt (threads joined first).
        topts.poll = [](const TrainStatus&) -> bool {
          py::gil_scoped_acquire gil;
          if (PyErr_CheckSignals() != 0) throw py::error_already_set();
          return true;
        };
        py::gil_scoped_release nogil;
        if (do_retrain) {
          LineReader probe(input);  // a missing corpus fails before any change
        }
        prune_input(m, cutoff);
        if (do_retrain) retrain(m, input, epoch, lr, threads, verbose, topts);
        quantize_model(m, o);
      },
      py::arg("model"), py::arg("cutoff"), py::arg("qout"), py::arg("qnorm"), py::arg("dsub"),
      py::arg("threads"), py::arg("seed"), py::arg("input") = "", py::arg("retrain") = false,
      py::arg("epoch") = 5, py::arg("lr") = 0.1, py::arg("verbose") = 0,
      "Prune (cutoff) and product-quantize a supervised model in place.");
  mod.def(
      "prune_input", [](Model& m, int64_t cutoff) {
        py::gil_scoped_release nogil;
        prune_input(m, cutoff);
      },
      py::arg("model"), py::arg("cutoff"), "Keep the cutoff input rows of largest norm.");
}
