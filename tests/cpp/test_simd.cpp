// C++ tests of the dispatched kernels (simd/kernels.h): every level this CPU has against the
// scalar level, on aligned and unaligned rows of awkward lengths (results within float
// tolerance; the row sums bit for bit), identical across runs at one level; then training end
// to end at every level (thread=1 and a seed: identical across runs at one level, within
// tolerance across levels). tools/ci_serve_checks.sh runs it under ASan + UBSan (clang), so
// the sanitizers see the vector code too. `test_simd --levels` prints the levels available
// (the CI script runs the other C++ tests at each of them through SENTVEC_SIMD).
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "sentvec/half_matrix.h"
#include "sentvec/loss.h"
#include "sentvec/simd/kernels.h"
#include "sentvec/trainer.h"

#include "check.h"

using namespace sentvec;
using sentvec_test::failures;

namespace {

std::vector<const simd::Kernels*> levels() {
  std::vector<const simd::Kernels*> v;
  for (int32_t l = 0; l < simd::kLevels; ++l)
    if (const simd::Kernels* k = simd::kernels_for(static_cast<simd::Level>(l))) v.push_back(k);
  return v;
}

std::vector<float> random_floats(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  std::vector<float> v(n);
  for (float& x : v) x = u(rng);
  return v;
}

// A copy of `v` starting `offset` bytes into a byte buffer: rows of a mapped file need not be
// 4-byte aligned.
struct Unaligned {
  std::vector<unsigned char> bytes;
  const float* p;
  Unaligned(const std::vector<float>& v, size_t offset) : bytes(v.size() * 4 + 8) {
    if (!v.empty()) std::memcpy(bytes.data() + offset, v.data(), v.size() * 4);
    p = reinterpret_cast<const float*>(bytes.data() + offset);
  }
};

bool close(float a, float b, float scale) { return std::fabs(a - b) <= 1e-5f * (scale + 1.f); }
bool close_all(const std::vector<float>& a, const std::vector<float>& b, float tol) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (!(std::fabs(a[i] - b[i]) <= tol)) return false;
  return true;
}
bool same(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * 4) == 0);
}

void test_read_kernels(const simd::Kernels& k, int64_t dim, size_t offset) {
  const simd::Kernels& s = simd::kScalarKernels;
  const int64_t nrows = 37;
  const auto m = random_floats(static_cast<size_t>(nrows * dim), 11 + dim);
  const auto x = random_floats(static_cast<size_t>(dim), 12 + dim);
  Unaligned um(m, offset);
  // dot: within float tolerance of scalar, the same at every call.
  float mag = 0.f;
  for (int64_t i = 0; i < dim; ++i) mag += std::fabs(x[i] * m[i]);
  const float d = k.dot(x.data(), um.p, dim);
  CHECK(close(d, s.dot(x.data(), m.data(), dim), mag));
  CHECK(d == k.dot(x.data(), um.p, dim));
  std::vector<float> a(nrows), b(nrows), c(nrows);
  k.dot_rows(um.p, dim, nrows, x.data(), a.data());
  s.dot_rows(m.data(), dim, nrows, x.data(), b.data());
  k.dot_rows(um.p, dim, nrows, x.data(), c.data());
  CHECK(close_all(a, b, 1e-5f * (static_cast<float>(dim) + 1.f)) && same(a, c));
  // Each row's result is bit for bit the level's own dot (the row kernels keep its order).
  for (int64_t r = 0; r < nrows; ++r) CHECK(a[r] == k.dot(x.data(), um.p + r * dim, dim));
  // mean of scattered rows (duplicates too): bit for bit the scalar result.
  const std::vector<int32_t> rows = {3, 0, 36, 3, 17, 5, 9, 9, 30, 1};
  for (size_t n : {size_t(0), size_t(1), size_t(4), rows.size()}) {
    std::vector<float> h1(dim, 7.f), h2(dim, 7.f);
    k.mean_rows(um.p, dim, rows.data(), n, h1.data());
    s.mean_rows(m.data(), dim, rows.data(), n, h2.data());
    CHECK(same(h1, h2));
  }
}

