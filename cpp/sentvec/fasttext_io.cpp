#include "fasttext_io.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cmath>
#include <cstring>
#include <limits>
#include <sstream>
#include <climits>
#include <cstdlib>

#include "errors.h"
#include "memory_guard.h"

namespace sentvec {

// ------------------------------------------------------------------------------------------
// Mapping

Mapping::Mapping(const std::string& path) : path_(path) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer (it is rejected below).
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    int e = errno;
    throw IoError(e, path, path + ": cannot open: " + std::strerror(e));
  }
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int e = errno;
    ::close(fd);
    throw IoError(e, path, path + ": cannot stat: " + std::strerror(e));
  }
  if (S_ISDIR(st.st_mode)) {
    ::close(fd);
    throw IoError(EISDIR, path, path + ": is a directory, not a model file");
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    throw IoError(EINVAL, path, path + ": not a regular file (a device, FIFO or socket cannot be " +
                                    "a model file)");
  }
  size_ = static_cast<size_t>(st.st_size);
  if (size_ == 0) {
    ::close(fd);
    return;
  }
  void* p = ::mmap(nullptr, size_, PROT_READ, MAP_SHARED, fd, 0);
  int e = errno;
  if (p == MAP_FAILED) {
    ::close(fd);
    if (e == ENOMEM) {
      MemoryBudget b = current_memory_budget();
      std::string detail = describe_budget(b);
      throw MemError(path + ": cannot map the file's " + human_bytes(static_cast<int64_t>(size_)) +
                     ": the process is out of address space" +
                     (detail.empty() ? std::string() : " (" + detail + ")"));
    }
    throw IoError(e, path, path + ": cannot map: " + std::strerror(e));
  }
  data_ = static_cast<const uint8_t*>(p);
  fd_ = fd;
}

void Mapping::close_fd() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

Mapping::~Mapping() {
  if (data_) ::munmap(const_cast<uint8_t*>(data_), size_);
  if (fd_ >= 0) ::close(fd_);
}

// ------------------------------------------------------------------------------------------
// Reading

namespace {

// File bytes quoted in a message: printable ASCII as is, anything else as \xNN (messages must
// be valid UTF-8, and a corrupt file can hold anything). Long text is cut.
std::string printable(const std::string& s) {
  std::string out;
  const size_t n = std::min<size_t>(s.size(), 80);
  for (size_t i = 0; i < n; ++i) {
    unsigned char ch = static_cast<unsigned char>(s[i]);
    if (ch >= 0x20 && ch < 0x7f) {
      out.push_back(static_cast<char>(ch));
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", ch);
      out += buf;
    }
  }
  if (s.size() > n) out += "...";
  return out;
}

constexpr char kTrailerMagic[8] = {'S', 'E', 'N', 'T', 'V', 'E', 'C', '\0'};
constexpr int32_t kTrailerVersion = 1;

/// Bounds-checked little-endian reader over a mapped file; every failure names the field
/// and the byte offset.
class Cursor {
 public:
  Cursor(const uint8_t* p, size_t n, std::string path) : p_(p), n_(n), path_(std::move(path)) {}
  size_t offset() const { return off_; }
  const std::string& path() const { return path_; }
  size_t remaining() const { return n_ - off_; }
  const uint8_t* here() const { return p_ + off_; }

  [[noreturn]] void fail(const std::string& what) const { throw FormatError(path_, off_, what); }
  void need(size_t bytes, const char* what) const {
    if (remaining() < bytes)
      fail(std::string("truncated file: expected ") + what + " (" + std::to_string(bytes) +
           " bytes) but only " + std::to_string(remaining()) + " bytes remain");
  }
  template <typename T>
  T get(const char* what) {
    need(sizeof(T), what);
    T v;
    std::memcpy(&v, p_ + off_, sizeof(T));
    off_ += sizeof(T);
    return v;
  }
  std::string cstr(const char* what) {
    const void* z = std::memchr(p_ + off_, 0, remaining());
    if (!z) fail(std::string("truncated file: ") + what + " has no terminating NUL byte");
    size_t len = static_cast<const uint8_t*>(z) - (p_ + off_);
    std::string s(reinterpret_cast<const char*>(p_ + off_), len);
    off_ += len + 1;
    return s;
  }
  void skip(size_t bytes, const char* what) {
    need(bytes, what);
    off_ += bytes;
  }

