#include "bin_writer.h"

#include <cerrno>
#include <cstdio>

#include "../errors.h"
#include "atomic_file.h"
#include "bin_reader.h"
#include "trailer.h"

namespace sentvec {

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
  put<uint8_t>(f, mat.quantized() ? 1 : mat.half() ? 2 : 0);  // 2: sentvec's float16 rows
  if (const HalfMatrix* h = mat.half_matrix()) {
    put<int64_t>(f, h->rows());
    put<int64_t>(f, h->cols());
    put_bytes(f, h->bytes(), static_cast<size_t>(h->rows() * h->cols()) * 2);
  } else if (const QuantMatrix* q = mat.quant()) {
    put<uint8_t>(f, q->qnorm);
    put<int64_t>(f, q->m);
    put<int64_t>(f, q->n);
    put<int32_t>(f, q->codesize);
    put_bytes(f, q->code_data(), static_cast<size_t>(q->codesize));
    write_pq(f, q->pq);
    if (q->qnorm) {
      put_bytes(f, q->norm_data(), static_cast<size_t>(q->m));
      write_pq(f, q->npq);
    }
  } else {
    const DenseMatrix* d = mat.dense();
    put<int64_t>(f, d->rows());
    put<int64_t>(f, d->cols());
    put_bytes(f, d->data(), static_cast<size_t>(d->rows() * d->cols()) * 4);
  }
}

void write_header(std::FILE* f, const Model& m) {
  const Args& a = m.args;
  put<int32_t>(f, kFasttextMagic);
  put<int32_t>(f, m.legacy ? kFasttextVersion : m.version);
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
}

void write_dictionary(std::FILE* f, const Dictionary& d) {
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
}

}  // namespace

void save_model(const Model& model, const std::string& path) {
  const std::string trailer = trailer_bytes(model);
  atomic_write(path, [&](std::FILE* f) {
    write_header(f, model);
    write_dictionary(f, model.dict);
    write_matrix(f, model.input);
    write_matrix(f, model.output);
    put_bytes(f, trailer.data(), trailer.size());
  });
}

}  // namespace sentvec
