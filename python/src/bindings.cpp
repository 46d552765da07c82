// The Model class: argument conversion, GIL release, numpy views. Each method is a named
// function below; bind_model is the short table that exposes them.
#include "bindings.h"

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <cmath>
#include <string>
#include <unordered_set>
#include <vector>

#include "bindings_train.h"
#include "convert.h"
#include "sentvec/errors.h"
#include "sentvec/fasttext_io.h"
#include "sentvec/model.h"
#include "sentvec/parallel.h"
#include "sentvec/sent2vec_embed.h"
#include "sentvec/tokenizer.h"

namespace py = pybind11;
using namespace sentvec;
using sentvec_py::Text;

namespace {

using Preds = std::vector<std::pair<float, int32_t>>;
using FloatArray = py::array_t<float, py::array::c_style | py::array::forcecast>;

py::str decode(std::string_view s, const std::string& errors) {
  PyObject* o = PyUnicode_DecodeUTF8(s.data(), static_cast<Py_ssize_t>(s.size()), errors.c_str());
  if (!o) throw py::error_already_set();
  return py::reinterpret_steal<py::str>(o);
}

// Tokens are slices of the caller's str: surrogateescape gives back exactly what it held.
py::str decode_token(std::string_view s) { return decode(s, "surrogateescape"); }

py::array_t<float> new_rows(int64_t n, int64_t dim) { return py::array_t<float>({n, dim}); }

// A numpy view over a matrix of the model. Its base owns a reference to the matrix itself, so
// the view stays valid after the model replaces the matrix (set_matrices, quantize) or dies.
py::array matrix_view(const std::shared_ptr<DenseMatrix>& d, bool readonly) {
  py::capsule owner(new std::shared_ptr<DenseMatrix>(d),
                    [](void* p) { delete static_cast<std::shared_ptr<DenseMatrix>*>(p); });
  py::array a(py::dtype::of<float>(), {d->rows(), d->cols()},
              {d->cols() * static_cast<int64_t>(sizeof(float)), static_cast<int64_t>(sizeof(float))},
              d->data(), owner);
  if (readonly) a.attr("flags").attr("writeable") = false;
  return a;
}

// A read-only float16 numpy view over a float16 matrix (owned or mapped; the rows of a mapped
// one may be unaligned, which numpy handles). Read-only: rows are meant to stay the rounding.
py::array half_view(const std::shared_ptr<HalfMatrix>& h) {
  py::capsule owner(new std::shared_ptr<HalfMatrix>(h),
                    [](void* p) { delete static_cast<std::shared_ptr<HalfMatrix>*>(p); });
  py::array a(py::dtype("float16"), {h->rows(), h->cols()}, {h->cols() * 2, int64_t{2}},
              h->bytes(), owner);
  a.attr("flags").attr("writeable") = false;
  return a;
}

std::shared_ptr<DenseMatrix> dense_or_throw(const AnyMatrix& m, const char* which) {
  if (m.quantized())
    throw ArgError(std::string("the ") + which + " matrix of this model is quantized; " +
                   "a quantized matrix has no dense view");
  return m.dense_ptr();
}

// Predictions as fastText's Python API returns them: label strings and p + 1e-5 values.
// `names`, when given, holds each label's str once decoded (a batch shares the objects, as
// it would share equal strings, instead of decoding a label for every line it is predicted
// for); a label that does not decode raises where it first occurs, as without it.
std::pair<py::list, py::array_t<float>> labels_and_probs(
    const Model& m, const Preds& preds, const std::string& errors,
    std::vector<py::object>* names = nullptr) {
  py::list labels(preds.size());
  py::array_t<float> probs(preds.size());
  auto pr = probs.mutable_unchecked<1>();
  for (size_t i = 0; i < preds.size(); ++i) {
    const int32_t label = preds[i].second;
    const std::string& word = m.dict.entry(m.dict.nwords() + label).word;
    if (names) {
      py::object& name = (*names)[static_cast<size_t>(label)];
      if (!name) name = decode(word, errors);
      labels[i] = name;
    } else {
      labels[i] = decode(word, errors);
    }
    pr(i) = std::exp(preds[i].first);
  }
  return {labels, probs};
}

// ---------------------------------------------------------------- loading and saving
std::shared_ptr<Model> load(const std::string& path, bool mmap) {
  py::gil_scoped_release nogil;
  return load_model(path, mmap);
}

void save(const Model& m, const std::string& path) {
  py::gil_scoped_release nogil;
  save_model(m, path);
}

void save_vecs(const Model& m, const std::string& path, const std::string& which, bool binary) {
  py::gil_scoped_release nogil;
  save_vectors(m, path, which, binary);
}

py::dict args(const Model& m) { return options_to_dict(m.args.to_options()); }

// ---------------------------------------------------------------- dictionary
py::tuple entries(const Model& m, bool labels, const std::string& errors) {
  const Dictionary& d = m.dict;
  const int32_t s = labels ? d.nwords() : 0, e = labels ? d.size() : d.nwords();
  py::list words;
  py::array_t<int64_t> counts(e - s);
  auto c = counts.mutable_unchecked<1>();
  for (int32_t i = s; i < e; ++i) {
    words.append(decode(d.entry(i).word, errors));
    c(i - s) = d.entry(i).count;
  }
  return py::make_tuple(words, counts);
}

int32_t word_id(const Model& m, const Text& w) { return m.dict.get_id(w.s); }

int32_t label_id(const Model& m, const Text& w) {
  const int32_t id = m.dict.get_id(w.s);
  return id >= m.dict.nwords() ? id - m.dict.nwords() : -1;
}

py::tuple subwords(const Model& m, const Text& word, const std::string& errors) {
  const std::string& w = word.s;
  std::vector<int32_t> ids;
  std::vector<std::string> subs;
  const int32_t id = m.dict.get_id(w);
  if (id >= 0) {
    ids.push_back(id);
    subs.push_back(m.dict.entry(id).word);
  }
  if (w != kEos || m.eos_subwords) m.dict.char_ngrams(w, ids, &subs);
  py::list sl;
  for (auto& s : subs) sl.append(decode(s, errors));
  return py::make_tuple(sl, py::array_t<int32_t>(ids.size(), ids.data()));
}

// fastText's getLine on one line (read with its trailing newline): every word token, unknown
// ones too, and "</s>"; the tokens that are labels of the dictionary.
py::tuple line_words_and_labels(const Model& m, std::string line) {
  line += '\n';
  py::list words, labels;
  const int32_t nwords = m.dict.nwords();
  for_each_token(line, [&](std::string_view tok) {
    const int32_t id = m.dict.get_id(tok);
    const bool is_label = id >= 0 ? id >= nwords : tok.substr(0, m.args.label.size()) == m.args.label;
    if (!is_label) words.append(decode_token(tok));
    else if (id >= 0) labels.append(decode_token(tok));
    return true;
  });
  return py::make_tuple(words, labels);
}

py::tuple get_line(const Model& m, py::object text) {
  if (!py::isinstance<py::list>(text) && !py::isinstance<py::tuple>(text))
    return line_words_and_labels(m, sentvec_py::require_one_line(sentvec_py::text_arg(text, "text"), "text"));
  const std::vector<std::string> lines = sentvec_py::text_list(text, "text", true);
  sentvec_py::GcPause no_gc;
  py::list all_words, all_labels;
  for (const std::string& line : lines) {
    py::tuple wl = line_words_and_labels(m, line);
    all_words.append(wl[0]);
    all_labels.append(wl[1]);
  }
  return py::make_tuple(all_words, all_labels);
}

// ---------------------------------------------------------------- vectors
py::array_t<float> word_vector(const Model& m, const Text& w) {
  py::array_t<float> out(m.dim());
  m.word_vector(w.s, out.mutable_data());
  return out;
}

py::array_t<float> word_vectors(const Model& m, py::object words, int32_t threads) {
  const auto ws = sentvec_py::text_list(words, "words", false);
  auto out = new_rows(static_cast<int64_t>(ws.size()), m.dim());
  float* p = out.mutable_data();
  const int64_t d = m.dim();
  py::gil_scoped_release nogil;
  // Blocks of words: within one, the next word's rows are fetched while one is averaged.
  constexpr int64_t kBlock = 64;
  const int64_t n = static_cast<int64_t>(ws.size()), nblocks = (n + kBlock - 1) / kBlock;
  parallel_for(nblocks, pick_threads(n, threads, 256), [&](int64_t b) {
    const int64_t i = b * kBlock;
    m.word_vectors(ws.data() + i, std::min(kBlock, n - i), p + i * d);
  }, 1);
  return out;
}

py::array_t<float> sentence_vector(const Model& m, py::object text) {
  const std::string line = sentvec_py::text_arg(text, "text");
  sentvec_py::require_one_line(line, "text");
  py::array_t<float> out(m.dim());
  m.sentence_vector(line, out.mutable_data());
  return out;
}

py::array_t<float> embed_sentences(const Model& m, py::object lines, int32_t threads) {
  const auto ls = sentvec_py::text_list(lines, "sentences", true, " contains '\\n': one sentence per item");
  auto out = new_rows(static_cast<int64_t>(ls.size()), m.dim());
  float* p = out.mutable_data();
  std::vector<std::string_view> views(ls.begin(), ls.end());
  py::gil_scoped_release nogil;
  embed_lines(m, views.data(), static_cast<int64_t>(views.size()), p, threads);
  return out;
}

py::array matrix(py::object self, bool input) {
  const Model& m = self.cast<const Model&>();
  if (input && m.input.half()) return half_view(m.input.half_ptr());
  auto d = dense_or_throw(input ? m.input : m.output, input ? "input" : "output");
  // A writable input view may change rows behind the model's caches (the word-vector cache).
  if (input && !m.mapped) m.input_exposed();
  return matrix_view(d, m.mapped);
}

py::list nearest(const Model& m, FloatArray q, int32_t k, const std::vector<Text>& ban, const std::string& errors) {
  if (q.ndim() != 1 || q.shape(0) != m.dim())
    throw ArgError("query vector must have shape (" + std::to_string(m.dim()) + ",)");
  std::unordered_set<std::string> banset;
  for (const Text& b : ban) banset.insert(b.s);
  std::vector<float> qv(q.data(), q.data() + m.dim());
  Preds res;
  {
    py::gil_scoped_release nogil;
    res = m.nearest(qv.data(), k, banset);
  }
  py::list out;
  for (auto& r : res) out.append(py::make_tuple(r.first, decode(m.dict.entry(r.second).word, errors)));
  return out;
}

// ---------------------------------------------------------------- classification
py::tuple predict(const Model& m, py::object text, int32_t k, float threshold, const std::string& errors) {
  const std::string line = sentvec_py::text_arg(text, "text");
  sentvec_py::require_one_line(line, "text");
  Preds preds;
  {
    py::gil_scoped_release nogil;
    preds = m.predict(line, k, threshold);
  }
  auto lp = labels_and_probs(m, preds, errors);
  return py::make_tuple(py::tuple(lp.first), lp.second);
}

py::tuple predict_batch(const Model& m, py::object lines, int32_t k, float threshold,
                        const std::string& errors, int32_t threads) {
  const auto ls = sentvec_py::text_list(lines, "text", true);
  std::vector<Preds> res(ls.size());
  {
    py::gil_scoped_release nogil;
    // Blocks of lines: each thread scores a block with one set of scratch vectors.
    constexpr int64_t kBlock = 64;
    const int64_t n = static_cast<int64_t>(ls.size()), nblocks = (n + kBlock - 1) / kBlock;
    parallel_for(
        nblocks, pick_threads(n, threads, 64),
        [&](int64_t b) {
          const int64_t at = b * kBlock;
          m.predict_lines(ls.data() + at, std::min(kBlock, n - at), k, threshold, res.data() + at);
        },
        1);
  }
  sentvec_py::GcPause no_gc;
  std::vector<py::object> names(static_cast<size_t>(m.dict.nlabels()));
  py::list all_labels(res.size()), all_probs(res.size());
  for (size_t i = 0; i < res.size(); ++i) {
    auto lp = labels_and_probs(m, res[i], errors, &names);
    all_labels[i] = std::move(lp.first);
    all_probs[i] = std::move(lp.second);
  }
  return py::make_tuple(all_labels, all_probs);
}

py::tuple test(const Model& m, const std::string& path, int32_t k, float threshold) {
  Meter mt;
  {
    py::gil_scoped_release nogil;
    mt = m.test(path, k, threshold);
  }
  py::list per;
  for (auto& c : mt.per_label) per.append(py::make_tuple(c.gold, c.predicted, c.predicted_gold));
  return py::make_tuple(mt.nexamples, py::make_tuple(mt.all.gold, mt.all.predicted, mt.all.predicted_gold), per);
}

// fastText's tokenizer (sentvec.tokenize).
py::list tokenize(py::object text) {
  py::list out;
  for_each_token(sentvec_py::text_arg(text, "text"), [&](std::string_view t) {
    out.append(decode_token(t));
    return true;
  });
  return out;
}

}  // namespace

