// The .bin/.ftz reader: one function per section of the layout (see
// shared/spec/fasttext-compat.md), each failure a FormatError naming the field and offset.
#include "bin_reader.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstring>

#include "../errors.h"
#include "../memory_guard.h"
#include "cursor.h"
#include "mapping.h"
#include "trailer.h"

namespace sentvec {

namespace {

// Longest character n-gram accepted (fastText's defaults are 3..6; nothing real uses more).
constexpr int32_t kMaxCharNgram = 64;
constexpr int32_t kMaxDim = 1000000;

// Where a dense matrix's floats are in the file.
struct DensePlan {
  int64_t m = 0, n = 0;
  size_t offset = 0;
};

// Where a quantized matrix's codes are in the file.
struct QuantPlan {
  size_t codes = 0, norms = 0;
};

// Everything read from the file except the dense floats: those are mapped or copied last.
struct Layout {
  std::shared_ptr<Model> model = std::make_shared<Model>();
  std::vector<Entry> entries;
  int32_t nwords = 0, nlabels = 0;
  int64_t ntokens = 0, pruneidx_size = -1;
  std::vector<std::pair<int32_t, int32_t>> prune;
  int64_t dict_bytes = 0;  // what the installed dictionary takes in memory
  bool quant_in = false, quant_out = false;
  bool half_in = false;  // input flag byte 2: float16 rows (sentvec only; the trailer says so too)
  QuantMatrix qin, qout;  // centroids read; codes placed in finish() (mapped or copied)
  QuantPlan qin_at, qout_at;
  DensePlan din, dout;
};

// 1. magic and version (absent in files written before mid-2017). Returns the first word.
int32_t read_version(Cursor& c, Model& m) {
  const int32_t magic = c.get<int32_t>("magic number");
  if (magic == kFasttextMagic) {
    m.version = c.get<int32_t>("file version");
    if (m.version > kFasttextVersion || m.version < 0)
      c.fail_at(4, "unsupported file version " + std::to_string(m.version) +
                       " (expected 12 or lower)");
  } else {
    m.legacy = true;
    m.version = 0;
    c.rewind();
  }
  return magic;
}

// An args field out of range: for a file without magic, the bytes were probably never a model.
[[noreturn]] void bad_arg(const Cursor& c, size_t at, bool legacy, int32_t magic,
                          const char* field, int64_t value, const char* expected) {
  if (legacy) {
    char buf[160];
    std::snprintf(buf, sizeof buf,
                  "not a fastText model: expected magic number 793712314 (bytes BA 16 4F 2F), "
                  "found 0x%08X, and the bytes do not form an older header either",
                  static_cast<uint32_t>(magic));
    c.fail_at(0, buf);
  }
  c.fail_at(at, std::string("invalid model arguments: ") + field + " is " +
                    std::to_string(value) + " (expected " + expected + ")");
}

// 2. args: thirteen fields in fastText's order, each range-checked on its own.
void read_args(Cursor& c, Model& m, int32_t magic) {
  Args& a = m.args;
  auto field = [&](const char* name, int64_t lo, int64_t hi, const char* expected) {
    const size_t at = c.offset();
    const int32_t v = c.get<int32_t>(name);
    if (v < lo || v > hi) bad_arg(c, at, m.legacy, magic, name, v, expected);
    return v;
  };
  a.dim = field("args.dim", 1, kMaxDim, "1 to 1000000");
  a.ws = field("args.ws", INT32_MIN, INT32_MAX, "");
  a.epoch = field("args.epoch", INT32_MIN, INT32_MAX, "");
  a.min_count = field("args.minCount", INT32_MIN, INT32_MAX, "");
  a.neg = field("args.neg", INT32_MIN, INT32_MAX, "");
  a.word_ngrams = field("args.wordNgrams", 0, INT32_MAX, ">= 0");
  a.loss = static_cast<LossName>(field("args.loss", 1, 4, "1 to 4: hs, ns, softmax, ova"));
  a.model = static_cast<ModelName>(
      field("args.model", 1, 4, "1 to 4: cbow, skipgram, supervised, sent2vec"));
  a.bucket = field("args.bucket", 0, INT32_MAX, ">= 0");
  a.minn = field("args.minn", 0, INT32_MAX, ">= 0");
  a.maxn = field("args.maxn", 0, kMaxCharNgram, "0 to 64");
  a.lr_update_rate = field("args.lrUpdateRate", INT32_MIN, INT32_MAX, "");
  const size_t t_at = c.offset();
  a.t = c.get<double>("args.t");
  if (!std::isfinite(a.t)) bad_arg(c, t_at, m.legacy, magic, "args.t", 0, "a finite number");
  trailer_implied(m);  // the trailer, if any, overrides these later
  // Not stored in files: a further training run takes its kind's step (update="local" for
  // supervised, "window" for skipgram and cbow) and row start, as a model trained here reports.
  a.update = Args::defaults_for(a.model).update;
  a.init_buckets = Args::defaults_for(a.model).init_buckets;
  if (m.version == 11 && a.model == ModelName::kSupervised) {
    // fastText loads v11 supervised models without char n-grams.
    m.header_maxn = a.maxn;
    a.maxn = 0;
  }
}

// 3a. the dictionary's counts.
void read_dict_header(Cursor& c, const Model& m, Layout& L) {
  auto count = [&c](const char* field) {
    const size_t at = c.offset();
    const int32_t v = c.get<int32_t>(field);
    if (v < 0) c.fail_at(at, std::string("invalid ") + field + " " + std::to_string(v) + " (expected >= 0)");
    return v;
  };
  const size_t at = c.offset();
  const int32_t size = count("dictionary size");
  L.nwords = count("dictionary nwords");
  L.nlabels = count("dictionary nlabels");
  L.ntokens = c.get<int64_t>("dictionary ntokens");
  const size_t prune_at = c.offset();
  L.pruneidx_size = m.legacy ? -1 : c.get<int64_t>("dictionary pruneidx_size");
  if (static_cast<int64_t>(L.nwords) + L.nlabels != size)
    c.fail_at(at, "invalid dictionary header: size " + std::to_string(size) + " is not nwords " +
                      std::to_string(L.nwords) + " + nlabels " + std::to_string(L.nlabels));
  if (L.pruneidx_size < -1)
    c.fail_at(prune_at, "invalid dictionary pruneidx_size " + std::to_string(L.pruneidx_size) +
                            " (expected -1 or more)");
  // Each entry takes at least 10 bytes (NUL, count, type): check before reserving.
  if (static_cast<uint64_t>(size) * 10u > c.remaining())
    c.fail("truncated file: " + std::to_string(size) + " dictionary entries need at least " +
           std::to_string(static_cast<uint64_t>(size) * 10u) + " bytes but only " +
           std::to_string(c.remaining()) + " remain");
  L.entries.resize(static_cast<size_t>(size));
}

// 3b. one entry: NUL-terminated word, int64 count, int8 type.
void read_entry(Cursor& c, const Layout& L, int32_t i, int64_t* total, Entry& e) {
  constexpr int64_t kMaxCount = int64_t(1) << 62;
  e.word = c.cstr("dictionary word");
  const size_t count_at = c.offset();
  e.count = c.get<int64_t>("dictionary entry count");
  // Counts feed the Huffman tree (hierarchical softmax): negative counts or a total past
  // int64 would break it, and no corpus has them.
  if (e.count < 0 || e.count > kMaxCount - *total)
    c.fail_at(count_at, "invalid count " + std::to_string(e.count) + " for entry " +
                            std::to_string(i) + " (counts must be >= 0 and sum below 2^62)");
  *total += e.count;
  const size_t type_at = c.offset();
  const int8_t type = c.get<int8_t>("dictionary entry type");
  if (type != 0 && type != 1)
    c.fail_at(type_at, "invalid entry type " + std::to_string(type) + " for word " +
                           std::to_string(i) + " (expected 0 for a word or 1 for a label)");
  if ((type == 1) != (i >= L.nwords))
    c.fail_at(type_at, "entry " + std::to_string(i) + " is a " + (type ? "label" : "word") +
                           " but the header says words come first (" + std::to_string(L.nwords) +
                           " words, " + std::to_string(L.nlabels) + " labels)");
  e.type = static_cast<EntryType>(type);
}

// Every word's char n-grams are computed when the dictionary is installed, so a small file
// can ask for a lot of work: one long "word" with a wide n-gram range, or many words with
// minn 1 and maxn 64 (a 100 KB file asked for 6.4 million ids, 50 MB, and 2.8 s of hashing).
// The work is bounded per byte of input: at most kIdsPerByte subword ids (4 bytes each) and
// kHashedPerByte bytes hashed per byte of file, beyond a small floor that any tiny model fits.
// Real models are far below: a word costs at least 10 bytes of dictionary plus its matrix rows,
// and fastText's 3..6 range gives about 4 ids per character (golden and gensim models: < 0.5
// ids per byte). Computing the lists lazily would only move the same work to the queries.
// Returns the number of subword ids the dictionary will hold (char n-grams only).
constexpr uint64_t kIdsPerByte = 4, kIdsFloor = uint64_t(1) << 20;
constexpr uint64_t kHashedPerByte = 64, kHashedFloor = uint64_t(1) << 24;
uint64_t check_subword_budget(const Cursor& c, const std::vector<Entry>& entries, const Args& a,
                              bool eos_subwords) {
  if (a.maxn <= 0 || a.bucket <= 0) return 0;
  const int64_t lo = std::max(a.minn, 1);
  uint64_t ids = 0, hashed = 0;
  for (const Entry& e : entries) {
    if (e.type != EntryType::kWord || (!eos_subwords && e.word == "</s>")) continue;
    const int64_t len = static_cast<int64_t>(e.word.size()) + 2;  // bytes bound characters
    for (int64_t n = lo; n <= a.maxn && n <= len; ++n) {
      ids += static_cast<uint64_t>(len - n + 1);
      hashed += static_cast<uint64_t>(len - n + 1) * static_cast<uint64_t>(n);
    }
  }
  const uint64_t fsize = static_cast<uint64_t>(c.size());
  const uint64_t max_ids = std::max(kIdsFloor, kIdsPerByte * fsize);
  const uint64_t max_hashed = std::max(kHashedFloor, kHashedPerByte * fsize);
  if (ids > max_ids || hashed > max_hashed)
    c.fail("the dictionary's character n-grams (minn " + std::to_string(a.minn) + ", maxn " +
           std::to_string(a.maxn) + ") would need " + std::to_string(ids) +
           " subword ids, far more than a model of " + std::to_string(c.size()) +
           " bytes can use: the words or the n-gram range are corrupt");
  return ids;
}

// 3c. the pruned n-gram index of a quantized (pruned) model.
void read_pruneidx(Cursor& c, Layout& L) {
  if (L.pruneidx_size <= 0) return;
  if (static_cast<uint64_t>(L.pruneidx_size) > c.remaining() / 8u)
    c.fail("truncated file: " + std::to_string(L.pruneidx_size) +
           " pruned n-gram pairs need more bytes than remain");
  L.prune.resize(static_cast<size_t>(L.pruneidx_size));
  for (auto& p : L.prune) {
    p.first = c.get<int32_t>("pruneidx key");
    const size_t at = c.offset();
    p.second = c.get<int32_t>("pruneidx value");
    if (p.first < 0 || p.second < 0 || p.second >= L.pruneidx_size)
      c.fail_at(at, "pruned n-gram index out of range");
  }
}

// 3. the dictionary: header, entries, subword budget, pruned index.
void read_dictionary(Cursor& c, Layout& L) {
  Model& m = *L.model;
  read_dict_header(c, m, L);
  int64_t total = 0;
  for (int32_t i = 0; i < static_cast<int32_t>(L.entries.size()); ++i)
    read_entry(c, L, i, &total, L.entries[static_cast<size_t>(i)]);
  const uint64_t ngram_ids = check_subword_budget(c, L.entries, m.args, m.eos_subwords);
  // What the installed dictionary takes: entries, their subword lists, the lookup table.
  const int64_t n = static_cast<int64_t>(L.entries.size());
  // The lookup table has fewer than 4n slots of 8 bytes (a power of two, at most half full).
  L.dict_bytes = (static_cast<int64_t>(ngram_ids) + n) * 4 +
                 n * static_cast<int64_t>(sizeof(Entry) + 8) + 4 * n * 8;
  read_pruneidx(c, L);
}

// `elem` is 4 for float32 rows, 2 for float16 rows.
DensePlan read_dense_header(Cursor& c, const char* name, uint64_t elem = 4) {
  DensePlan d;
  const size_t at = c.offset();
  d.m = c.get<int64_t>("matrix row count");
  d.n = c.get<int64_t>("matrix column count");
  if (d.m < 0 || d.n < 0 || d.n > kMaxDim || d.m > INT32_MAX)
    c.fail_at(at, std::string("invalid ") + name + " shape " + std::to_string(d.m) + " x " +
                      std::to_string(d.n));
  const uint64_t bytes = static_cast<uint64_t>(d.m) * static_cast<uint64_t>(d.n) * elem;
  if (bytes > c.remaining())
    c.fail(std::string("truncated file: the ") + name + " (" + std::to_string(d.m) + " x " +
           std::to_string(d.n) + (elem == 2 ? " float16 = " : " float32 = ") + std::to_string(bytes) + " bytes) needs more than the " +
           std::to_string(c.remaining()) + " bytes that remain");
  d.offset = c.offset();
  c.skip(static_cast<size_t>(bytes), name);
  return d;
}

void read_pq(Cursor& c, ProductQuantizer& pq, const char* name) {
  const size_t at = c.offset();
  pq.dim = c.get<int32_t>("quantizer dim");
  pq.nsubq = c.get<int32_t>("quantizer nsubq");
  pq.dsub = c.get<int32_t>("quantizer dsub");
  pq.lastdsub = c.get<int32_t>("quantizer lastdsub");
  if (pq.dim <= 0 || pq.nsubq <= 0 || pq.dsub <= 0 || pq.lastdsub <= 0 || pq.dim > kMaxDim ||
      static_cast<int64_t>(pq.nsubq - 1) * pq.dsub + pq.lastdsub != pq.dim)
    c.fail_at(at, std::string("inconsistent ") + name + " (dim " + std::to_string(pq.dim) +
                      ", nsubq " + std::to_string(pq.nsubq) + ", dsub " + std::to_string(pq.dsub) +
                      ", lastdsub " + std::to_string(pq.lastdsub) + ")");
  const size_t count = static_cast<size_t>(pq.dim) * ProductQuantizer::kKsub;
  c.need(count * 4, "quantizer centroids");
  pq.centroids.resize(count);
  std::memcpy(pq.centroids.data(), c.here(), count * 4);
  c.skip(count * 4, "quantizer centroids");
}

QuantMatrix read_quant(Cursor& c, const char* name, QuantPlan& at_codes) {
  QuantMatrix q;
  q.qnorm = c.get<uint8_t>("qnorm flag") != 0;
  const size_t at = c.offset();
  q.m = c.get<int64_t>("quantized row count");
  q.n = c.get<int64_t>("quantized column count");
  q.codesize = c.get<int32_t>("code size");
  if (q.m < 0 || q.n <= 0 || q.m > INT32_MAX || q.codesize < 0)
    c.fail_at(at, std::string("invalid ") + name + " shape " + std::to_string(q.m) + " x " +
                      std::to_string(q.n) + " (code size " + std::to_string(q.codesize) + ")");
  c.need(static_cast<size_t>(q.codesize), "quantized codes");
  at_codes.codes = c.offset();
  c.skip(static_cast<size_t>(q.codesize), "quantized codes");
  read_pq(c, q.pq, "product quantizer");
  if (q.pq.dim != q.n || static_cast<int64_t>(q.pq.nsubq) * q.m != q.codesize)
    c.fail(std::string("the ") + name + " codes (" + std::to_string(q.codesize) +
           " bytes) do not match " + std::to_string(q.m) + " rows of " +
           std::to_string(q.pq.nsubq) + " sub-quantizers");
  if (q.qnorm) {
    c.need(static_cast<size_t>(q.m), "norm codes");
    at_codes.norms = c.offset();
    c.skip(static_cast<size_t>(q.m), "norm codes");
    read_pq(c, q.npq, "norm quantizer");
    if (q.npq.dim != 1) c.fail("the norm quantizer must have dim 1");
  }
  return q;
}

// 4. the input and output matrices (dense: only their place is noted here).
void read_matrices(Cursor& c, Layout& L) {
  const bool legacy = L.model->legacy;
  // fastText writes 0 (dense) or 1 (quantized); sentvec writes 2 for float16 rows.
  const uint8_t flag = legacy ? 0 : c.get<uint8_t>("quant_input flag");
  L.quant_in = flag == 1;
  L.half_in = flag == 2;
  if (flag > 2) c.fail_at(c.offset() - 1, "invalid quant_input flag " + std::to_string(flag) +
                                              " (expected 0 dense, 1 quantized or 2 float16)");
  if (L.quant_in) L.qin = read_quant(c, "input matrix", L.qin_at);
  else L.din = read_dense_header(c, "input matrix", L.half_in ? 2 : 4);
  L.quant_out = legacy ? false : c.get<uint8_t>("qout flag") != 0;
  if (L.quant_out) L.qout = read_quant(c, "output matrix", L.qout_at);
  else L.dout = read_dense_header(c, "output matrix");
}

// 5. shape checks, so that no feature id can reach past a matrix.
void check_shapes(const Cursor& c, const Layout& L) {
  const Args& a = L.model->args;
  const int64_t in_rows = L.quant_in ? L.qin.m : L.din.m, in_cols = L.quant_in ? L.qin.n : L.din.n;
  const int64_t out_rows = L.quant_out ? L.qout.m : L.dout.m;
  const int64_t out_cols = L.quant_out ? L.qout.n : L.dout.n;
  const int64_t need_rows =
      static_cast<int64_t>(L.nwords) + (L.pruneidx_size >= 0 ? L.pruneidx_size : a.bucket);
  const int64_t want_out = a.model == ModelName::kSupervised ? L.nlabels : L.nwords;
  if (in_cols != a.dim || in_rows < need_rows)
    c.fail("matrix shapes do not match the header: input " + std::to_string(in_rows) + " x " +
           std::to_string(in_cols) + " (expected at least " + std::to_string(need_rows) + " x " +
           std::to_string(a.dim) + ")");
  if (out_cols != a.dim || out_rows != want_out)
    c.fail("matrix shapes do not match the header: output " + std::to_string(out_rows) + " x " +
           std::to_string(out_cols) + " (expected " + std::to_string(want_out) + " x " +
           std::to_string(a.dim) + ")");
}

Layout read_layout(const uint8_t* data, size_t nbytes, const std::string& path) {
  if (nbytes == 0) throw FormatError(path, 0, "empty file: expected a fastText model");
  Cursor c(data, nbytes, path);
  Layout L;
  Model& m = *L.model;
  const int32_t magic = read_version(c, m);
  read_args(c, m, magic);
  read_dictionary(c, L);
  read_matrices(c, L);
  check_shapes(c, L);
  const size_t trailer_at = c.offset();
  read_trailer(c, m);  // 6. sentvec's trailer, or unknown bytes kept as they are
  // A float16 matrix is announced twice: by its flag (needed to find the matrix's end) and by
  // the trailer (so a stray flag byte in a damaged official file is not taken for float16).
  if (L.half_in != m.trailer_float16)
    c.fail_at(trailer_at, L.half_in ? "the input matrix is marked float16 (flag 2) but the sentvec "
                                      "trailer does not record float16 storage (damaged file)"
                                    : "the sentvec trailer records float16 storage but the input "
                                      "matrix is not marked float16 (damaged file)");
  return L;
}

// Reads `bytes` at `offset` of the model file with pread, straight into the matrix.
void read_from_file(int fd, void* dst, size_t offset, size_t bytes, const std::string& path) {
  size_t done = 0;
  while (done < bytes) {
    const size_t n = std::min<size_t>(bytes - done, size_t(1) << 30);
    ssize_t r = ::pread(fd, static_cast<char*>(dst) + done, n, static_cast<off_t>(offset + done));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      const int e = r < 0 ? errno : EIO;
      throw IoError(e, path, path + ": cannot read the matrices: " + std::strerror(e));
    }
    done += static_cast<size_t>(r);
  }
}

// Where the dense floats come from: a file mapping (views or pread copies) or memory.
struct Source {
  const uint8_t* data = nullptr;  // the bytes (null once a copying load dropped the mapping)
  std::shared_ptr<const void> keep;
  const Mapping* mapping = nullptr;
  int fd = -1;
};

HalfMatrix make_half(const DensePlan& d, const Source& s, bool mmap, const std::string& path) {
  const size_t bytes = static_cast<size_t>(d.m * d.n) * 2;
  if (mmap) {
    if (s.mapping) s.mapping->advise_random(d.offset, bytes);
    return HalfMatrix::view(d.m, d.n, s.data + d.offset, s.keep);
  }
  HalfMatrix owned(d.m, d.n);
  if (bytes == 0) return owned;
  if (s.fd >= 0) read_from_file(s.fd, owned.owned_mut(), d.offset, bytes, path);
  else std::memcpy(owned.owned_mut(), s.data + d.offset, bytes);
  return owned;
}

DenseMatrix make_dense(const DensePlan& d, const Source& s, bool mmap, const std::string& path) {
  if (mmap) {
    // The floats are generally not 4-byte aligned: the view is only read through memcpy
    // loads (simd/portable.h, simd/avx2.cpp).
    if (s.mapping) s.mapping->advise_random(d.offset, static_cast<size_t>(d.m * d.n) * 4);
    const float* src = reinterpret_cast<const float*>(s.data + d.offset);
    return DenseMatrix::view(d.m, d.n, src, std::const_pointer_cast<void>(s.keep));
  }
  DenseMatrix owned(d.m, d.n, DenseMatrix::Uninitialized{});
  const size_t bytes = static_cast<size_t>(d.m * d.n) * 4;
  if (bytes == 0) return owned;
  if (s.fd >= 0) read_from_file(s.fd, owned.data_mut(), d.offset, bytes, path);
  else std::memcpy(owned.data_mut(), s.data + d.offset, bytes);
  return owned;
}

// A quantized matrix's codes: views into the mapping (mmap), or copies.
QuantMatrix place_codes(QuantMatrix q, const QuantPlan& at, const Source& s, bool mmap,
                        const std::string& path) {
  const size_t ncodes = static_cast<size_t>(q.codesize), nnorms = q.qnorm ? static_cast<size_t>(q.m) : 0;
  if (mmap) {
    q.code_view = s.data + at.codes;
    if (q.qnorm) q.norm_view = s.data + at.norms;
    q.keep = s.keep;
    return q;
  }
  q.codes.resize(ncodes);
  q.norm_codes.resize(nnorms);
  if (s.fd >= 0) {
    if (ncodes) read_from_file(s.fd, q.codes.data(), at.codes, ncodes, path);
    if (nnorms) read_from_file(s.fd, q.norm_codes.data(), at.norms, nnorms, path);
  } else {
    if (ncodes) std::memcpy(q.codes.data(), s.data + at.codes, ncodes);
    if (nnorms) std::memcpy(q.norm_codes.data(), s.data + at.norms, nnorms);
  }
  return q;
}

// 7. storage: checks the memory it takes, then maps or copies the dense matrices and installs
// the dictionary.
std::shared_ptr<Model> finish(Layout& L, const Source& s, bool mmap, const std::string& path) {
  Model& m = *L.model;
  int64_t need = L.dict_bytes;
  auto codes = [](const QuantMatrix& q) { return int64_t{q.codesize} + (q.qnorm ? q.m : 0); };
  const int64_t dense = (L.quant_in ? codes(L.qin) : L.din.m * L.din.n * (L.half_in ? 2 : 4)) +
                        (L.quant_out ? codes(L.qout) : L.dout.m * L.dout.n * 4);
  if (!mmap) {
    check_memory(need + dense, "loading " + path);
  } else {
    // The mapped matrices are page cache shared with other processes, not this process's
    // memory: only the dictionary is counted, and the message says so.
    check_memory(need, "loading the dictionary of " + path,
                 "the " + human_bytes(dense) + " of matrices are mapped, not copied: they are " +
                     "page cache, shared and reclaimable, and not counted here");
  }
  try {
    m.input = L.quant_in  ? AnyMatrix(place_codes(std::move(L.qin), L.qin_at, s, mmap, path))
              : L.half_in ? AnyMatrix(make_half(L.din, s, mmap, path))
                          : AnyMatrix(make_dense(L.din, s, mmap, path));
    m.output = L.quant_out ? AnyMatrix(place_codes(std::move(L.qout), L.qout_at, s, mmap, path))
                           : AnyMatrix(make_dense(L.dout, s, mmap, path));
  } catch (const std::bad_alloc&) {
    throw MemError("loading " + path + " needs " + human_bytes(need + dense) +
                   " of memory and the allocation failed (" +
                   describe_budget(current_memory_budget()) +
                   "); load it with mmap=True to share the file's pages instead of copying them");
  }
  m.mapped = mmap;
  m.dict.set_args(m.args);
  m.dict.assign(std::move(L.entries), L.nwords, L.nlabels, L.ntokens, L.pruneidx_size,
                std::move(L.prune), m.eos_subwords);
  return L.model;
}

}  // namespace

std::shared_ptr<Model> load_model(const std::string& path, bool mmap) {
  auto map = std::make_shared<Mapping>(path);
  Layout L = read_layout(map->data(), map->size(), path);
  Source s;
  if (mmap) {
    s = Source{map->data(), map, map.get(), -1};
    std::shared_ptr<Model> model = finish(L, s, true, path);
    map->close_fd();  // views keep the mapping, not the descriptor
    return model;
  }
  map->unmap();  // the copy must not sit next to a mapping of the whole file
  s.fd = map->fd();
  return finish(L, s, false, path);
}

std::shared_ptr<Model> load_model_from_memory(const uint8_t* data, size_t nbytes,
                                              std::shared_ptr<const void> keep,
                                              const std::string& path, bool mmap) {
  Layout L = read_layout(data, nbytes, path);
  Source s{data, std::move(keep), nullptr, -1};
  return finish(L, s, mmap, path);
}

}  // namespace sentvec