 private:
  const uint8_t* p_;
  size_t n_;
  size_t off_ = 0;
  std::string path_;
};

// Planned dense matrix: where its floats are in the file.
struct DensePlan {
  int64_t m = 0, n = 0;
  size_t offset = 0;
};

DensePlan read_dense_header(Cursor& c, const char* name) {
  DensePlan d;
  size_t at = c.offset();
  d.m = c.get<int64_t>("matrix row count");
  d.n = c.get<int64_t>("matrix column count");
  if (d.m < 0 || d.n < 0 || d.n > 1000000 || d.m > INT32_MAX)
    throw FormatError(c.path(), static_cast<int64_t>(at),
                      std::string("invalid ") + name + " shape " + std::to_string(d.m) + " x " +
                          std::to_string(d.n));
  uint64_t bytes = static_cast<uint64_t>(d.m) * static_cast<uint64_t>(d.n) * 4u;
  if (bytes > c.remaining())
    c.fail(std::string("truncated file: the ") + name + " (" + std::to_string(d.m) + " x " +
           std::to_string(d.n) + " float32 = " + std::to_string(bytes) + " bytes) needs more than the " +
           std::to_string(c.remaining()) + " bytes that remain");
  d.offset = c.offset();
  c.skip(static_cast<size_t>(bytes), name);
  return d;
}

void read_pq(Cursor& c, ProductQuantizer& pq, const char* name) {
  pq.dim = c.get<int32_t>("quantizer dim");
  pq.nsubq = c.get<int32_t>("quantizer nsubq");
  pq.dsub = c.get<int32_t>("quantizer dsub");
  pq.lastdsub = c.get<int32_t>("quantizer lastdsub");
  if (pq.dim <= 0 || pq.nsubq <= 0 || pq.dsub <= 0 || pq.lastdsub <= 0 || pq.dim > 1000000 ||
      static_cast<int64_t>(pq.nsubq - 1) * pq.dsub + pq.lastdsub != pq.dim)
    c.fail(std::string("inconsistent ") + name + " (dim " + std::to_string(pq.dim) + ", nsubq " +
           std::to_string(pq.nsubq) + ", dsub " + std::to_string(pq.dsub) + ", lastdsub " +
           std::to_string(pq.lastdsub) + ")");
  size_t count = static_cast<size_t>(pq.dim) * ProductQuantizer::kKsub;
  c.need(count * 4, "quantizer centroids");
  pq.centroids.resize(count);
  std::memcpy(pq.centroids.data(), c.here(), count * 4);
  c.skip(count * 4, "quantizer centroids");
}

QuantMatrix read_quant(Cursor& c, const char* name) {
  QuantMatrix q;
  q.qnorm = c.get<uint8_t>("qnorm flag") != 0;
  q.m = c.get<int64_t>("quantized row count");
  q.n = c.get<int64_t>("quantized column count");
  q.codesize = c.get<int32_t>("code size");
  if (q.m < 0 || q.n <= 0 || q.m > INT32_MAX || q.codesize < 0)
    c.fail(std::string("invalid ") + name + " shape " + std::to_string(q.m) + " x " +
           std::to_string(q.n) + " (code size " + std::to_string(q.codesize) + ")");
  c.need(static_cast<size_t>(q.codesize), "quantized codes");
  q.codes.assign(c.here(), c.here() + q.codesize);
  c.skip(q.codesize, "quantized codes");
  read_pq(c, q.pq, "product quantizer");
  if (q.pq.dim != q.n || static_cast<int64_t>(q.pq.nsubq) * q.m != q.codesize)
    c.fail(std::string("the ") + name + " codes (" + std::to_string(q.codesize) +
           " bytes) do not match " + std::to_string(q.m) + " rows of " +
           std::to_string(q.pq.nsubq) + " sub-quantizers");
  if (q.qnorm) {
    c.need(static_cast<size_t>(q.m), "norm codes");
    q.norm_codes.assign(c.here(), c.here() + q.m);
    c.skip(q.m, "norm codes");
    read_pq(c, q.npq, "norm quantizer");
    if (q.npq.dim != 1) c.fail("the norm quantizer must have dim 1");
  }
  return q;
}

void parse_trailer(const std::string& payload, Model& m, const std::string& path, size_t at) {
  std::istringstream in(payload);
  std::string line;
  while (std::getline(in, line)) {
    size_t eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string k = line.substr(0, eq), v = line.substr(eq + 1);
    try {
      if (k == "eos_subwords") m.eos_subwords = v == "1";
      else m.args.set_from_trailer(k, v);  // option keys come from the option table
    } catch (const std::exception&) {
      throw FormatError(path, static_cast<int64_t>(at),
                        "invalid value '" + printable(v) + "' for '" + printable(k) +
                            "' in the sentvec trailer");
    }
  }
}

std::string make_trailer_payload(const Model& m) {
  std::ostringstream o;
  o.precision(17);
  o << "sentvec_format=1\n";
  o << m.args.trailer_lines();
  o << "eos_subwords=" << (m.eos_subwords ? 1 : 0) << "\n";
  return o.str();
}

// Longest character n-gram accepted (fastText's defaults are 3..6; nothing real uses more).
constexpr int32_t kMaxCharNgram = 64;

// Every word's char n-grams are computed when the dictionary is installed. A hostile file with
// one megabyte-long "word" and a wide n-gram range would make that take minutes and gigabytes:
// bound the n-gram count and the bytes hashed by what any real model of this size needs.
// Returns the number of subword ids the dictionary will hold (char n-grams only).
uint64_t check_subword_budget(const Cursor& c, const std::vector<Entry>& entries, const Args& a,
                              bool eos_subwords, size_t file_size) {
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
  const uint64_t fsize = static_cast<uint64_t>(file_size);
  const uint64_t max_ids = std::max<uint64_t>(uint64_t(1) << 24, 32 * fsize);
  const uint64_t max_hashed = std::max<uint64_t>(uint64_t(1) << 28, 256 * fsize);
  if (ids > max_ids || hashed > max_hashed)
    c.fail("the dictionary's character n-grams (minn " + std::to_string(a.minn) + ", maxn " +
           std::to_string(a.maxn) + ") would need " + std::to_string(ids) +
           " subword ids, far more than a model of " + std::to_string(file_size) +
           " bytes can use: the words or the n-gram range are corrupt");
  return ids;
}

}  // namespace

