// pybind11 bindings: argument conversion, GIL release, numpy views, error translation.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <unordered_set>
#include <vector>

#include "sentvec/errors.h"
#include "sentvec/fasttext_io.h"
#include "sentvec/hashing.h"
#include "sentvec/memory_guard.h"
#include "sentvec/model.h"
#include "sentvec/parallel.h"
#include "sentvec/sent2vec_embed.h"
#include "bindings_io.h"
#include "bindings_serve.h"
#include "bindings_train.h"
#include "bindings_s2v.h"
#include "bindings_quant.h"
#include "bindings_tune.h"
#include "text_caster.h"

namespace py = pybind11;
using namespace sentvec;
using sentvec_py::Text;

namespace {

py::str decode(const std::string& s, const std::string& errors) {
  PyObject* o = PyUnicode_DecodeUTF8(s.data(), static_cast<Py_ssize_t>(s.size()), errors.c_str());
  if (!o) throw py::error_already_set();
  return py::reinterpret_steal<py::str>(o);
}

py::array_t<float> new_vector(int64_t dim) { return py::array_t<float>(dim); }

// A numpy view over a matrix of the model, kept alive by the Python model object.
py::array matrix_view(py::object self, const DenseMatrix& d, bool readonly) {
  py::array a(py::dtype::of<float>(), {d.rows(), d.cols()},
              {d.cols() * static_cast<int64_t>(sizeof(float)), static_cast<int64_t>(sizeof(float))},
              d.data(), self);
  if (readonly) a.attr("flags").attr("writeable") = false;
  return a;
}

std::vector<std::string> to_strings(const py::list& l, const char* what) {
  std::vector<std::string> out;
  out.reserve(l.size());
  for (size_t i = 0; i < l.size(); ++i) {
    py::handle h = l[i];
    if (!py::isinstance<py::str>(h))
      throw ArgError(std::string(what) + "[" + std::to_string(i) + "] must be a str, not " +
                     std::string(py::str(py::type::handle_of(h).attr("__name__"))));
    out.emplace_back();
    if (!sentvec_py::text_bytes(h, out.back()))
      throw ArgError(std::string(what) + "[" + std::to_string(i) + "] cannot be encoded as UTF-8");
  }
  return out;
}

// Predictions as fastText's Python API returns them: label strings and p + 1e-5 values.
std::pair<py::list, py::array_t<float>> labels_and_probs(
    const Model& m, const std::vector<std::pair<float, int32_t>>& preds, const std::string& errors) {
  py::list labels;
  py::array_t<float> probs(preds.size());
  auto pr = probs.mutable_unchecked<1>();
  for (size_t i = 0; i < preds.size(); ++i) {
    labels.append(decode(m.dict.entry(m.dict.nwords() + preds[i].second).word, errors));
    pr(i) = std::exp(preds[i].first);
  }
  return {labels, probs};
}

const DenseMatrix& dense_or_throw(const AnyMatrix& m, const char* which) {
  if (m.quantized())
    throw ArgError(std::string("the ") + which + " matrix of this model is quantized; " +
                   "a quantized matrix has no dense view");
  return *m.dense();
}

}  // namespace