void test_write_kernels(const simd::Kernels& k, int64_t dim) {
  const simd::Kernels& s = simd::kScalarKernels;
  const int64_t nrows = 29;
  const auto m0 = random_floats(static_cast<size_t>(nrows * dim), 21 + dim);
  const auto h = random_floats(static_cast<size_t>(dim), 22 + dim);
  const auto g0 = random_floats(static_cast<size_t>(dim), 23 + dim);
  const std::vector<int32_t> rows = {4, 28, 4, 0, 13, 7};
  const std::vector<uint8_t> labels = {1, 0, 0, 1, 0, 1};
  const float tol = 1e-5f * (static_cast<float>(dim) + 1.f);
  auto run = [&](const simd::Kernels& kk, std::vector<float>& m, std::vector<float>& g) {
    m = m0;
    g = g0;
    kk.add_to_rows(m.data(), dim, rows.data(), rows.size(), g.data());
    float loss = kk.logistic_rows(m.data(), dim, rows.data(), labels.data(), rows.size(),
                                  h.data(), g.data(), 0.1f, MathTables::get().view());
    std::vector<float> alpha = random_floats(static_cast<size_t>(nrows), 24);
    kk.output_rows_step(m.data(), dim, nrows, alpha.data(), h.data(), g.data());
    return loss;
  };
  std::vector<float> m1, g1, m2, g2, m3, g3;
  const float l1 = run(k, m1, g1), l2 = run(s, m2, g2), l3 = run(k, m3, g3);
  CHECK(close(l1, l2, 10.f) && l1 == l3);
  CHECK(close_all(m1, m2, tol) && close_all(g1, g2, tol));
  CHECK(same(m1, m3) && same(g1, g3));
  // The row sums alone are exact at every level.
  std::vector<float> a = m0, b = m0;
  k.add_to_rows(a.data(), dim, rows.data(), rows.size(), g0.data());
  s.add_to_rows(b.data(), dim, rows.data(), rows.size(), g0.data());
  CHECK(same(a, b));
}

// softmax: within a few float steps of scalar's std::exp and division for scores of every
// scale (the vector exp's range reduction), summing to 1; ties, one class and a huge spread.
void test_softmax_kernel(const simd::Kernels& k) {
  for (int64_t n : {int64_t{1}, int64_t{7}, int64_t{8}, int64_t{13}, int64_t{735}}) {
    for (float scale : {0.01f, 1.f, 30.f, 200.f}) {
      std::vector<float> x = random_floats(static_cast<size_t>(n), 31 + static_cast<uint32_t>(n));
      for (float& v : x) v *= scale;
      std::vector<float> a = x, b = x, c = x;
      k.softmax(a.data(), n);
      simd::kScalarKernels.softmax(b.data(), n);
      k.softmax(c.data(), n);
      double sum = 0;
      for (int64_t i = 0; i < n; ++i) {
        CHECK(std::fabs(a[i] - b[i]) <= 4e-7f * b[i] + 1e-30f);
        sum += a[i];
      }
      CHECK(std::fabs(sum - 1.0) < 1e-4 && same(a, c));
    }
  }
  std::vector<float> tie(9, 2.5f);
  k.softmax(tie.data(), 9);
  for (float v : tie) CHECK(std::fabs(v - 1.f / 9) < 1e-7f);
}

// float16 rows: every one of the 65536 half values, at byte offsets 0 and 1 and in rows of
// awkward lengths (the F16C tail), converts to the same bits at every level; every finite
// half survives float_to_half(half_to_float(h)) unchanged.
void test_half_kernel(const simd::Kernels& k) {
  std::vector<unsigned char> bytes(2 * 65536 + 1);
  for (uint32_t h = 0; h < 65536; ++h) {
    const uint16_t v = static_cast<uint16_t>(h);
    std::memcpy(bytes.data() + 1 + 2 * h, &v, 2);
  }
  for (size_t offset : {size_t{0}, size_t{1}})
    for (int64_t n : {int64_t{65535}, int64_t{13}, int64_t{8}, int64_t{3}, int64_t{0}}) {
      std::vector<float> a(static_cast<size_t>(n) + 1, -7.f), b(a);
      k.half_to_float(bytes.data() + offset, n, a.data());
      simd::kScalarKernels.half_to_float(bytes.data() + offset, n, b.data());
      CHECK(std::memcmp(a.data(), b.data(), a.size() * 4) == 0);  // the slot past n untouched too
    }
  std::vector<float> all(65536);
  k.half_to_float(bytes.data() + 1, 65536, all.data());
  int bad = 0;
  for (uint32_t h = 0; h < 65536; ++h) {
    const bool nan = ((h >> 10) & 0x1f) == 0x1f && (h & 0x3ff);
    if (!nan && float_to_half(all[h]) != h) ++bad;
    if (nan && !std::isnan(all[h])) ++bad;
  }
  CHECK(bad == 0);
}

