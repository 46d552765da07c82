// sent2vec bindings: the word n-gram helper (`sentvec.ngram_ids`) and batch embedding of
// raw text buffers (the engine of `Model.embed_file`).
#include "bindings_s2v.h"

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <string>
#include <string_view>
#include <vector>

#include "sentvec/args.h"
#include "sentvec/errors.h"
#include "sentvec/hashing.h"
#include "sentvec/input_file.h"
#include "sentvec/model.h"
#include "sentvec/sent2vec_embed.h"
#include "text_caster.h"

namespace py = pybind11;
using namespace sentvec;

namespace {

// Every word n-gram of length 2..n of `tokens` under `scheme`: four arrays (start, end,
// row, key). str tokens for sentvec/fasttext (hashed by bytes), int word ids for sent2vec.
py::tuple ngram_arrays(const py::sequence& tokens, int32_t n, int64_t bucket,
                       const std::string& scheme_name, const std::vector<int64_t>& masked) {
  const NgramScheme scheme = scheme_from_str(scheme_name);
  if (n < 1) throw ArgError("n must be >= 1 (got " + std::to_string(n) + ")");
  if (bucket < 1 || bucket > INT32_MAX)
    throw ArgError("bucket must be in [1, 2147483647] (got " + std::to_string(bucket) + ")");
  const size_t len = tokens.size();
  std::vector<uint64_t> keys(len);
  std::vector<uint8_t> blocked(len, 0);
  for (int64_t m : masked) {
    if (m < 0 || static_cast<size_t>(m) >= len)
      throw ArgError("masked position " + std::to_string(m) + " is outside the " +
                     std::to_string(len) + " tokens");
    blocked[m] = 1;
  }
  for (size_t i = 0; i < len; ++i) {
    py::handle h = tokens[i];
    if (scheme == NgramScheme::kSent2vec) {
      if (!py::isinstance<py::int_>(h) || py::isinstance<py::bool_>(h))
        throw py::type_error("tokens[" + std::to_string(i) +
                             "] must be an int word id under scheme='sent2vec' (it hashes ids)");
      int64_t id = h.cast<int64_t>();
      if (id < 0) throw ArgError("tokens[" + std::to_string(i) + "] is a negative word id");
      // sent2vec writes its placeholder id 0 over a masked target.
      keys[i] = blocked[i] ? 0 : static_cast<uint64_t>(id);
    } else {
      if (!py::isinstance<py::str>(h))
        throw py::type_error("tokens[" + std::to_string(i) + "] must be a str under scheme='" +
                             scheme_name + "'");
      std::string tok;
      sentvec_py::text_bytes(h, tok);
      keys[i] = scheme == NgramScheme::kSentvec ? token_key64(tok) : fasttext_token_key(tok);
    }
  }
  if (scheme == NgramScheme::kFasttext && !masked.empty())
    throw ArgError("masked positions have no meaning under scheme='fasttext'");
  std::vector<int64_t> starts, ends, rows;
  std::vector<uint64_t> out_keys;
  const uint64_t b = static_cast<uint64_t>(bucket);
  for_each_word_ngram(scheme, keys.data(), blocked.data(), len, n,
                      [&](size_t s, size_t e, uint64_t key) {
                        starts.push_back(static_cast<int64_t>(s));
                        ends.push_back(static_cast<int64_t>(e));
                        rows.push_back(static_cast<int64_t>(key % b));
                        out_keys.push_back(key);
                      });
  return py::make_tuple(py::array_t<int64_t>(starts.size(), starts.data()),
                        py::array_t<int64_t>(ends.size(), ends.data()),
                        py::array_t<int64_t>(rows.size(), rows.data()),
                        py::array_t<uint64_t>(out_keys.size(), out_keys.data()));
}

// Sentence vectors of every line of a buffer of raw bytes (lines end with '\n'; a last line
// without one counts too). The bytes are copied under the GIL, the work runs without it.
py::array_t<float> embed_buffer(const Model& m, const py::bytes& data, int32_t threads) {
  std::string buf = data;  // copy: the Python object may not be touched without the GIL
  std::vector<std::string_view> lines;
  {
    std::string_view all(buf);
    size_t s = 0;
    while (s < all.size()) {
      size_t e = all.find('\n', s);
      if (e == std::string_view::npos) e = all.size();
      lines.push_back(all.substr(s, e - s));
      s = e + 1;
    }
  }
  const int64_t d = m.dim();
  py::array_t<float> out({static_cast<int64_t>(lines.size()), d});
  float* p = out.mutable_data();
  {
    py::gil_scoped_release nogil;
    embed_lines(m, lines.data(), static_cast<int64_t>(lines.size()), p, threads);
  }
  return out;
}

}  // namespace

void bind_sent2vec(py::module_& mod) {
  mod.def("ngram_arrays", &ngram_arrays, py::arg("tokens"), py::arg("n"), py::arg("bucket"),
          py::arg("scheme"), py::arg("masked"));
  mod.def("embed_buffer", &embed_buffer, py::arg("model"), py::arg("data"), py::arg("threads"));
  // The library's one text-input policy (input_file.h) for the files Python reads itself.
  mod.def("open_input", &open_input_file, py::arg("path"), py::arg("what"),
          "Open a text input (a regular file only) and return its descriptor.");
  mod.def("token_key64", [](const std::string& s) { return token_key64(s); });
}
