// C++ tests of in-memory corpora and continued training, meant to run under the sanitizers
// (tools/ci_serve_checks.sh runs every tests/cpp binary): a MemoryCorpus yields exactly the
// lines of a file of the same bytes from every offset (long lines cut the same way, wrap
// included), training on it gives the same matrices, and continue_training keeps old rows.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "sentvec/continue_train.h"
#include "sentvec/errors.h"
#include "sentvec/line_reader.h"
#include "sentvec/trainer.h"

#include "check.h"

using namespace sentvec;

namespace {

using sentvec_test::failures;

std::string dir;

std::string write_file(const std::string& name, const std::string& text) {
  std::string p = dir + "/" + name;
  std::ofstream(p, std::ios::binary) << text;
  return p;
}

std::string text_of(uint32_t seed, int lines) {
  std::mt19937 rng(seed);
  const char* words[] = {"the", "a", "cat", "dog", "sat", "on", "mat", "ran", "café", "over"};
  std::string s;
  for (int i = 0; i < lines; ++i) {
    const int n = 1 + static_cast<int>(rng() % 12);
    for (int j = 0; j < n; ++j) s += std::string(words[rng() % 10]) + " ";
    s += '\n';
  }
  return s;
}

std::shared_ptr<const MemoryCorpus> memory_of(const std::string& bytes) {
  auto m = std::make_shared<MemoryCorpus>();
  m->append(bytes);
  return m;
}

// Every line from `offset`, over two wraps, from a reader with a small line limit.
std::vector<std::string> lines_of(const CorpusSource& src, int64_t offset, size_t max_line) {
  LineReader r(src, "training corpus", max_line);
  r.seek(offset);
  std::vector<std::string> out;
  std::string_view line;
  const int64_t limit = 3 * r.file_size() + 10;
  int64_t seen = 0;
  while (seen < limit && r.next_wrap(line)) {
    out.emplace_back(line);
    seen += static_cast<int64_t>(line.size());
  }
  return out;
}

void test_reader_equals_file() {
  // A corpus with a 3000-byte line and no final newline: lines cut at max_line = 1024.
  std::string text = text_of(1, 300) + std::string(3000, 'x') + " tail\n" + text_of(2, 50) + "last";
  const std::string path = write_file("c.txt", text);
  const CorpusSource mem(memory_of(text));
  CHECK(LineReader(mem).file_size() == static_cast<int64_t>(text.size()));
  for (int64_t off : {int64_t(0), int64_t(17), static_cast<int64_t>(text.size() / 2),
                      static_cast<int64_t>(text.size() - 2)})
    CHECK(lines_of(CorpusSource(path), off, 1024) == lines_of(mem, off, 1024));
  // an empty memory corpus has no line, as an empty file
  std::string_view line;
  LineReader empty{CorpusSource(memory_of(""))};
  CHECK(!empty.next_wrap(line));
}

Args small(ModelName kind) {
  Args a = Args::defaults_for(kind);
  a.dim = 8;
  a.epoch = 2;
  a.min_count = 1;
  a.bucket = 1000;
  a.thread = 1;
  a.verbose = 0;
  a.seed = 7;
  return a;
}

bool same_matrix(const DenseMatrix& x, const DenseMatrix& y) {
  return x.rows() == y.rows() && x.cols() == y.cols() &&
         std::memcmp(x.data(), y.data(), static_cast<size_t>(x.rows() * x.cols()) * 4) == 0;
}

void test_training_equals_file() {
  const std::string text = text_of(3, 500);
  const std::string path = write_file("t.txt", text);
  for (ModelName kind : {ModelName::kSkipgram, ModelName::kCbow, ModelName::kSent2vec}) {
    auto a = train(small(kind), CorpusSource(path));
    auto b = train(small(kind), CorpusSource(memory_of(text)));
    CHECK(same_matrix(*a->input.dense(), *b->input.dense()));
    CHECK(same_matrix(*a->output.dense(), *b->output.dense()));
  }
  bool empty_fails = false;
  try {
    train(small(ModelName::kSkipgram), CorpusSource(memory_of("")));
  } catch (const ArgError& e) {
    empty_fails = std::strstr(e.what(), "is empty") != nullptr;
  }
  CHECK(empty_fails);
}

void test_continue_keeps_rows() {
  auto init = train(small(ModelName::kSkipgram), CorpusSource(memory_of(text_of(4, 300))));
  Args a = continued_args(*init, false, {{"epoch", int64_t{1}}, {"thread", int64_t{1}}, {"minCount", int64_t{1}}});
  CHECK(a.dim == 8 && a.bucket == init->args.bucket);
  a.lr = 1e-12;  // negligible updates: the layout shows
  a.verbose = 0;
  auto m = continue_training(*init, a, CorpusSource(memory_of(text_of(5, 100) + "brandnew word\n")));
  const int32_t nw0 = init->dict.nwords(), nw = m->dict.nwords();
  CHECK(nw == nw0 + 2 && m->dict.get_id("brandnew") >= nw0);
  for (int32_t i = 0; i < nw0; ++i) CHECK(m->dict.entry(i).word == init->dict.entry(i).word);
  const DenseMatrix& oi = *init->input.dense();
  const DenseMatrix& ni = *m->input.dense();
  CHECK(ni.rows() == oi.rows() + 2);
  float worst = 0;
  for (int64_t r = 0; r < oi.rows(); ++r) {
    const int64_t to = r < nw0 ? r : r + 2;
    for (int64_t j = 0; j < 8; ++j) worst = std::max(worst, std::abs(oi.row(r)[j] - ni.row(to)[j]));
  }
  CHECK(worst < 1e-6f);
  bool conflict = false;
  try {
    continued_args(*init, false, {{"dim", int64_t{9}}});
  } catch (const ArgError& e) {
    conflict = std::strstr(e.what(), "init_model has dim=8 but dim=9") != nullptr;
  }
  CHECK(conflict);
}

}  // namespace

int main() {
  char tmpl[] = "/tmp/sentvec-corpus-XXXXXX";
  if (!mkdtemp(tmpl)) return 2;
  dir = tmpl;
  test_reader_equals_file();
  test_training_equals_file();
  test_continue_keeps_rows();
  std::string cmd = "rm -rf '" + dir + "'";
  if (std::system(cmd.c_str()) != 0) std::fprintf(stderr, "could not remove %s\n", dir.c_str());
  std::printf("test_corpus: %s (%d failures)\n", failures ? "FAILED" : "OK", failures);
  return failures ? 1 : 0;
}