PYBIND11_MODULE(_core, mod) {
  mod.doc() = "sentvec C++ core";

  static py::exception<FormatError> format_error(mod, "FormatError", PyExc_ValueError);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const FormatError& e) {
      // A message may quote bytes of a corrupt file: never fail on invalid UTF-8.
      py::str msg = py::reinterpret_steal<py::str>(
          PyUnicode_DecodeUTF8(e.what(), static_cast<Py_ssize_t>(std::strlen(e.what())), "backslashreplace"));
      PyErr_SetObject(format_error.ptr(), msg.ptr());
    } catch (const IoError& e) {
      py::object exc = py::reinterpret_borrow<py::object>(PyExc_OSError)(
          e.error_number(), std::string(e.what()), e.path().empty() ? py::object(py::none()) : py::object(py::str(e.path())));
      PyErr_SetObject(PyExc_OSError, exc.ptr());  // OSError(errno, ...) picks the subclass
    } catch (const ArgError& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const MemError& e) {
      PyErr_SetString(PyExc_MemoryError, e.what());
    } catch (const DivergedError& e) {
      PyErr_SetString(PyExc_FloatingPointError, e.what());
    } catch (const Cancelled&) {
      PyErr_SetString(PyExc_KeyboardInterrupt, "training interrupted");
    } catch (const std::bad_alloc&) {
      PyErr_SetString(PyExc_MemoryError, "out of memory");
    }
  });

  py::class_<Model, std::shared_ptr<Model>> cls(mod, "Model");
  cls.def_static(
         "load",
         [](const std::string& path, bool mmap) {
           py::gil_scoped_release nogil;
           return load_model(path, mmap);
         },
         py::arg("path"), py::arg("mmap") = false)
      .def("save_model",
           [](const Model& m, const std::string& path) {
             py::gil_scoped_release nogil;
             save_model(m, path);
           })
      .def("save_vectors",
           [](const Model& m, const std::string& path, const std::string& which, bool binary) {
             py::gil_scoped_release nogil;
             save_vectors(m, path, which, binary);
           })
      .def("args", [](const Model& m) { return options_to_dict(m.args.to_options()); })
      .def_property_readonly("version", [](const Model& m) { return m.version; })
      .def_property_readonly("legacy", [](const Model& m) { return m.legacy; })
      .def_property_readonly("mapped", [](const Model& m) { return m.mapped; })
      .def_property_readonly("quantized", [](const Model& m) { return m.quantized(); })
      .def_property_readonly("dim", [](const Model& m) { return m.dim(); })
      .def_property_readonly("input_rows", [](const Model& m) { return m.input.rows(); })
      .def_property_readonly("nwords", [](const Model& m) { return m.dict.nwords(); })
      .def_property_readonly("nlabels", [](const Model& m) { return m.dict.nlabels(); })
      .def_property_readonly("ntokens", [](const Model& m) { return m.dict.ntokens(); })
      .def("entries",
           [](const Model& m, bool labels, const std::string& errors) {
             const Dictionary& d = m.dict;
             int32_t s = labels ? d.nwords() : 0, e = labels ? d.size() : d.nwords();
             py::list words;
             py::array_t<int64_t> counts(e - s);
             auto c = counts.mutable_unchecked<1>();
             for (int32_t i = s; i < e; ++i) {
               words.append(decode(d.entry(i).word, errors));
               c(i - s) = d.entry(i).count;
             }
             return py::make_tuple(words, counts);
           })
      .def("get_word_id", [](const Model& m, const Text& w) { return m.dict.get_id(w.s); })
      .def("get_label_id",
           [](const Model& m, const Text& w) {
             int32_t id = m.dict.get_id(w.s);
             return id >= m.dict.nwords() ? id - m.dict.nwords() : -1;
           })
      .def("get_subwords",
           [](const Model& m, const Text& word, const std::string& errors) {
             const std::string& w = word.s;
             std::vector<int32_t> ids;
             std::vector<std::string> subs;
             int32_t id = m.dict.get_id(w);
             if (id >= 0) {
               ids.push_back(id);
               subs.push_back(m.dict.entry(id).word);
             }
             if (w != "</s>" || m.eos_subwords) m.dict.char_ngrams(w, ids, &subs);
             py::list sl;
             for (auto& s : subs) sl.append(decode(s, errors));
             return py::make_tuple(sl, py::array_t<int32_t>(ids.size(), ids.data()));
           })
      .def("word_vector",
           [](const Model& m, const Text& w) {
             auto out = new_vector(m.dim());
             m.word_vector(w.s, out.mutable_data());
             return out;
           })
      .def("word_vectors",
           [](const Model& m, const py::list& words, int32_t threads) {
             auto ws = to_strings(words, "words");
             py::array_t<float> out({static_cast<int64_t>(ws.size()), static_cast<int64_t>(m.dim())});
             float* p = out.mutable_data();
             const int64_t d = m.dim();
             {
               py::gil_scoped_release nogil;
               parallel_for(ws.size(), pick_threads(ws.size(), threads, 256),
                            [&](int64_t i) { m.word_vector(ws[i], p + i * d); });
             }
             return out;
           })
      .def("sentence_vector",
           [](const Model& m, const Text& text) {
             auto out = new_vector(m.dim());
             m.sentence_vector(text.s, out.mutable_data());
             return out;
           })
      .def("embed_sentences",
           [](const Model& m, const py::list& lines, int32_t threads) {
             auto ls = to_strings(lines, "sentences");
             py::array_t<float> out({static_cast<int64_t>(ls.size()), static_cast<int64_t>(m.dim())});
             float* p = out.mutable_data();
             std::vector<std::string_view> views(ls.begin(), ls.end());
             {
               py::gil_scoped_release nogil;
               embed_lines(m, views.data(), static_cast<int64_t>(views.size()), p, threads);
             }
             return out;
           })
      .def("predict",
           [](const Model& m, const Text& text, int32_t k, float threshold,
              const std::string& errors) {
             std::vector<std::pair<float, int32_t>> preds;
             {
               py::gil_scoped_release nogil;
               preds = m.predict(text.s, k, threshold);
             }
             auto lp = labels_and_probs(m, preds, errors);
             return py::make_tuple(py::tuple(lp.first), lp.second);
           })
      .def("predict_batch",
           [](const Model& m, const py::list& lines, int32_t k, float threshold,
              const std::string& errors, int32_t threads) {
             auto ls = to_strings(lines, "text");
             std::vector<std::vector<std::pair<float, int32_t>>> res(ls.size());
             {
               py::gil_scoped_release nogil;
               parallel_for(ls.size(), pick_threads(ls.size(), threads, 64),
                            [&](int64_t i) { res[i] = m.predict(ls[i], k, threshold); });
             }
             py::list all_labels, all_probs;
             for (auto& preds : res) {
               auto lp = labels_and_probs(m, preds, errors);
               all_labels.append(lp.first);
               all_probs.append(lp.second);
             }
             return py::make_tuple(all_labels, all_probs);
           })
      .def("nearest",
           [](const Model& m, py::array_t<float, py::array::c_style | py::array::forcecast> q,
              int32_t k, const std::vector<Text>& ban, const std::string& errors) {
             if (q.ndim() != 1 || q.shape(0) != m.dim())
               throw ArgError("query vector must have shape (" + std::to_string(m.dim()) + ",)");
             std::unordered_set<std::string> banset;
             for (const Text& b : ban) banset.insert(b.s);
             std::vector<float> qv(q.data(), q.data() + m.dim());
             std::vector<std::pair<float, int32_t>> res;
             {
               py::gil_scoped_release nogil;
               res = m.nearest(qv.data(), k, banset);
             }
             py::list out;
             for (auto& r : res) out.append(py::make_tuple(r.first, decode(m.dict.entry(r.second).word, errors)));
             return out;
           })
      .def("test",
           [](const Model& m, const std::string& path, int32_t k, float threshold) {
             Meter mt;
             {
               py::gil_scoped_release nogil;
               mt = m.test(path, k, threshold);
             }
             py::list per;
             for (auto& c : mt.per_label) per.append(py::make_tuple(c.gold, c.predicted, c.predicted_gold));
             return py::make_tuple(mt.nexamples, py::make_tuple(mt.all.gold, mt.all.predicted, mt.all.predicted_gold), per);
           })
      .def("input_matrix",
           [](py::object self) {
             const Model& m = self.cast<const Model&>();
             return matrix_view(self, dense_or_throw(m.input, "input"), m.mapped);
           })
      .def("output_matrix",
           [](py::object self) {
             const Model& m = self.cast<const Model&>();
             return matrix_view(self, dense_or_throw(m.output, "output"), m.mapped);
           });

  mod.def("human_bytes", &human_bytes);
  mod.def("check_memory", [](int64_t need, const std::string& what) { check_memory(need, what); });
  mod.def("fnv1a32", [](const py::bytes& b) { return fnv1a32(std::string(b)); });

  bind_io(mod);
  bind_serving(mod);
  bind_training(mod);
  bind_sent2vec(mod);
  bind_quantize(mod);
  bind_tune(mod);
}