namespace {

// Copies `bytes` at `offset` of the open model file with pread: the kernel copies straight
// from the page cache with its sequential readahead, and the mapping's pages never become
// resident in this process (a copy from the mapping would fault every page in, doubling the
// peak resident memory). Returns false on a read error (the caller then copies from the mapping).
bool copy_from_file(int fd, void* dst, size_t offset, size_t bytes) {
  size_t done = 0;
  while (done < bytes) {
    const size_t n = std::min<size_t>(bytes - done, size_t(1) << 30);
    ssize_t r = ::pread(fd, static_cast<char*>(dst) + done, n, static_cast<off_t>(offset + done));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    done += static_cast<size_t>(r);
  }
  return true;
}

// `fd`: the file behind `data` (a Mapping of all of it), or -1 for bytes in memory.
std::shared_ptr<Model> load_impl(const uint8_t* data, size_t nbytes,
                                 std::shared_ptr<const void> keep, const std::string& path,
                                 bool mmap, int fd) {
  if (nbytes == 0) throw FormatError(path, 0, "empty file: expected a fastText model");
  Cursor c(data, nbytes, path);
  auto result = std::make_shared<Model>();
  Model& m = *result;
  Args& a = m.args;

  // 1. magic and version (absent in files written before mid-2017).
  int32_t magic = c.get<int32_t>("magic number");
  if (magic == kFasttextMagic) {
    m.version = c.get<int32_t>("file version");
    if (m.version > kFasttextVersion || m.version < 0)
      throw FormatError(path, 4, "unsupported file version " + std::to_string(m.version) +
                                     " (expected 12 or lower)");
  } else {
    m.legacy = true;
    m.version = 0;
    // Files from before the magic number come from a fastText that gave "</s>" char n-grams
    // too (gensim, their only remaining reader, composes it that way).
    m.eos_subwords = true;
    c = Cursor(data, nbytes, path);
  }

  // 2. args.
  size_t args_at = c.offset();
  a.dim = c.get<int32_t>("args.dim");
  a.ws = c.get<int32_t>("args.ws");
  a.epoch = c.get<int32_t>("args.epoch");
  a.min_count = c.get<int32_t>("args.minCount");
  a.neg = c.get<int32_t>("args.neg");
  a.word_ngrams = c.get<int32_t>("args.wordNgrams");
  int32_t loss = c.get<int32_t>("args.loss");
  int32_t model = c.get<int32_t>("args.model");
  a.bucket = c.get<int32_t>("args.bucket");
  a.minn = c.get<int32_t>("args.minn");
  a.maxn = c.get<int32_t>("args.maxn");
  a.lr_update_rate = c.get<int32_t>("args.lrUpdateRate");
  a.t = c.get<double>("args.t");
  bool args_ok = a.dim > 0 && a.dim <= 1000000 && loss >= 1 && loss <= 4 && model >= 1 &&
                 model <= 4 && a.bucket >= 0 && a.minn >= 0 && a.maxn >= 0 && a.maxn <= kMaxCharNgram &&
                 a.word_ngrams >= 0 && std::isfinite(a.t);
  if (!args_ok) {
    if (m.legacy) {
      char buf[160];
      std::snprintf(buf, sizeof buf,
                    "not a fastText model: expected magic number 793712314 (bytes BA 16 4F 2F), "
                    "found 0x%08X, and the bytes do not form an older header either",
                    static_cast<uint32_t>(magic));
      throw FormatError(path, 0, buf);
    }
    throw FormatError(path, static_cast<int64_t>(args_at),
                      "invalid model arguments (dim " + std::to_string(a.dim) + ", loss " +
                          std::to_string(loss) + ", model " + std::to_string(model) + ", bucket " +
                          std::to_string(a.bucket) + ", minn " + std::to_string(a.minn) +
                          ", maxn " + std::to_string(a.maxn) + ")");
  }
  a.loss = static_cast<LossName>(loss);
  a.model = static_cast<ModelName>(model);
  if (a.model == ModelName::kSent2vec) {
    a.scheme = NgramScheme::kSent2vec;
    m.eos_subwords = true;  // sent2vec's older dictionary gives "</s>" char n-grams too
  }
  if (m.version == 11 && a.model == ModelName::kSupervised) {
    // fastText loads v11 supervised models without char n-grams.
    m.header_maxn = a.maxn;
    a.maxn = 0;
  }

  // 3. dictionary.
  size_t dict_at = c.offset();
  int32_t size = c.get<int32_t>("dictionary size");
  int32_t nwords = c.get<int32_t>("dictionary nwords");
  int32_t nlabels = c.get<int32_t>("dictionary nlabels");
  int64_t ntokens = c.get<int64_t>("dictionary ntokens");
  int64_t pruneidx_size = m.legacy ? -1 : c.get<int64_t>("dictionary pruneidx_size");
  if (size < 0 || nwords < 0 || nlabels < 0 || static_cast<int64_t>(nwords) + nlabels != size ||
      pruneidx_size < -1)
    throw FormatError(path, static_cast<int64_t>(dict_at),
                      "invalid dictionary header (size " + std::to_string(size) + ", nwords " +
                          std::to_string(nwords) + ", nlabels " + std::to_string(nlabels) +
                          ", pruneidx_size " + std::to_string(pruneidx_size) + ")");
  // Each entry takes at least 10 bytes (NUL, count, type): check before reserving.
  if (static_cast<uint64_t>(size) * 10u > c.remaining())
    c.fail("truncated file: " + std::to_string(size) + " dictionary entries need at least " +
           std::to_string(static_cast<uint64_t>(size) * 10u) + " bytes but only " +
           std::to_string(c.remaining()) + " remain");
  std::vector<Entry> entries(static_cast<size_t>(size));
  constexpr int64_t kMaxCount = int64_t(1) << 62;
  int64_t total_count = 0;
  for (int32_t i = 0; i < size; ++i) {
    Entry& e = entries[i];
    e.word = c.cstr("dictionary word");
    size_t count_at = c.offset();
    e.count = c.get<int64_t>("dictionary entry count");
    // Counts feed the Huffman tree (hierarchical softmax): negative counts or a total past
    // int64 would break it, and no corpus has them.
    if (e.count < 0 || e.count > kMaxCount - total_count)
      throw FormatError(path, static_cast<int64_t>(count_at),
                        "invalid count " + std::to_string(e.count) + " for entry " +
                            std::to_string(i) + " (counts must be >= 0 and sum below 2^62)");
    total_count += e.count;
    size_t type_at = c.offset();
    int8_t type = c.get<int8_t>("dictionary entry type");
    if (type != 0 && type != 1)
      throw FormatError(path, static_cast<int64_t>(type_at),
                        "invalid entry type " + std::to_string(type) + " for word " +
                            std::to_string(i) + " (expected 0 for a word or 1 for a label)");
    if ((type == 1) != (i >= nwords))
      throw FormatError(path, static_cast<int64_t>(type_at),
                        "entry " + std::to_string(i) + " is a " + (type ? "label" : "word") +
                            " but the header says words come first (" + std::to_string(nwords) +
                            " words, " + std::to_string(nlabels) + " labels)");
    e.type = static_cast<EntryType>(type);
  }
  const uint64_t ngram_ids = check_subword_budget(c, entries, a, m.eos_subwords, nbytes);
  // What the installed dictionary takes: entries, their subword lists, the lookup table.
  const int64_t nentries = static_cast<int64_t>(entries.size());
  int64_t dict_need = (static_cast<int64_t>(ngram_ids) + nentries) * 4 +
                      nentries * static_cast<int64_t>(sizeof(Entry) + 8) +
                      static_cast<int64_t>(nentries / 0.7 + 1) * 4;
  std::vector<std::pair<int32_t, int32_t>> prune;
  if (pruneidx_size > 0) {
    if (static_cast<uint64_t>(pruneidx_size) > c.remaining() / 8u)
      c.fail("truncated file: " + std::to_string(pruneidx_size) +
             " pruned n-gram pairs need more bytes than remain");
    prune.resize(static_cast<size_t>(pruneidx_size));
    for (auto& p : prune) {
      p.first = c.get<int32_t>("pruneidx key");
      size_t at = c.offset();
      p.second = c.get<int32_t>("pruneidx value");
      if (p.first < 0 || p.second < 0 || p.second >= pruneidx_size)
        throw FormatError(path, static_cast<int64_t>(at), "pruned n-gram index out of range");
    }
  }

  // 4. matrices.
  bool quant_input = m.legacy ? false : c.get<uint8_t>("quant_input flag") != 0;
  DensePlan din, dout;
  QuantMatrix qin, qout;
  if (quant_input) qin = read_quant(c, "input matrix");
  else din = read_dense_header(c, "input matrix");
  bool quant_output = m.legacy ? false : c.get<uint8_t>("qout flag") != 0;
  if (quant_output) qout = read_quant(c, "output matrix");
  else dout = read_dense_header(c, "output matrix");
  size_t end_of_model = c.offset();

  // 5. shape checks, so that no feature id can reach past a matrix.
  int64_t in_rows = quant_input ? qin.m : din.m, in_cols = quant_input ? qin.n : din.n;
  int64_t out_rows = quant_output ? qout.m : dout.m, out_cols = quant_output ? qout.n : dout.n;
  int64_t need_rows = static_cast<int64_t>(nwords) + (pruneidx_size >= 0 ? pruneidx_size : a.bucket);
  int64_t want_out = a.model == ModelName::kSupervised ? nlabels : nwords;
  if (in_cols != a.dim || out_cols != a.dim || in_rows < need_rows || out_rows != want_out)
    throw FormatError(path, static_cast<int64_t>(end_of_model),
                      "matrix shapes do not match the header: input " + std::to_string(in_rows) +
                          " x " + std::to_string(in_cols) + " (expected at least " +
                          std::to_string(need_rows) + " x " + std::to_string(a.dim) +
                          "), output " + std::to_string(out_rows) + " x " +
                          std::to_string(out_cols) + " (expected " + std::to_string(want_out) +
                          " x " + std::to_string(a.dim) + ")");

  // 6. trailer: sentvec's own, or unknown bytes kept as they are.
  if (c.remaining() > 0) {
    if (c.remaining() >= 20 && std::memcmp(c.here(), kTrailerMagic, 8) == 0) {
      c.skip(8, "trailer magic");
      int32_t tv = c.get<int32_t>("trailer version");
      int64_t len = c.get<int64_t>("trailer length");
      if (tv != kTrailerVersion || len < 0 || static_cast<uint64_t>(len) != c.remaining())
        c.fail("invalid sentvec trailer (version " + std::to_string(tv) + ", length " +
               std::to_string(len) + ", " + std::to_string(c.remaining()) + " bytes remain)");
      parse_trailer(std::string(reinterpret_cast<const char*>(c.here()), len), m, path, c.offset());
      m.has_sentvec_trailer = true;
    } else {
      m.unknown_trailer.assign(reinterpret_cast<const char*>(c.here()), c.remaining());
    }
  }

  // 7. storage.
  int64_t need = dict_need;
  if (!mmap) {
    if (!quant_input) need += din.m * din.n * 4;
    if (!quant_output) need += dout.m * dout.n * 4;
    check_memory(need, "loading " + path);
  } else {
    check_memory(need, "loading the dictionary of " + path, "");
  }
  auto make_dense = [&](const DensePlan& d) {
    // The floats are generally not 4-byte aligned: the view is only read through memcpy
    // loads (kernels.h), and the copy below is a byte copy.
    const float* src = reinterpret_cast<const float*>(data + d.offset);
    if (mmap) return DenseMatrix::view(d.m, d.n, src, std::const_pointer_cast<void>(keep));
    DenseMatrix owned(d.m, d.n);
    const size_t bytes = static_cast<size_t>(d.m * d.n) * 4;
    if (bytes == 0) return owned;
    if (fd < 0 || !copy_from_file(fd, owned.data_mut(), d.offset, bytes))
      std::memcpy(owned.data_mut(), data + d.offset, bytes);
    return owned;
  };
  try {
    m.input = quant_input ? AnyMatrix(std::move(qin)) : AnyMatrix(make_dense(din));
    m.output = quant_output ? AnyMatrix(std::move(qout)) : AnyMatrix(make_dense(dout));
  } catch (const std::bad_alloc&) {
    throw MemError("loading " + path + " needs " + human_bytes(need) +
                   " of memory and the allocation failed (" +
                   describe_budget(current_memory_budget()) +
                   "); load it with mmap=True to share the file's pages instead of copying them");
  }
  m.mapped = mmap;

  m.dict.set_args(a);
  m.dict.assign(std::move(entries), nwords, nlabels, ntokens, pruneidx_size, std::move(prune),
                m.eos_subwords);
  return result;
}

}  // namespace

