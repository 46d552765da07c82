// Training bindings: the option table for Python, option conversion, GIL release, polling for
// Ctrl-C and the callback.
#include "bindings_train.h"

#include <pybind11/stl.h>

#include <algorithm>
#include <string>

#include "sentvec/args.h"
#include "sentvec/checkpoint.h"
#include "sentvec/corpus.h"
#include "sentvec/errors.h"
#include "sentvec/trainer.h"
#include "text_caster.h"

namespace py = pybind11;
using namespace sentvec;

namespace {

const char* type_name(OptType t) {
  switch (t) {
    case OptType::kInt: return "int";
    case OptType::kSeed: return "int";
    case OptType::kReal: return "float";
    case OptType::kText: return "str";
    case OptType::kPath: return "path";
  }
  return "str";
}

std::string py_type_name(py::handle v) { return py::str(py::type::handle_of(v).attr("__name__")); }

[[noreturn]] void type_fail(const OptionSpec& o, const char* want, py::handle v) {
  throw py::type_error(std::string("option '") + o.name + "' must be " + want + ", not " + py_type_name(v));
}

// An integer option from any object with __index__ (not bool). Values beyond int64 are
// reported with the option's range, as the range check would.
OptionValue int_from_py(const OptionSpec& o, py::handle v) {
  if (PyBool_Check(v.ptr()) || !PyIndex_Check(v.ptr())) type_fail(o, "an int", v);
  py::int_ i = py::reinterpret_steal<py::int_>(PyNumber_Index(v.ptr()));
  if (!i) throw py::error_already_set();
  const std::string text = py::str(i);
  if (o.type == OptType::kSeed) {
    const unsigned long long u = PyLong_AsUnsignedLongLong(i.ptr());
    if (PyErr_Occurred()) {
      PyErr_Clear();
      throw ArgError(std::string("option '") + o.name + "' must be " + o.range_text() + " (got " + text + ")");
    }
    return static_cast<uint64_t>(u);
  }
  int overflow = 0;
  const long long x = PyLong_AsLongLongAndOverflow(i.ptr(), &overflow);
  if (overflow)
    throw ArgError(std::string("option '") + o.name + "' must be " + o.range_text() + " (got " + text + ")");
  return static_cast<int64_t>(x);
}

/// A str as bytes: one from argv holding undecodable bytes (surrogateescape) becomes those
/// bytes, which validation then refuses by name (a label must be UTF-8) instead of failing here.
std::string text_value(const OptionSpec& o, py::handle v) {
  std::string out;
  if (!sentvec_py::text_bytes(v, out)) type_fail(o, "a str", v);
  return out;
}

/// A Python value converted by the option's type (the one place types are checked).
OptionValue value_from_py(const OptionSpec& o, py::handle v) {
  switch (o.type) {
    case OptType::kInt:
    case OptType::kSeed: return int_from_py(o, v);
    case OptType::kReal:
      if (PyBool_Check(v.ptr()) || !(PyFloat_Check(v.ptr()) || PyLong_Check(v.ptr()) ||
                                     py::hasattr(v, "__float__")))
        type_fail(o, "a number", v);
      return py::cast<double>(py::float_(py::reinterpret_borrow<py::object>(v)));
    case OptType::kPath: {
      py::object p = py::module_::import("os").attr("fspath");
      py::object s;
      try {
        s = p(v);
      } catch (py::error_already_set&) {
        type_fail(o, "a str or os.PathLike", v);
      }
      if (py::isinstance<py::bytes>(s)) s = py::module_::import("os").attr("fsdecode")(s);
      return text_value(o, s);
    }
    case OptType::kText:
      if (!py::isinstance<py::str>(v)) type_fail(o, "a str", v);
      return text_value(o, v);
  }
  return v.cast<std::string>();
}

/// {name: value} with fastText's names or their aliases; None means "the default".
OptionList options_from_dict(const py::dict& d) {
  OptionList out;
  for (auto item : d) {
    if (item.second.is_none()) continue;
    const std::string k = py::str(item.first);
    const OptionSpec* o = find_option(k);
    // Unknown names are reported by Args::from_options, which knows the model kind.
    out.emplace_back(k, o ? value_from_py(*o, item.second) : OptionValue(std::string()));
  }
  return out;
}

py::object defaults_dict(const OptionSpec& o) {
  py::dict d;
  for (ModelName k : kModelKinds) {
    if (!o.accepts(k)) continue;
    const bool automatic = std::string(o.defaults[static_cast<int>(k) - 1]) == "auto";
    d[model_name_str(k)] = automatic ? py::object(py::none()) : option_to_py(o.default_value(k));
  }
  return d;
}

py::dict spec_dict(const OptionSpec& o) {
  py::dict d;
  d["name"] = o.name;
  py::list aliases;
  for (const char* a : o.aliases) aliases.append(a);
  d["aliases"] = aliases;
  d["type"] = type_name(o.type);
  d["defaults"] = defaults_dict(o);
  py::list choices;
  for (const char* c : o.choices) choices.append(c);
  d["choices"] = choices;
  d["range"] = o.type == OptType::kText || o.type == OptType::kPath ? py::object(py::none())
                                                                     : py::object(py::str(o.range_text()));
  d["help"] = o.help;
  d["trailer"] = o.trailer_slot >= 0;
  d["positional"] = o.positional;
  d["same_as"] = o.same_as ? py::object(py::str(o.same_as)) : py::object(py::none());
  d["cli_default"] = o.cli_default ? py::object(py::str(o.cli_default)) : py::object(py::none());
  d["cli_flag"] = o.cli_flag ? o.cli_flag : o.name;
  return d;
}

py::list option_table_py() {
  py::list out;
  for (const OptionSpec& o : option_table()) out.append(spec_dict(o));
  return out;
}

py::dict option_defaults_py(const std::string& kind) {
  return options_to_dict(Args::defaults_for(model_from_str(kind)).to_options());
}

// Runs on the calling thread between waits, GIL re-acquired: Ctrl-C raises KeyboardInterrupt
// here, and the trainer stops and joins its threads before it propagates.
TrainOptions python_train_options(py::object& callback, double poll_interval) {
  TrainOptions opts;
  opts.poll_interval = poll_interval;
  opts.poll = [&callback](const TrainStatus& s) -> bool {
    py::gil_scoped_acquire gil;
    if (PyErr_CheckSignals() != 0) throw py::error_already_set();
    if (callback.is_none()) return true;
    py::object r = callback(py::make_tuple(
        s.progress, s.lr, s.loss, s.words_per_sec_per_thread, s.eta_seconds, s.tokens,
        s.elapsed_seconds, s.finished, s.epoch, s.validation_epoch, s.validation_precision,
        s.validation_recall, s.validation_loss, s.best_epoch, s.checkpoints));
    return !(r.ptr() == Py_False);
  };
  opts.interrupt_check = [] {
    py::gil_scoped_acquire gil;
    if (PyErr_CheckSignals() != 0) throw py::error_already_set();
  };
  return opts;
}

void fill_report(const TrainReport& r, py::dict& out) {
  py::list figures;
  for (const EpochFigures& f : r.validation) {
    py::dict d;
    d["epoch"] = f.epoch;
    d["precision"] = f.precision;
    d["recall"] = f.recall;
    d["loss"] = f.loss;
    d["examples"] = f.examples;
    figures.append(d);
  }
  out["validation"] = figures;
  out["best_epoch"] = r.best_epoch;
  out["early_stopped"] = r.early_stopped;
  out["checkpoints"] = r.checkpoints;
  out["last_checkpoint"] = r.last_checkpoint;
  out["resumed_from"] = r.resumed_from;
  out["local_merges"] = r.local_merges;
  out["examples"] = r.examples;
}

// `input`: a path (str) or a _core.Corpus. `init_model`: None, or the model to train further
// (never modified: continue_training copies its matrices). `report` (a dict, or None) receives
// the validation figures per epoch, the best epoch and the checkpoints written.
std::shared_ptr<Model> train_py(const std::string& kind, const py::dict& options, py::object input,
                                py::object callback, double poll_interval, py::object report,
                                py::object init_model, bool grow_vocab) {
  CorpusSource source;
  if (py::isinstance<MemoryCorpus>(input))
    source = CorpusSource(std::shared_ptr<const MemoryCorpus>(input.cast<std::shared_ptr<MemoryCorpus>>()));
  else
    source = CorpusSource(input.cast<std::string>());
  // With 'resume', options not given are the checkpoint's (checkpoint.h).
  const OptionList given = options_from_dict(options);
  const bool resuming = std::any_of(given.begin(), given.end(), [](const auto& g) {
    const auto* s = std::get_if<std::string>(&g.second);
    return g.first == "resume" && s && !s->empty();
  });
  TrainOptions opts = python_train_options(callback, poll_interval);
  TrainReport rep;
  opts.report = &rep;
  std::shared_ptr<Model> m;
  if (init_model.is_none()) {
    Args args = resuming ? resume_args(model_from_str(kind), given)
                         : Args::from_options(model_from_str(kind), given);
    py::gil_scoped_release nogil;
    m = train(args, source, opts);
  } else {
    if (resuming)
      throw ArgError("option 'resume': a checkpoint holds its model; resume it without init_model");
    std::shared_ptr<Model> init = init_model.cast<std::shared_ptr<Model>>();
    Args args = continued_args(*init, kind == "supervised", given);
    ContinueOptions copts;
    copts.grow_vocab = grow_vocab;
    py::gil_scoped_release nogil;
    m = continue_training(*init, args, source, copts, opts);
  }
  if (!report.is_none()) {
    py::dict d = report.cast<py::dict>();
    fill_report(rep, d);
  }
  return m;
}

}  // namespace

