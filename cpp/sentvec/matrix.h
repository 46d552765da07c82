// Dense float matrices (owned or views over a mapped file) and product-quantized matrices.
#pragma once
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>
#include <vector>

#include "half_matrix.h"
#include "simd/portable.h"

namespace sentvec {

/// Allocator of zeroed storage (calloc: a large block is fresh zero pages from the kernel,
/// nothing is written to them) whose default construction leaves trivial values as they are,
/// so a matrix starts zero without a zero-fill pass, and one whose values are all written
/// next pays nothing for it either.
template <class T>
struct DefaultInitAllocator : std::allocator<T> {
  template <class U>
  struct rebind {
    using other = DefaultInitAllocator<U>;
  };
  DefaultInitAllocator() = default;
  template <class U>
  DefaultInitAllocator(const DefaultInitAllocator<U>&) noexcept {}
  T* allocate(size_t n) {
    void* p = std::calloc(n ? n : 1, sizeof(T));
    if (!p) throw std::bad_alloc();
    return static_cast<T*>(p);
  }
  void deallocate(T* p, size_t) noexcept { std::free(p); }
  template <class U>
  void construct(U* p) noexcept(std::is_nothrow_default_constructible<U>::value) {
    ::new (static_cast<void*>(p)) U;
  }
  template <class U, class... A>
  void construct(U* p, A&&... a) {
    ::new (static_cast<void*>(p)) U(std::forward<A>(a)...);
  }
};

/// Row-major float32 matrix. Storage is either owned (aligned, writable) or a read-only view
/// into a file mapping kept alive by `keep_`.
class DenseMatrix {
 public:
  DenseMatrix() = default;
  DenseMatrix(const DenseMatrix&) = delete;  // data_ points into owned_: moves only
  DenseMatrix& operator=(const DenseMatrix&) = delete;
  DenseMatrix(DenseMatrix&&) = default;
  DenseMatrix& operator=(DenseMatrix&&) = default;
  /// An owned m x n matrix of zeros (fresh zero pages for a large one: not written here).
  DenseMatrix(int64_t m, int64_t n) : m_(m), n_(n), owned_(static_cast<size_t>(m * n)) {
    data_ = owned_.data();
  }
  struct Uninitialized {};
  /// An owned m x n matrix with unspecified values: the caller writes every one (training
  /// initialises 10^8+ values in parallel; a zero-fill first would double the cost).
  DenseMatrix(int64_t m, int64_t n, Uninitialized) : m_(m), n_(n), owned_(static_cast<size_t>(m * n)) {
    data_ = owned_.data();
  }
  /// A read-only view over `data` (maybe unaligned), kept alive by `keep`.
  static DenseMatrix view(int64_t m, int64_t n, const float* data, std::shared_ptr<void> keep) {
    DenseMatrix d;
    d.m_ = m;
    d.n_ = n;
    d.data_ = const_cast<float*>(data);
    d.keep_ = std::move(keep);
    d.mapped_ = true;
    return d;
  }
  int64_t rows() const { return m_; }
  int64_t cols() const { return n_; }
  bool mapped() const { return mapped_; }
  const float* row(int64_t i) const { return data_ + i * n_; }
  float* row_mut(int64_t i) { return data_ + i * n_; }
  const float* data() const { return data_; }
  float* data_mut() { return data_; }
  void add_row_to(float* x, int64_t i, float a = 1.f) const { axpy(x, row(i), a, n_); }
  float dot_row(const float* x, int64_t i) const { return dot(x, row(i), n_); }
  /// Replaces a view by an owned copy (used when a mapped model must be modified).
  void make_owned();
  /// Asks the kernel (Linux, transparent huge pages in 'madvise' mode or 'always') to back the
  /// owned storage with 2 MB pages where it is touched from now on: training reads rows
  /// scattered over hundreds of MB, and with 4 KB pages most of those reads first miss the
  /// TLB. Only for a matrix whose rows are all written anyway (a page that is touched at all
  /// is then resident whole). Does nothing for a view.
  void advise_huge_pages();