void bind_model(py::module_& mod) {
  mod.def("tokenize", &tokenize, py::arg("text"), "fastText's tokenizer; each newline gives '</s>'.");
  py::class_<Model, std::shared_ptr<Model>>(mod, "Model")
      .def_static("load", &load, py::arg("path"), py::arg("mmap") = false)
      .def("save_model", &save)
      .def("save_vectors", &save_vecs)
      .def("args", &args)
      .def_property_readonly("version", [](const Model& m) { return m.version; })
      .def_property_readonly("legacy", [](const Model& m) { return m.legacy; })
      .def_property_readonly("mapped", [](const Model& m) { return m.mapped; })
      .def_property_readonly("quantized", &Model::quantized)
      .def_property_readonly("float16", [](const Model& m) { return m.input.half(); })
      .def_property_readonly("dim", &Model::dim)
      .def_property_readonly("input_rows", [](const Model& m) { return m.input.rows(); })
      .def_property_readonly("nwords", [](const Model& m) { return m.dict.nwords(); })
      .def_property_readonly("nlabels", [](const Model& m) { return m.dict.nlabels(); })
      .def_property_readonly("ntokens", [](const Model& m) { return m.dict.ntokens(); })
      .def("entries", &entries)
      .def("get_word_id", &word_id)
      .def("get_label_id", &label_id)
      .def("get_subwords", &subwords)
      .def("get_line", &get_line, py::arg("text"))
      .def("word_vector", &word_vector)
      .def("word_vectors", &word_vectors)
      .def("sentence_vector", &sentence_vector)
      .def("embed_sentences", &embed_sentences)
      .def("predict", &predict)
      .def("predict_batch", &predict_batch)
      .def("nearest", &nearest)
      .def("test", &test)
      .def("input_matrix", [](py::object self) { return matrix(self, true); })
      .def("output_matrix", [](py::object self) { return matrix(self, false); });
}
