#include "checkpoint.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <sstream>

#include "errors.h"
#include "fasttext_io.h"
#include "model.h"

namespace sentvec {

namespace fs = std::filesystem;

namespace {

constexpr const char* kStateMagic = "sentvec-checkpoint 1";

[[noreturn]] void io_fail(int err, const std::string& path, const std::string& what) {
  throw IoError(err, path, path + ": " + what + ": " + std::strerror(err));
}

// Reals as C99 hex floats: they read back as the same double.
std::string hex(double x) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%a", x);
  return buf;
}

// Option values may hold any byte but '\n' ends a line: '%' and '\n' are escaped.
std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '%') out += "%25";
    else if (c == '\n') out += "%0A";
    else if (c == '\r') out += "%0D";
    else out += c;
  }
  return out;
}

std::string unescape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

void fsync_path(const std::string& path, bool dir) {
  const int fd = ::open(path.c_str(), (dir ? O_DIRECTORY : 0) | O_RDONLY | O_CLOEXEC);
  if (fd < 0) io_fail(errno, path, "cannot open to sync");
  const int r = ::fsync(fd);
  const int e = errno;
  ::close(fd);
  if (r != 0 && e != EINVAL) io_fail(e, path, "cannot sync");
}

std::string ckpt_name(int32_t index) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "ckpt-%06d", index);
  return buf;
}

// The number of a complete checkpoint folder's name ("ckpt-000012" -> 12), else -1.
int32_t ckpt_index(const std::string& name) {
  if (name.size() < 6 || name.compare(0, 5, "ckpt-") != 0) return -1;
  int64_t v = 0;
  for (size_t i = 5; i < name.size(); ++i) {
    if (name[i] < '0' || name[i] > '9' || v > INT32_MAX / 10) return -1;
    v = v * 10 + (name[i] - '0');
  }
  return static_cast<int32_t>(v);
}

bool is_file(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

// Complete checkpoints in `dir`, by number.
std::map<int32_t, std::string> list_checkpoints(const std::string& dir) {
  std::map<int32_t, std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const int32_t i = ckpt_index(e.path().filename().string());
    if (i >= 0 && is_file((e.path() / "state.txt").string())) out[i] = e.path().string();
  }
  return out;
}

const char* const kRunOnly[] = {"verbose", "checkpoint", "checkpointEvery", "checkpointKeep",
                                "resume"};

bool run_only(const std::string& name) {
  return std::any_of(std::begin(kRunOnly), std::end(kRunOnly),
                     [&](const char* r) { return name == r; });
}

std::string shown(const OptionValue& v) {
  return std::holds_alternative<std::string>(v) ? "'" + std::get<std::string>(v) + "'"
                                                : option_value_str(v);
}

}  // namespace

CheckpointEvery parse_checkpoint_every(const std::string& text) {
  auto bad = [&]() -> CheckpointEvery {
    throw ArgError("option 'checkpointEvery' must be a number of epochs > 0 (e.g. 1 or 0.5) or a "
                   "time such as '30s', '5m' or '1h' (got '" + text + "')");
  };
  if (text.empty()) return bad();
  std::string num = text;
  double unit = 0;  // 0: epochs
  switch (text.back()) {
    case 's': unit = 1; break;
    case 'm': unit = 60; break;
    case 'h': unit = 3600; break;
    default: break;
  }
  if (unit > 0) num.pop_back();
  if (num.empty() || std::isspace(static_cast<unsigned char>(num[0]))) return bad();
  char* end = nullptr;
  errno = 0;
  const double x = std::strtod(num.c_str(), &end);
  if (end != num.c_str() + num.size() || errno == ERANGE || !std::isfinite(x) || !(x > 0))
    return bad();
  CheckpointEvery e;
  if (unit > 0) e.seconds = x * unit;
  else e.epochs = x;
  return e;
}

CorpusId corpus_identity(const std::string& path) {
  CorpusId id;
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) io_fail(errno, path, "cannot stat");
  id.size = static_cast<int64_t>(st.st_size);
  id.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  char* real = ::realpath(path.c_str(), nullptr);
  id.path = real ? real : path;
  std::free(real);
  return id;
}

