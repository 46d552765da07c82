// Training on Python data: `_core.Corpus`, the in-memory corpus (sentvec/corpus.h) that
// Python lines, (text, labels) pairs and file chunks are appended to. Each str is encoded
// straight into one byte buffer: the process holds the corpus' bytes, not Python strings.
#include "bindings_corpus.h"

#include <memory>
#include <string>

#include "sentvec/corpus.h"
#include "sentvec/errors.h"
#include "text_caster.h"

namespace py = pybind11;
using namespace sentvec;

namespace {

std::string type_of(py::handle v) { return py::str(py::type::handle_of(v).attr("__name__")); }

bool has_newline(const std::string& s) { return s.find('\n') != std::string::npos; }

bool is_space(char c) {
  return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\v' || c == '\f' || c == '\0';
}

// One label of a pair: the prefix is added unless the label already has it.
void append_label(std::string& line, py::handle label, const std::string& prefix, int64_t index) {
  std::string s;
  if (!sentvec_py::text_bytes(label, s))
    throw py::type_error("input[" + std::to_string(index) + "]: a label must be a str, not " +
                         type_of(label));
  bool bad = s.empty();
  for (char c : s) bad = bad || is_space(c);
  if (bad)
    throw ArgError("input[" + std::to_string(index) + "]: label '" + s +
                   "' must be a non-empty str without whitespace");
  if (s.compare(0, prefix.size(), prefix) != 0) line += prefix;
  line += s;
  line += ' ';
}

// The line of one element, without its '\n'.
void element_line(py::handle el, const std::string* prefix, int64_t index, std::string& line) {
  line.clear();
  if (sentvec_py::text_bytes(el, line)) {
    if (has_newline(line))
      throw ArgError("input[" + std::to_string(index) +
                     "] contains a newline: give one line per element");
    return;
  }
  const bool pair = prefix && (PyTuple_Check(el.ptr()) || PyList_Check(el.ptr())) && py::len(el) == 2;
  if (!pair)
    throw py::type_error("input[" + std::to_string(index) + "] must be a str (one line of text)" +
                         (prefix ? std::string(" or a (text, label or [labels]) pair") : "") +
                         ", not " + type_of(el));
  py::sequence seq = py::reinterpret_borrow<py::sequence>(el);
  py::object text = seq[0], labels = seq[1];
  if (PyUnicode_Check(labels.ptr()) || PyBytes_Check(labels.ptr())) {
    append_label(line, labels, *prefix, index);
  } else {
    if (!(PyTuple_Check(labels.ptr()) || PyList_Check(labels.ptr())))
      throw py::type_error("input[" + std::to_string(index) +
                           "]: the labels of a pair must be a str or a list of str, not " +
                           type_of(labels));
    for (py::handle l : labels) append_label(line, l, *prefix, index);
  }
  std::string t;
  if (!sentvec_py::text_bytes(text, t))
    throw py::type_error("input[" + std::to_string(index) + "]: the text of a pair must be a str, not " +
                         type_of(text));
  if (has_newline(t))
    throw ArgError("input[" + std::to_string(index) + "] contains a newline: give one line per element");
  line += t;
}

// Appends every element of `iterable`; returns the number of elements. `label_prefix` None:
// strings only; a str: (text, labels) pairs are accepted too (supervised).
int64_t add_lines(MemoryCorpus& c, py::iterable iterable, py::object label_prefix, int64_t start) {
  std::string prefix;
  const bool pairs = !label_prefix.is_none();
  if (pairs) prefix = label_prefix.cast<std::string>();
  std::string line;
  int64_t i = start;
  for (py::handle el : iterable) {
    element_line(el, pairs ? &prefix : nullptr, i, line);
    line += '\n';
    c.append(line);
    c.add_line_count(1);
    if ((++i & 4095) == 0 && PyErr_CheckSignals() != 0) throw py::error_already_set();
  }
  return i - start;
}

// A chunk read from a file object: its bytes as they are (a text chunk as UTF-8).
void add_chunk(MemoryCorpus& c, py::handle chunk) {
  std::string s;
  if (!sentvec_py::text_bytes(chunk, s))
    throw py::type_error("input: read() of the file object returned " + type_of(chunk) +
                         ", not str or bytes");
  int64_t n = 0;
  for (char ch : s) n += ch == '\n';
  c.append(s);
  c.add_line_count(n);
}

}  // namespace

void bind_corpus(py::module_& mod) {
  py::class_<MemoryCorpus, std::shared_ptr<MemoryCorpus>>(
      mod, "Corpus",
      "An in-memory training corpus: one byte buffer of lines, read by training as a file.")
      .def(py::init<>())
      .def("add_lines", &add_lines, py::arg("lines"), py::arg("label_prefix") = py::none(),
           py::arg("start") = 0,
           "Append each element (a str or bytes line; with label_prefix also (text, label(s)) "
           "pairs) and a newline. Returns the number of elements.")
      .def("add_chunk", &add_chunk, py::arg("chunk"),
           "Append a chunk read from a file object (str or bytes) as it is.")
      .def("shrink", &MemoryCorpus::shrink)
      .def_property_readonly("nbytes", &MemoryCorpus::size, "bytes held (the '\\n's included)")
      .def_property_readonly("nlines", &MemoryCorpus::lines);
}