 private:
  int64_t m_ = 0, n_ = 0;
  float* data_ = nullptr;
  std::vector<float, DefaultInitAllocator<float>> owned_;
  std::shared_ptr<void> keep_;
  bool mapped_ = false;
};

/// fastText's product quantizer: nsubq sub-quantizers of 256 centroids each.
struct ProductQuantizer {
  int32_t dim = 0, nsubq = 0, dsub = 0, lastdsub = 0;
  std::vector<float> centroids;  // dim * 256
  static constexpr int32_t kKsub = 256;
  const float* centroid(int32_t m, uint8_t code) const {
    if (m == nsubq - 1) return centroids.data() + m * kKsub * dsub + code * lastdsub;
    return centroids.data() + (m * kKsub + code) * dsub;
  }
  void add_code(float* x, const uint8_t* codes, float alpha) const;
  float mul_code(const float* x, const uint8_t* codes, float alpha) const;
};

/// A product-quantized matrix (.ftz), optionally with separately quantized row norms. The codes
/// are owned (`codes`, `norm_codes`) or, for a mapped model, read-only views into the file
/// mapping kept alive by `keep` (`code_view`, `norm_view`): a mapped .ftz copies only its
/// centroids.
class QuantMatrix {
 public:
  bool qnorm = false;
  int64_t m = 0, n = 0;
  int32_t codesize = 0;
  std::vector<uint8_t> codes;
  ProductQuantizer pq;
  std::vector<uint8_t> norm_codes;
  ProductQuantizer npq;
  const uint8_t* code_view = nullptr;  ///< mapped codes (null: `codes` holds them)
  const uint8_t* norm_view = nullptr;  ///< mapped norm codes (null: `norm_codes` holds them)
  std::shared_ptr<const void> keep;    ///< the mapping behind the views

  bool mapped() const { return code_view != nullptr; }
  const uint8_t* code_data() const { return code_view ? code_view : codes.data(); }
  const uint8_t* norm_data() const { return norm_view ? norm_view : norm_codes.data(); }
  int64_t rows() const { return m; }
  int64_t cols() const { return n; }
  float norm(int64_t i) const { return qnorm ? npq.centroid(0, norm_data()[i])[0] : 1.f; }
  void add_row_to(float* x, int64_t i, float a = 1.f) const {
    pq.add_code(x, code_data() + pq.nsubq * i, a * norm(i));
  }
  float dot_row(const float* x, int64_t i) const {
    return pq.mul_code(x, code_data() + pq.nsubq * i, norm(i));
  }
};

/// Any kind of matrix behind one interface for inference: dense float32, product-quantized, or
/// float16 (HalfMatrix). `dense()` is null for the other two kinds.
class AnyMatrix {
 public:
  AnyMatrix() = default;
  explicit AnyMatrix(DenseMatrix d) : dense_(std::make_shared<DenseMatrix>(std::move(d))) {}
  explicit AnyMatrix(QuantMatrix q) : quant_(std::make_shared<QuantMatrix>(std::move(q))) {}
  explicit AnyMatrix(HalfMatrix h) : half_(std::make_shared<HalfMatrix>(std::move(h))) {}
  bool quantized() const { return quant_ != nullptr; }
  bool half() const { return half_ != nullptr; }
  bool empty() const { return !dense_ && !quant_ && !half_; }
  int64_t rows() const {
    return quant_ ? quant_->rows() : half_ ? half_->rows() : (dense_ ? dense_->rows() : 0);
  }
  int64_t cols() const {
    return quant_ ? quant_->cols() : half_ ? half_->cols() : (dense_ ? dense_->cols() : 0);
  }
  void add_row_to(float* x, int64_t i, float a = 1.f) const {
    if (dense_) dense_->add_row_to(x, i, a);
    else if (half_) half_->add_row_to(x, i, a);
    else quant_->add_row_to(x, i, a);
  }
  float dot_row(const float* x, int64_t i) const {
    return dense_ ? dense_->dot_row(x, i) : half_ ? half_->dot_row(x, i) : quant_->dot_row(x, i);
  }
  DenseMatrix* dense() const { return dense_.get(); }
  /// Shared ownership of the dense matrix (numpy views hold one so they outlive a replacement).
  std::shared_ptr<DenseMatrix> dense_ptr() const { return dense_; }
  QuantMatrix* quant() const { return quant_.get(); }
  HalfMatrix* half_matrix() const { return half_.get(); }
  std::shared_ptr<HalfMatrix> half_ptr() const { return half_; }

 private:
  std::shared_ptr<DenseMatrix> dense_;
  std::shared_ptr<QuantMatrix> quant_;
  std::shared_ptr<HalfMatrix> half_;
};

/// Model.to_float16: replaces a dense input matrix by its float16 rounding (owned), streaming
/// the rows of a mapped source. ArgError for a quantized model; a float16 model stays as it is.
class Model;
void input_to_float16(Model& m);

}  // namespace sentvec