CorpusId corpus_identity(const CorpusSource& input) {
  if (!input.in_memory()) return corpus_identity(input.path);
  CorpusId id;
  id.path = input.name();
  id.size = input.memory->size();
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : input.memory->bytes()) {
    h ^= c;
    h *= 1099511628211ull;
  }
  id.mtime_ns = static_cast<int64_t>(h);
  return id;
}

int32_t prepare_checkpoint_dir(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0)
    io_fail(ec ? ec.value() : errno, dir, "option 'checkpoint': cannot create the folder");
  if (!S_ISDIR(st.st_mode)) io_fail(ENOTDIR, dir, "option 'checkpoint' must name a folder");
  if (::access(dir.c_str(), W_OK | X_OK) != 0)
    io_fail(errno, dir, "option 'checkpoint': cannot write in the folder");
  int32_t top = 0;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    const size_t t = name.find(".tmp-");
    if (name.rfind("ckpt-", 0) == 0 && t != std::string::npos) {
      // A writer killed mid-checkpoint: its pid no longer runs (or is not ours to judge).
      const long pid = std::strtol(name.c_str() + t + 5, nullptr, 10);
      if (pid > 0 && (::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM)) continue;
      std::error_code rec;
      fs::remove_all(e.path(), rec);
      continue;
    }
    const int32_t i = ckpt_index(name);
    if (i > top) top = i;
  }
  return top;
}

namespace {
// Removes a checkpoint folder so that no moment shows it half deleted: it is first renamed to a
// ".tmp-PID" name (never picked by resume, and swept by prepare_checkpoint_dir if this process
// dies before the removal ends), then removed.
void discard_checkpoint(const std::string& path) {
  std::error_code ec;
  const std::string gone = path + ".tmp-" + std::to_string(::getpid()) + "-gone";
  fs::remove_all(gone, ec);
  if (::rename(path.c_str(), gone.c_str()) != 0) return;  // not there (or not ours): nothing to do
  fs::remove_all(gone, ec);
}
}  // namespace

std::string write_checkpoint(const std::string& dir, const Model& model, const Model* best,
                             const TrainState& st, int32_t keep) {
  const std::string final_dir = (fs::path(dir) / ckpt_name(st.index)).string();
  const std::string tmp = final_dir + ".tmp-" + std::to_string(::getpid());
  std::error_code ec;
  fs::remove_all(tmp, ec);
  if (::mkdir(tmp.c_str(), 0777) != 0) io_fail(errno, tmp, "cannot create the checkpoint folder");
  try {
    save_model(model, tmp + "/model.bin");
    if (best) save_model(*best, tmp + "/best.bin");
    std::ostringstream o;
    o << kStateMagic << '\n';
    o << "index=" << st.index << '\n';
    o << "tokens=" << st.tokens << '\n' << "total=" << st.total << '\n';
    o << "ntokens=" << st.ntokens << '\n' << "lr0=" << hex(st.lr0) << '\n';
    o << "elapsed=" << hex(st.elapsed_seconds) << '\n';
    o << "corpus.path=" << escape(st.corpus.path) << '\n';
    o << "corpus.size=" << st.corpus.size << '\n' << "corpus.mtime_ns=" << st.corpus.mtime_ns << '\n';
    o << "valid.last_epoch=" << st.valid.last_epoch << '\n';
    o << "valid.best_epoch=" << st.valid.best_epoch << '\n';
    o << "valid.best_precision=" << hex(st.valid.best_precision) << '\n';
    o << "valid.has_best=" << (best ? 1 : 0) << '\n';
    for (const EpochFigures& f : st.valid.history)
      o << "valid.epoch=" << f.epoch << ' ' << hex(f.precision) << ' ' << hex(f.recall) << ' '
        << hex(f.loss) << ' ' << f.examples << '\n';
    o << "workers=" << st.workers.size() << '\n';
    for (const WorkerState& w : st.workers) {
      o << "worker=";
      for (uint64_t r : w.rng) o << r << ' ';
      o << w.neg_pos << ' ' << w.reader_offset << ' ' << w.local_tokens << ' ' << w.examples
        << ' ' << hex(w.loss_sum) << '\n';
    }
    for (const auto& [name, value] : st.args.to_options())
      o << "opt." << name << '=' << escape(option_value_str(value)) << '\n';
    o << "end\n";
    const std::string text = o.str();
    atomic_write(tmp + "/state.txt", [&](std::FILE* f) {
      if (std::fwrite(text.data(), 1, text.size(), f) != text.size())
        throw IoError(errno, tmp + "/state.txt", tmp + "/state.txt: write error");
    });
    fsync_path(tmp, true);
    discard_checkpoint(final_dir);  // a checkpoint of the same number from an older run
    if (::rename(tmp.c_str(), final_dir.c_str()) != 0)
      io_fail(errno, final_dir, "cannot rename the checkpoint into place");
    fsync_path(dir, true);
  } catch (...) {
    fs::remove_all(tmp, ec);
    throw;
  }
  if (keep > 0) {
    auto all = list_checkpoints(dir);
    int32_t extra = static_cast<int32_t>(all.size()) - keep;
    for (auto it = all.begin(); extra > 0 && it != all.end(); ++it, --extra)
      if (it->first != st.index) discard_checkpoint(it->second);
  }
  return final_dir;
}