std::shared_ptr<Model> load_model(const std::string& path, bool mmap) {
  auto map = std::make_shared<Mapping>(path);
  auto model = load_impl(map->data(), map->size(), map, path, mmap, map->fd());
  map->close_fd();  // views keep the mapping, not the descriptor
  return model;
}

std::shared_ptr<Model> load_model_from_memory(const uint8_t* data, size_t nbytes,
                                              std::shared_ptr<const void> keep,
                                              const std::string& path, bool mmap) {
  return load_impl(data, nbytes, std::move(keep), path, mmap, -1);
}

// ------------------------------------------------------------------------------------------
// Writing

namespace {

// The process umask, read without changing it (umask(2) can only be read by setting it,
// which races with other threads creating files).
mode_t current_umask() {
  std::FILE* f = std::fopen("/proc/self/status", "r");
  mode_t u = 022;
  if (!f) return u;
  char line[256];
  while (std::fgets(line, sizeof line, f)) {
    unsigned v;
    if (std::sscanf(line, "Umask: %o", &v) == 1) {
      u = static_cast<mode_t>(v);
      break;
    }
  }
  std::fclose(f);
  return u;
}

std::string dir_of(const std::string& path) {
  size_t s = path.find_last_of('/');
  if (s == std::string::npos) return ".";
  return s == 0 ? "/" : path.substr(0, s);
}

[[noreturn]] void rethrow_with_path(const IoError& e, const std::string& path) {
  if (!e.path().empty()) throw e;
  throw IoError(e.error_number(), path, path + ": " + e.what());
}

// Writes straight into an existing device or FIFO (/dev/stdout, /dev/null, a pipe): there is
// nothing to rename over, and replacing the node by a regular file would be wrong.
void write_in_place(const std::string& path, const std::function<void(std::FILE*)>& write) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) {
    int e = errno;
    throw IoError(e, path, path + ": cannot open for writing: " + std::strerror(e));
  }
  try {
    write(f);
  } catch (const IoError& e) {
    std::fclose(f);
    rethrow_with_path(e, path);
  } catch (...) {
    std::fclose(f);
    throw;
  }
  errno = 0;
  bool bad = std::fflush(f) != 0 || std::ferror(f);
  int e = errno ? errno : EIO;
  if (std::fclose(f) != 0 && !bad) {
    bad = true;
    e = errno ? errno : EIO;
  }
  if (bad) throw IoError(e, path, path + ": write failed: " + std::strerror(e));
}

}  // namespace

