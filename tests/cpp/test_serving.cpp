// C++ tests of the loader and the queries, meant to run under AddressSanitizer and
// UndefinedBehaviorSanitizer (.ci/run builds them with -DSENTVEC_SANITIZE=address,undefined).
//
//   test_serving [MODEL.bin|.ftz ...]      (default: tests/data/golden/ft-supervised.ftz)
//
// For each model: load by copy and by mapping (mapped rows are not 4-byte aligned), run every
// query on both and compare, save and compare bytes, write and read .vec; then every
// truncation of the header and dictionary (and a sample of the rest) and seeded bit flips must
// load or throw FormatError. The golden ftz is also checked against fastText's predictions.
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <unordered_set>
#include <vector>

#include "sentvec/errors.h"
#include "sentvec/fasttext_io.h"
#include "sentvec/model.h"

#include "check.h"

using namespace sentvec;

namespace {

using sentvec_test::failures;

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

const char* kLines[] = {"how do i cook rice", "what is the best bread flour", "",
                        "café naïve пример 日本", "__label__x the quick brown fox jumps"};

// Every query on `m`, flattened into one vector of floats (labels as their ids).
std::vector<float> run_queries(const Model& m) {
  std::vector<float> out;
  const int32_t d = m.dim();
  std::vector<float> v(d);
  std::vector<std::string> words = {"the", "zzqx", "</s>", "rice", "bread", "ça"};
  for (int32_t i = 0; i < std::min(m.dict.size(), 20); ++i) words.push_back(m.dict.entry(i).word);
  for (const auto& w : words) {
    m.word_vector(w, v.data());
    out.insert(out.end(), v.begin(), v.end());
  }
  for (const char* line : kLines) {
    m.sentence_vector(line, v.data());
    out.insert(out.end(), v.begin(), v.end());
    if (m.is_supervised()) {
      for (auto& p : m.predict(line, 3, 0.f)) {
        out.push_back(p.first);
        out.push_back(static_cast<float>(p.second));
      }
    }
  }
  if (!m.is_supervised() && m.dict.nwords() > 0 && m.dict.nwords() <= 50000 &&
      static_cast<int64_t>(m.dict.nwords()) * d <= 5000000) {
    m.word_vector("the", v.data());
    for (auto& p : m.nearest(v.data(), 5, {"the"})) {
      out.push_back(p.first);
      out.push_back(static_cast<float>(p.second));
    }
  }
  return out;
}

bool same_floats(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::isnan(a[i]) && std::isnan(b[i])) continue;
    if (a[i] != b[i]) return false;
  }
  return true;
}

// Dictionary end offset per the spec's layout (for the truncation sweep).
size_t dictionary_end(const std::string& data) {
  auto i32 = [&](size_t o) { int32_t v; std::memcpy(&v, data.data() + o, 4); return v; };
  auto i64 = [&](size_t o) { int64_t v; std::memcpy(&v, data.data() + o, 8); return v; };
  bool legacy = i32(0) != kFasttextMagic;
  size_t off = (legacy ? 0 : 8) + 56;
  int32_t size = i32(off);
  off += 20;
  int64_t prune = -1;
  if (!legacy) {
    prune = i64(off);
    off += 8;
  }
  for (int32_t i = 0; i < size; ++i) off = data.find('\0', off) + 1 + 9;
  if (prune > 0) off += 8 * prune;
  return off;
}

void sweep(const std::string& path, const std::string& data, int flips) {
  const size_t end = dictionary_end(data);
  auto* p = reinterpret_cast<const uint8_t*>(data.data());
  size_t n_trunc = 0;
  const size_t dense = data.size() <= (1u << 17) ? end : std::min<size_t>(end, 1u << 14);
  const size_t step = std::max<size_t>(1, (data.size() - dense) / 3000);
  for (size_t cut = 0; cut < data.size(); cut += cut < dense ? 1 : step) {
    try {
      load_model_from_memory(p, cut, nullptr, path, false);
      std::fprintf(stderr, "%s truncated to %zu bytes loaded\n", path.c_str(), cut);
      ++failures;
    } catch (const FormatError&) {
      ++n_trunc;
    }
  }
  std::mt19937_64 rng(12345);
  size_t loaded = 0, rejected = 0;
  for (int i = 0; i < flips; ++i) {
    auto buf = std::make_shared<std::string>(data);
    int nflip = 1 + static_cast<int>(rng() % 4);
    for (int j = 0; j < nflip; ++j) {
      size_t hi = (i % 2 == 0) ? end : buf->size();
      (*buf)[rng() % hi] ^= static_cast<char>(1 + rng() % 255);
    }
    try {
      auto m = load_model_from_memory(reinterpret_cast<const uint8_t*>(buf->data()), buf->size(), buf,
                                      path, i % 3 == 0);
      run_queries(*m);
      ++loaded;
    } catch (const FormatError&) {
      ++rejected;
    }
  }
  std::printf("  %zu truncations rejected; %zu flipped copies loaded and answered, %zu rejected\n",
              n_trunc, loaded, rejected);
}