std::string find_checkpoint(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) io_fail(errno, path, "option 'resume': cannot open");
  if (S_ISREG(st.st_mode)) {
    const std::string parent = fs::path(path).parent_path().string();
    const std::string d = parent.empty() ? "." : parent;
    if (is_file(d + "/state.txt")) return d;
    throw ArgError("option 'resume': " + path + " is not a file of a checkpoint folder (no state.txt beside it)");
  }
  if (is_file(path + "/state.txt")) return path;
  auto all = list_checkpoints(path);
  if (all.empty())
    throw ArgError("option 'resume': " + path + " holds no complete checkpoint (ckpt-N folders with a state.txt)");
  return all.rbegin()->second;
}

TrainState read_checkpoint_state(const std::string& ckpt_dir) {
  const std::string path = ckpt_dir + "/state.txt";
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) io_fail(errno, path, "cannot open");
  std::string text;
  char buf[65536];
  size_t got;
  while ((got = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, got);
  std::fclose(f);
  std::istringstream in(text);
  std::string line;
  int64_t lineno = 0;
  auto bad = [&](const std::string& why) -> FormatError {
    return FormatError(path + ": line " + std::to_string(lineno) + ": " + why);
  };
  if (!std::getline(in, line) || line != kStateMagic)
    throw FormatError(path + ": not a sentvec checkpoint state (expected '" + kStateMagic + "')");
  TrainState s;
  lineno = 1;
  bool ended = false;
  std::string model_kind;
  OptionList opts;
  while (std::getline(in, line)) {
    ++lineno;
    if (line == "end") {
      ended = true;
      break;
    }
    const size_t eq = line.find('=');
    if (eq == std::string::npos) throw bad("expected key=value");
    const std::string key = line.substr(0, eq), val = line.substr(eq + 1);
    try {
      std::istringstream v(val);
      if (key == "index") s.index = std::stoi(val);
      else if (key == "tokens") s.tokens = std::stoll(val);
      else if (key == "total") s.total = std::stoll(val);
      else if (key == "ntokens") s.ntokens = std::stoll(val);
      else if (key == "lr0") s.lr0 = std::strtod(val.c_str(), nullptr);
      else if (key == "elapsed") s.elapsed_seconds = std::strtod(val.c_str(), nullptr);
      else if (key == "corpus.path") s.corpus.path = unescape(val);
      else if (key == "corpus.size") s.corpus.size = std::stoll(val);
      else if (key == "corpus.mtime_ns") s.corpus.mtime_ns = std::stoll(val);
      else if (key == "valid.last_epoch") s.valid.last_epoch = std::stoi(val);
      else if (key == "valid.best_epoch") s.valid.best_epoch = std::stoi(val);
      else if (key == "valid.best_precision") s.valid.best_precision = std::strtod(val.c_str(), nullptr);
      else if (key == "valid.has_best") s.has_best = val == "1";
      else if (key == "valid.epoch") {
        EpochFigures e;
        std::string p, r, l;
        if (!(v >> e.epoch >> p >> r >> l >> e.examples)) throw bad("bad epoch figures");
        e.precision = std::strtod(p.c_str(), nullptr);
        e.recall = std::strtod(r.c_str(), nullptr);
        e.loss = std::strtod(l.c_str(), nullptr);
        s.valid.history.push_back(e);
      } else if (key == "workers") {
        // The count is implied by the worker lines (checked against option 'thread' below).
      } else if (key == "worker") {
        WorkerState w;
        std::string loss;
        if (!(v >> w.rng[0] >> w.rng[1] >> w.rng[2] >> w.rng[3] >> w.neg_pos >> w.reader_offset >>
              w.local_tokens >> w.examples >> loss))
          throw bad("bad worker state");
        w.loss_sum = std::strtod(loss.c_str(), nullptr);
        s.workers.push_back(w);
      } else if (key.rfind("opt.", 0) == 0) {
        const std::string name = key.substr(4);
        const OptionSpec* o = find_option(name);
        if (!o) throw bad("unknown option '" + name + "'");
        if (name == "model") model_kind = val;
        opts.emplace_back(name, parse_option_text(*o, unescape(val)));
      }
    } catch (const FormatError&) {
      throw;
    } catch (const std::exception& e) {
      throw bad(std::string("bad value for '") + key + "'");
    }
  }
  if (!ended) throw FormatError(path + ": truncated (no 'end' line)");
  if (s.workers.empty() || model_kind.empty()) throw FormatError(path + ": no worker state or no options");
  // Every option was saved: set them over the defaults of the model kind.
  s.args = Args::defaults_for(model_from_str(model_kind));
  for (const auto& [name, value] : opts) {
    const OptionSpec* o = find_option(name);
    o->set(s.args, value);
  }
  if (static_cast<int32_t>(s.workers.size()) != s.args.thread)
    throw FormatError(path + ": " + std::to_string(s.workers.size()) + " worker states for thread=" +
                      std::to_string(s.args.thread));
  return s;
}