Args args_from_py(const std::string& kind, const py::dict& options) {
  return Args::from_options(model_from_str(kind), options_from_dict(options));
}

py::object option_to_py(const OptionValue& v) {
  if (const auto* i = std::get_if<int64_t>(&v)) return py::int_(*i);
  if (const auto* u = std::get_if<uint64_t>(&v)) return py::int_(*u);
  if (const auto* x = std::get_if<double>(&v)) return py::float_(*x);
  return py::str(std::get<std::string>(v));
}

py::dict options_to_dict(const OptionList& opts) {
  py::dict d;
  for (const auto& [name, value] : opts) d[py::str(name)] = option_to_py(value);
  return d;
}

void bind_training(py::module_& mod) {
  mod.def("option_table", &option_table_py,
          "Every option: name, aliases, type, defaults by model kind (None: computed), choices, "
          "range, help, whether the trailer stores it, positional, same_as, cli_default, cli_flag.");
  mod.def("option_defaults", &option_defaults_py, py::arg("kind"),
          "The options a C++ caller gets from Args::defaults_for(kind), as Model.args() lists them.");
  mod.def("train", &train_py, py::arg("kind"), py::arg("options"), py::arg("input"),
          py::arg("callback") = py::none(), py::arg("poll_interval") = 0.1,
          py::arg("report") = py::none(), py::arg("init_model") = py::none(), py::arg("grow_vocab") = true,
          "Train a model (see sentvec.train_supervised / train_unsupervised); `report` (a dict) "
          "receives the validation figures per epoch, best_epoch, checkpoints written.");
}