void check_golden_predictions(const Model& m, const std::string& dir) {
  std::ifstream lines(dir + "/cooking.valid.200"), gold(dir + "/ft-supervised.ftz.predict.txt");
  if (!lines || !gold) return;
  std::string line, g;
  int n = 0, same = 0;
  while (std::getline(lines, line) && std::getline(gold, g)) {
    std::istringstream gs(g);
    std::string lab;
    float prob;
    std::vector<std::string> want;
    while (gs >> lab >> prob) want.push_back(lab);
    std::vector<std::string> got;
    for (auto& p : m.predict(line, 3, 0.f)) got.push_back(m.dict.entry(m.dict.nwords() + p.second).word);
    ++n;
    same += got == want;
  }
  std::printf("  golden predictions: %d/%d lines identical\n", same, n);
  CHECK(n == 200 && same >= 198);  // probabilities tie at the 5th digit on rare lines
}

void test_model(const std::string& path, int flips) {
  std::printf("%s\n", path.c_str());
  auto copy = load_model(path, false);
  auto mapped = load_model(path, true);
  CHECK(mapped->mapped && !copy->mapped);
  auto a = run_queries(*copy), b = run_queries(*mapped);
  CHECK(same_floats(a, b));
  std::printf("  %zu query values identical (copy vs mmap)\n", a.size());

  char tmpl[] = "/tmp/sentvec-test-XXXXXX";
  CHECK(::mkdtemp(tmpl) != nullptr);
  std::string dir = tmpl;
  const std::string data = read_file(path);
  save_model(*mapped, dir + "/m.bin");
  // Identical bytes, except that a pre-2017 file is written back in today's layout.
  if (mapped->legacy) CHECK(load_model(dir + "/m.bin", false)->version == kFasttextVersion);
  else CHECK(read_file(dir + "/m.bin") == data);

  save_vectors(*copy, dir + "/m.vec", "input", false);
  VecFile v = read_vec(dir + "/m.vec");
  CHECK(static_cast<int32_t>(v.words.size()) == copy->dict.nwords());
  std::vector<float> wv(copy->dim());
  for (size_t i = 0; i < v.words.size() && i < 50; ++i) {
    copy->word_vector(v.words[i], wv.data());
    for (int32_t j = 0; j < copy->dim(); ++j)
      CHECK(std::fabs(wv[j] - v.data[i * copy->dim() + j]) <= 1e-4f * (1 + std::fabs(wv[j])));
  }
  std::remove((dir + "/m.bin").c_str());
  std::remove((dir + "/m.vec").c_str());
  ::rmdir(dir.c_str());

  if (path.size() > 4 && path.compare(path.size() - 4, 4, ".ftz") == 0) {
    check_golden_predictions(*copy, path.substr(0, path.find_last_of('/')));
  }
  sweep(path, data, flips);
}

void test_errors() {
  bool threw = false;
  try {
    load_model("/nonexistent/model.bin", false);
  } catch (const IoError& e) {
    threw = std::string(e.what()).find("/nonexistent/model.bin") != std::string::npos;
  }
  CHECK(threw);
  threw = false;
  try {
    read_vec("/dev/null");
  } catch (const IoError& e) {
    threw = true;  // not a regular file
  }
  CHECK(threw);
  const char* bad[] = {"", "3\n", "1 2\nw 1\n", "99999999999 99\nw 1 2\n", "1 2\nw 1 x\n"};
  for (const char* b : bad) {
    threw = false;
    try {
      parse_vec(b, std::strlen(b), "bad.vec");
    } catch (const FormatError& e) {
      threw = std::string(e.what()).find("bad.vec") != std::string::npos;
    }
    CHECK(threw);
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> paths(argv + 1, argv + argc);
  if (paths.empty()) paths.push_back("tests/data/golden/ft-supervised.ftz");
  const char* f = std::getenv("SENTVEC_TEST_FLIPS");
  int flips = f ? std::atoi(f) : 200;
  for (const auto& p : paths) {
    try {
      test_model(p, flips);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "%s: unexpected exception: %s\n", p.c_str(), e.what());
      ++failures;
    }
  }
  test_errors();
  std::printf(failures ? "FAILED: %d checks\n" : "OK\n", failures);
  return failures ? 1 : 0;
}