void check_resume_options(const Args& saved, const Args& run, const std::string& ckpt_dir) {
  if (saved.model != run.model)
    throw ArgError(std::string("option 'resume': the checkpoint ") + ckpt_dir + " trains a " +
                   model_name_str(saved.model) + " model, not a " + model_name_str(run.model) + " one");
  for (const OptionSpec& o : option_table()) {
    if (o.same_as || run_only(o.name)) continue;
    const OptionValue a = o.get(saved), b = o.get(run);
    if (a != b)
      throw ArgError(std::string("option '") + o.name + "' is " + shown(b) + " but the checkpoint " +
                     ckpt_dir + " was trained with " + shown(a) +
                     "; a resumed run continues that run: leave the option out or give the same value");
  }
}

void check_resume_corpus(const CorpusId& saved, const CorpusId& now, const std::string& ckpt_dir) {
  std::string why;
  if (saved.path != now.path) why = "is " + now.path + ", not " + saved.path;
  else if (saved.size != now.size)
    why = "has " + std::to_string(now.size) + " bytes, not " + std::to_string(saved.size);
  else if (saved.mtime_ns != now.mtime_ns) why = "was modified since the checkpoint";
  if (!why.empty())
    throw ArgError("option 'resume': the training corpus " + why + " (checkpoint " + ckpt_dir +
                   "); resume with the same, unchanged file");
}

Args resume_args(ModelName kind, const OptionList& given) {
  std::string where;
  for (const auto& [name, value] : given)
    if (name == "resume") where = std::get<std::string>(value);
  Args run = Args::from_options(kind, given);  // names, types, ranges, kinds
  const std::string dir = find_checkpoint(where);
  TrainState st = read_checkpoint_state(dir);
  if ((st.args.model == ModelName::kSupervised) != (kind == ModelName::kSupervised) ||
      (run.model != st.args.model && std::any_of(given.begin(), given.end(), [](const auto& g) {
         return g.first == "model";
       })))
    throw ArgError(std::string("option 'resume': the checkpoint ") + dir + " trains a " +
                   model_name_str(st.args.model) + " model, not a " + model_name_str(run.model) +
                   " one");
  Args a = st.args;
  for (const auto& [name, value] : given) {
    const OptionSpec* o = find_option(name);
    if (o->same_as) o = find_option(o->same_as);
    if (!run_only(o->name) && o->get(a) != o->get(run))
      throw ArgError(std::string("option '") + o->name + "' is " + shown(o->get(run)) +
                     " but the checkpoint " + dir + " was trained with " + shown(o->get(a)) +
                     "; a resumed run continues that run: leave the option out or give the same value");
    o->set(a, o->get(run));
  }
  a.validate();
  return a;
}

}  // namespace sentvec