void test_kernels() {
  for (const simd::Kernels* k : levels()) {
    test_half_kernel(*k);
    std::printf("test_simd: kernels at level %s\n", k->name);
    // Every width up to 72 (the row kernels have one compiled body per width below 65), then
    // long rows.
    for (int64_t dim = 0; dim <= 72; ++dim)
      for (size_t offset : {0, 1, 2, 4}) test_read_kernels(*k, dim, offset);
    for (int64_t dim : {100, 301})
      for (size_t offset : {0, 1, 2, 4}) test_read_kernels(*k, dim, offset);
    for (int64_t dim = 1; dim <= 72; ++dim) test_write_kernels(*k, dim);
    for (int64_t dim : {100, 123, 301}) test_write_kernels(*k, dim);
    test_softmax_kernel(*k);
  }
}

// ---- end to end ----------------------------------------------------------------------------

std::string dir;

std::string write_corpus(const std::string& name, bool labels, int lines, uint32_t seed) {
  std::mt19937 rng(seed);
  const char* words[] = {"the", "a",    "cat",  "dog",  "sat",   "on",  "mat",  "ran",
                         "big", "tree", "over", "bird", "flies", "red", "blue", "sky"};
  std::string s;
  for (int i = 0; i < lines; ++i) {
    if (labels) s += (rng() % 3 == 0) ? "__label__x " : ((rng() % 2) ? "__label__y " : "__label__z ");
    for (int j = 0, n = 3 + rng() % 8; j < n; ++j) s += std::string(words[rng() % 16]) + " ";
    s += '\n';
  }
  std::string p = dir + "/" + name;
  std::ofstream(p, std::ios::binary) << s;
  return p;
}

std::vector<float> flat(const AnyMatrix& m) {
  const DenseMatrix& d = *m.dense();
  return std::vector<float>(d.data(), d.data() + d.rows() * d.cols());
}

void test_training(ModelName model, LossName loss, const std::string& corpus) {
  Args a;
  a.model = model;
  a.loss = loss;
  a.dim = model == ModelName::kSupervised ? 10 : 20;
  a.epoch = 2;
  a.bucket = 2000;
  a.min_count = 1;
  a.minn = model == ModelName::kSent2vec ? 0 : 2;
  a.maxn = model == ModelName::kSent2vec ? 0 : 3;
  a.word_ngrams = model == ModelName::kSkipgram || model == ModelName::kCbow ? 1 : 2;
  a.lr = model == ModelName::kSupervised ? 0.2 : 0.05;
  a.thread = 1;
  a.seed = 5;
  if (model == ModelName::kSent2vec) a.scheme = NgramScheme::kSentvec;
  a.verbose = 0;
  std::vector<float> ref;
  for (const simd::Kernels* k : levels()) {
    simd::set_active(k->level);
    auto m1 = train(a, corpus), m2 = train(a, corpus);
    const std::vector<float> v = flat(m1->input), o = flat(m1->output);
    CHECK(same(v, flat(m2->input)) && same(o, flat(m2->output)));
    if (k->level == simd::Level::kScalar) {
      ref = v;
      continue;
    }
    // Rounding differs by an ulp per dot product; two epochs on a small corpus keep the
    // trajectories together (the values are about 0.05 to 1).
    float worst = 0.f;
    for (size_t i = 0; i < v.size(); ++i) worst = std::fmax(worst, std::fabs(v[i] - ref[i]));
    std::printf("test_simd: %s/%s at %s: max |input - scalar| = %.2g\n", model_name_str(a.model),
                loss_name_str(a.loss), k->name, worst);
    CHECK(worst < 1e-3f);
  }
  simd::set_active(simd::Level::kScalar);
}

void test_end_to_end() {
  const std::string unsup = write_corpus("u.txt", false, 500, 1);
  const std::string sup = write_corpus("s.txt", true, 500, 2);
  for (ModelName m : {ModelName::kSkipgram, ModelName::kCbow, ModelName::kSent2vec})
    test_training(m, m == ModelName::kSkipgram ? LossName::kHs : LossName::kNs, unsup);
  for (LossName l : {LossName::kSoftmax, LossName::kNs, LossName::kHs, LossName::kOva})
    test_training(ModelName::kSupervised, l, sup);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "--levels") == 0) {
    for (const simd::Kernels* k : levels()) std::printf("%s\n", k->name);
    return 0;
  }
  char tmpl[] = "/tmp/sentvec-simd-XXXXXX";
  if (!mkdtemp(tmpl)) return 2;
  dir = tmpl;
  test_kernels();
  test_end_to_end();
  std::string cmd = "rm -rf '" + dir + "'";
  if (std::system(cmd.c_str()) != 0) std::fprintf(stderr, "could not remove %s\n", dir.c_str());
  std::printf("test_simd: %s (%d failures)\n", failures ? "FAILED" : "OK", failures);
  return failures ? 1 : 0;
}