void atomic_write(const std::string& path_in, const std::function<void(std::FILE*)>& write) {
  if (path_in.empty()) throw IoError(ENOENT, path_in, "cannot write to an empty path");
  std::string path = path_in;
  struct stat st;
  mode_t mode = 0666 & ~current_umask();
  if (::stat(path_in.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) throw IoError(EISDIR, path_in, path_in + ": is a directory");
    if (!S_ISREG(st.st_mode)) return write_in_place(path_in, write);
    mode = st.st_mode & 07777;  // keep an existing file's permissions
    // Through a symlink, replace the file it points to and keep the link.
    char* real = ::realpath(path_in.c_str(), nullptr);
    if (real) {
      path = real;
      std::free(real);
    }
  }
  std::string tmpl = path + ".tmp.XXXXXX";
  std::vector<char> name(tmpl.begin(), tmpl.end());
  name.push_back('\0');
  int fd = ::mkstemp(name.data());
  if (fd < 0) {
    int e = errno;
    throw IoError(e, path_in, path_in + ": cannot create a temporary file in the folder " +
                                  dir_of(path) + ": " + std::strerror(e));
  }
  ::fchmod(fd, mode);
  std::FILE* f = ::fdopen(fd, "wb");
  auto fail = [&](int e, const std::string& what) {
    if (f) std::fclose(f);
    else ::close(fd);
    ::unlink(name.data());
    throw IoError(e, path_in, path_in + ": " + what + ": " + std::strerror(e) +
                                  " (the existing file, if any, was left untouched)");
  };
  if (!f) fail(errno, "cannot open for writing");
  std::setvbuf(f, nullptr, _IOFBF, 1 << 20);
  try {
    write(f);
  } catch (const IoError& e) {
    std::fclose(f);
    ::unlink(name.data());
    if (!e.path().empty()) throw;
    throw IoError(e.error_number(), path_in,
                  path_in + ": " + e.what() + ": " + std::strerror(e.error_number()) +
                      " (the existing file, if any, was left untouched)");
  } catch (...) {
    std::fclose(f);
    ::unlink(name.data());
    throw;
  }
  errno = 0;
  if (std::fflush(f) != 0 || std::ferror(f)) fail(errno ? errno : EIO, "write failed");
  if (::fsync(::fileno(f)) != 0) fail(errno, "fsync failed");
  int cr = std::fclose(f);
  f = nullptr;
  if (cr != 0) {
    int e = errno;
    ::unlink(name.data());
    throw IoError(e, path_in, path_in + ": close failed: " + std::strerror(e) +
                                  " (the existing file, if any, was left untouched)");
  }
  if (::rename(name.data(), path.c_str()) != 0) {
    int e = errno;
    ::unlink(name.data());
    throw IoError(e, path_in, path_in + ": cannot rename the temporary file into place: " +
                                  std::strerror(e));
  }
  // Make the rename itself durable.
  int dfd = ::open(dir_of(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

namespace {

void put_bytes(std::FILE* f, const void* p, size_t n) {
  errno = 0;
  if (n && std::fwrite(p, 1, n, f) != n) throw IoError(errno ? errno : EIO, "", "write failed");
}
template <typename T>
void put(std::FILE* f, T v) {
  put_bytes(f, &v, sizeof v);
}

void write_pq(std::FILE* f, const ProductQuantizer& pq) {
  put<int32_t>(f, pq.dim);
  put<int32_t>(f, pq.nsubq);
  put<int32_t>(f, pq.dsub);
  put<int32_t>(f, pq.lastdsub);
  put_bytes(f, pq.centroids.data(), pq.centroids.size() * 4);
}

void write_matrix(std::FILE* f, const AnyMatrix& mat) {
  if (const QuantMatrix* q = mat.quant()) {
    put<uint8_t>(f, q->qnorm);
    put<int64_t>(f, q->m);
    put<int64_t>(f, q->n);
    put<int32_t>(f, q->codesize);
    put_bytes(f, q->codes.data(), q->codes.size());
    write_pq(f, q->pq);
    if (q->qnorm) {
      put_bytes(f, q->norm_codes.data(), q->norm_codes.size());
      write_pq(f, q->npq);
    }
  } else {
    const DenseMatrix* d = mat.dense();
    put<int64_t>(f, d->rows());
    put<int64_t>(f, d->cols());
    put_bytes(f, d->data(), static_cast<size_t>(d->rows() * d->cols()) * 4);
  }
}

void write_model(std::FILE* f, const Model& m) {
  const Args& a = m.args;
  int32_t version = m.legacy ? kFasttextVersion : m.version;
  put<int32_t>(f, kFasttextMagic);
  put<int32_t>(f, version);
  put<int32_t>(f, a.dim);
  put<int32_t>(f, a.ws);
  put<int32_t>(f, a.epoch);
  put<int32_t>(f, a.min_count);
  put<int32_t>(f, a.neg);
  put<int32_t>(f, a.word_ngrams);
  put<int32_t>(f, static_cast<int32_t>(a.loss));
  put<int32_t>(f, static_cast<int32_t>(a.model));
  put<int32_t>(f, a.bucket);
  put<int32_t>(f, a.minn);
  put<int32_t>(f, m.header_maxn >= 0 ? m.header_maxn : a.maxn);
  put<int32_t>(f, a.lr_update_rate);
  put<double>(f, a.t);
  const Dictionary& d = m.dict;
  put<int32_t>(f, d.size());
  put<int32_t>(f, d.nwords());
  put<int32_t>(f, d.nlabels());
  put<int64_t>(f, d.ntokens());
  put<int64_t>(f, d.pruneidx_size());
  for (const Entry& e : d.entries()) {
    put_bytes(f, e.word.data(), e.word.size() + 1);  // includes the NUL
    put<int64_t>(f, e.count);
    put<int8_t>(f, static_cast<int8_t>(e.type));
  }
  for (const auto& p : d.pruneidx_pairs()) {
    put<int32_t>(f, p.first);
    put<int32_t>(f, p.second);
  }
  put<uint8_t>(f, m.input.quantized());
  write_matrix(f, m.input);
  put<uint8_t>(f, m.output.quantized());
  write_matrix(f, m.output);
  if (m.has_sentvec_trailer) {
    std::string payload = make_trailer_payload(m);
    put_bytes(f, kTrailerMagic, 8);
    put<int32_t>(f, kTrailerVersion);
    put<int64_t>(f, static_cast<int64_t>(payload.size()));
    put_bytes(f, payload.data(), payload.size());
  } else {
    put_bytes(f, m.unknown_trailer.data(), m.unknown_trailer.size());
  }
}

}  // namespace

void save_model(const Model& model, const std::string& path) {
  atomic_write(path, [&](std::FILE* f) { write_model(f, model); });
}

void save_vectors(const Model& m, const std::string& path, const std::string& which,
                  bool binary) {
  if (which != "input" && which != "output")
    throw ArgError("which must be 'input' or 'output' (got '" + which + "')");
  const bool input = which == "input";
  if (!input && m.output.quantized())
    throw ArgError("the output matrix of this model is quantized: cannot save its rows");
  const Dictionary& d = m.dict;
  const int32_t base = (!input && m.is_supervised()) ? d.nwords() : 0;
  const int32_t n = input ? d.nwords() : static_cast<int32_t>(m.output.rows());
  const int64_t dim = m.dim();
  atomic_write(path, [&](std::FILE* f) {
    std::fprintf(f, "%d %" PRId64 "\n", n, dim);
    std::vector<float> v(dim);
    char buf[32];
    for (int32_t i = 0; i < n; ++i) {
      const std::string& w = d.entry(base + i).word;
      if (input) {
        m.word_vector(w, v.data());
      } else {
        std::fill(v.begin(), v.end(), 0.f);
        m.output.add_row_to(v.data(), i);
      }
      put_bytes(f, w.data(), w.size());
      std::fputc(' ', f);
      if (binary) {
        put_bytes(f, v.data(), v.size() * 4);
      } else {
        for (int64_t j = 0; j < dim; ++j) {
          int len = std::snprintf(buf, sizeof buf, "%.5g ", v[j]);
          put_bytes(f, buf, static_cast<size_t>(len));
        }
      }
      std::fputc('\n', f);
    }
  });
}

// ------------------------------------------------------------------------------------------
// .vec reading

VecFile read_vec(const std::string& path) {
  Mapping map(path);
  return parse_vec(reinterpret_cast<const char*>(map.data()), map.size(), path);
}

VecFile parse_vec(const char* p, size_t n, const std::string& path) {
  VecFile v;
  size_t off = 0;
  auto fail = [&](const std::string& what) -> void { throw FormatError(path, off, what); };
  if (n == 0) fail("empty file: expected a .vec header 'N dim'");
  // Header line.
  size_t eol = off;
  while (eol < n && p[eol] != '\n') ++eol;
  std::string header(p, std::min<size_t>(eol, 200));
  long long count = -1, dim = -1;
  char extra = 0;
  if (std::sscanf(header.c_str(), "%lld %lld %c", &count, &dim, &extra) != 2 || count < 0 ||
      dim <= 0 || dim > 100000)
    fail("not a .vec file: the first line must be '<count> <dim>' (found '" +
         printable(header.substr(0, 60)) + "')");
  // Each row needs at least 2*dim+1 bytes ("w 1 2 ... "): check before reserving (the
  // division keeps a hostile count from overflowing the product).
  if (static_cast<unsigned long long>(count) > n / static_cast<unsigned long long>(2 * dim + 1))
    fail("the header promises " + std::to_string(count) + " vectors of dim " +
         std::to_string(dim) + " but the file has only " + std::to_string(n) + " bytes");
  v.dim = dim;
  v.words.reserve(static_cast<size_t>(count));
  v.data.reserve(static_cast<size_t>(count * dim));
  off = eol + 1;
  std::string num;
  for (long long r = 0; r < count; ++r) {
    if (off >= n) fail("truncated .vec file: expected " + std::to_string(count) + " rows, found " + std::to_string(r));
    size_t ws = off;
    while (ws < n && p[ws] != ' ' && p[ws] != '\n') ++ws;
    if (ws >= n || p[ws] != ' ' || ws == off) fail("row " + std::to_string(r + 1) + ": expected 'word v1 ... v" + std::to_string(dim) + "'");
    v.words.emplace_back(p + off, ws - off);
    off = ws;
    for (long long j = 0; j < dim; ++j) {
      while (off < n && p[off] == ' ') ++off;
      size_t s = off;
      while (off < n && p[off] != ' ' && p[off] != '\n' && p[off] != '\r') ++off;
      if (s == off) fail("row " + std::to_string(r + 1) + " ('" + printable(v.words.back()) + "') has fewer than " + std::to_string(dim) + " values");
      num.assign(p + s, off - s);
      char* end = nullptr;
      float x = std::strtof(num.c_str(), &end);
      if (end != num.c_str() + num.size() || !std::isfinite(x))
        fail("row " + std::to_string(r + 1) + ": '" + printable(num.substr(0, 30)) + "' is not a finite number");
      v.data.push_back(x);
    }
    while (off < n && (p[off] == ' ' || p[off] == '\r')) ++off;
    if (off < n && p[off] != '\n') fail("row " + std::to_string(r + 1) + " ('" + printable(v.words.back()) + "') has more than " + std::to_string(dim) + " values");
    ++off;
  }
  return v;
}

}  // namespace sentvec
