// Training bindings: option conversion, GIL release, polling for Ctrl-C and the callback.
#include "bindings_train.h"

#include <pybind11/stl.h>

#include <string>

#include "sentvec/args.h"
#include "sentvec/errors.h"
#include "sentvec/trainer.h"

namespace py = pybind11;
using namespace sentvec;

namespace {

ModelName model_from_str(const std::string& s) {
  if (s == "cbow") return ModelName::kCbow;
  if (s == "skipgram" || s == "sg") return ModelName::kSkipgram;
  if (s == "supervised") return ModelName::kSupervised;
  if (s == "sent2vec") return ModelName::kSent2vec;
  throw ArgError("option 'model' must be one of 'skipgram', 'cbow', 'supervised', 'sent2vec' (got '" + s + "')");
}

LossName loss_from_str(const std::string& s) {
  if (s == "ns") return LossName::kNs;
  if (s == "hs") return LossName::kHs;
  if (s == "softmax") return LossName::kSoftmax;
  if (s == "ova") return LossName::kOva;
  throw ArgError("option 'loss' must be one of 'ns', 'hs', 'softmax', 'ova' (got '" + s + "')");
}

/// Options from a dict with fastText's camelCase names (python/sentvec/train.py resolves
/// aliases and checks types first).
Args args_from_dict(const py::dict& d) {
  Args a;
  for (auto item : d) {
    const std::string k = py::str(item.first);
    py::handle v = item.second;
    if (k == "model") a.model = model_from_str(v.cast<std::string>());
    else if (k == "loss") a.loss = loss_from_str(v.cast<std::string>());
    else if (k == "lr") a.lr = v.cast<double>();
    else if (k == "dim") a.dim = v.cast<int32_t>();
    else if (k == "ws") a.ws = v.cast<int32_t>();
    else if (k == "epoch") a.epoch = v.cast<int32_t>();
    else if (k == "minCount") a.min_count = v.cast<int32_t>();
    else if (k == "minCountLabel") a.min_count_label = v.cast<int32_t>();
    else if (k == "minn") a.minn = v.cast<int32_t>();
    else if (k == "maxn") a.maxn = v.cast<int32_t>();
    else if (k == "neg") a.neg = v.cast<int32_t>();
    else if (k == "wordNgrams") a.word_ngrams = v.cast<int32_t>();
    else if (k == "bucket") a.bucket = v.cast<int32_t>();
    else if (k == "thread") a.thread = v.cast<int32_t>();
    else if (k == "lrUpdateRate") a.lr_update_rate = v.cast<int32_t>();
    else if (k == "t") a.t = v.cast<double>();
    else if (k == "label") a.label = v.cast<std::string>();
    else if (k == "verbose") a.verbose = v.cast<int32_t>();
    else if (k == "pretrainedVectors") a.pretrained_vectors = v.cast<std::string>();
    else if (k == "seed") a.seed = v.cast<uint64_t>();
    else if (k == "dropoutK") a.dropout_k = v.cast<int32_t>();
    else if (k == "scheme") a.scheme = scheme_from_str(v.cast<std::string>());
    else throw ArgError("unknown training option '" + k + "'");
  }
  return a;
}

}  // namespace

void bind_training(py::module_& mod) {
  static py::handle fp_error = PyExc_FloatingPointError;
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const DivergedError& e) {
      PyErr_SetString(fp_error.ptr(), e.what());
    }
  });

  mod.def(
      "train",
      [](const py::dict& options, const std::string& input, py::object callback,
         double poll_interval) {
        Args args = args_from_dict(options);
        TrainOptions opts;
        opts.poll_interval = poll_interval;
        // Runs on the calling thread between waits, GIL re-acquired: Ctrl-C raises
        // KeyboardInterrupt here, and the trainer stops and joins its threads before it
        // propagates.
        opts.poll = [&callback](const TrainStatus& s) -> bool {
          py::gil_scoped_acquire gil;
          if (PyErr_CheckSignals() != 0) throw py::error_already_set();
          if (callback.is_none()) return true;
          py::object r = callback(py::make_tuple(s.progress, s.lr, s.loss,
                                                 s.words_per_sec_per_thread, s.eta_seconds,
                                                 s.tokens, s.elapsed_seconds, s.finished));
          return !(r.ptr() == Py_False);
        };
        opts.interrupt_check = [] {
          py::gil_scoped_acquire gil;
          if (PyErr_CheckSignals() != 0) throw py::error_already_set();
        };
        std::shared_ptr<Model> m;
        {
          py::gil_scoped_release nogil;
          m = train(args, input, opts);
        }
        return m;
      },
      py::arg("options"), py::arg("input"), py::arg("callback") = py::none(),
      py::arg("poll_interval") = 0.1,
      "Train a model (see sentvec.train_supervised / train_unsupervised).");
}
