#include "continue_train.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "errors.h"
#include "memory_guard.h"
#include "parallel.h"

namespace sentvec {

namespace {

// The options that fix the layout of the matrices or the meaning of their rows.
bool is_shape_option(const std::string& name) {
  static const char* const kShape[] = {"model", "dim",    "minn", "maxn", "bucket",
                                       "wordNgrams", "scheme", "loss", "label"};
  for (const char* s : kShape)
    if (name == s) return true;
  return false;
}

// fastText drops the hashed rows (bucket 0) without char and word n-grams: such a model's
// bucket says nothing, and a given bucket does not conflict with it.
bool bucket_unused(const Args& a) {
  return a.word_ngrams <= 1 && a.maxn == 0 && a.model != ModelName::kSent2vec;
}

// Copies rows [src0, src0 + n) of `from` to rows [dst0, ...) of `to`, in blocks on a few
// threads (a mapped `from` is read from the page cache once, block by block).
void copy_rows(const DenseMatrix& from, int64_t src0, DenseMatrix& to, int64_t dst0, int64_t n) {
  if (n <= 0) return;
  const int64_t d = from.cols();
  constexpr int64_t kBlock = 16384;
  const int64_t nblocks = (n + kBlock - 1) / kBlock;
  parallel_for(nblocks, pick_threads(nblocks, 0, 4), [&](int64_t b) {
    const int64_t r0 = b * kBlock, r1 = std::min(n, r0 + kBlock);
    std::memcpy(static_cast<void*>(to.row_mut(dst0 + r0)), static_cast<const void*>(from.row(src0 + r0)),
                static_cast<size_t>((r1 - r0) * d) * sizeof(float));
  }, 1);
}

}  // namespace

Args continued_args(const Model& init, bool supervised, const OptionList& given) {
  const ModelName kind = init.args.model;
  if (supervised != (kind == ModelName::kSupervised))
    throw ArgError(std::string("option 'init_model': it is a ") + model_name_str(kind) +
                   " model; " + (supervised ? "train_supervised continues supervised models only "
                                              "(use train_unsupervised)"
                                            : "train_unsupervised continues skipgram, cbow and "
                                              "sent2vec models (use train_supervised)"));
  Args a = Args::from_options(kind, [&] {
    // "model" given for another kind than init's is reported below with both values; the
    // defaults are those of init's kind either way.
    OptionList rest;
    for (const auto& kv : given) {
      const OptionSpec* o = find_option(kv.first);
      if (!(o && std::string(o->name) == "model")) rest.push_back(kv);
    }
    return rest;
  }());
  for (const auto& [name, value] : given) {
    const OptionSpec* o = find_option(name);
    if (!o) continue;
    const OptionSpec* target = o->same_as ? find_option(o->same_as) : o;
    const std::string canon = target->name;
    if (!is_shape_option(canon)) continue;
    if (canon == "bucket" && bucket_unused(init.args)) continue;
    std::string mine, theirs;
    if (canon == "model") {
      o->check(value);
      mine = std::get<std::string>(value);
      theirs = model_name_str(kind);
    } else {
      mine = option_value_str(target->get(a));
      theirs = option_value_str(target->get(init.args));
    }
    if (mine != theirs)
      throw ArgError("option '" + canon + "': init_model has " + canon + "=" + theirs + " but " +
                     name + "=" + mine + " was given; the options that define the model's shape "
                     "(model, dim, minn, maxn, bucket, wordNgrams, scheme, loss, label) come "
                     "from init_model: leave them out or give its values");
  }
  a.model = kind;
  a.dim = init.dim();
  a.minn = init.args.minn;
  a.maxn = init.args.maxn;
  a.bucket = init.args.bucket;
  a.word_ngrams = init.args.word_ngrams;
  a.scheme = init.args.scheme;
  a.loss = init.args.loss;
  a.label = init.args.label;
  a.continuing = true;
  if (!a.pretrained_vectors.empty())
    throw ArgError("option 'pretrainedVectors': not with init_model (its rows are the "
                   "starting point)");
  a.validate();
  return a;
}

std::shared_ptr<Model> continued_model(
    const Model& init, const Args& args, const CorpusSource& input, bool grow_vocab,
    const VocabOptions& vopts, VocabStats* stats,
    const std::function<void(DenseMatrix&, int64_t, int64_t)>& init_rows) {
  if (init.input.half())
    throw ArgError("option 'init_model': a float16 model cannot be trained further; continue "
                   "from the float32 model it was converted from");
  if (init.input.quantized() || init.output.quantized() || !init.input.dense() ||
      !init.output.dense())
    throw ArgError("option 'init_model': a quantized model cannot be trained further; "
                   "continue from the model it was quantized from");
  if (init.dict.pruneidx_size() >= 0)
    throw ArgError("option 'init_model': its dictionary is pruned (quantize -cutoff); continue "
                   "from the model it was quantized from");
  const Dictionary& old = init.dict;
  const DenseMatrix& oin = *init.input.dense();
  const DenseMatrix& oout = *init.output.dense();
  // The rows after the words: the bucket, and whatever a file has beyond it (sent2vec writes
  // one more row), kept as they are after the new words.
  const int64_t bucket_rows = oin.rows() - old.nwords();
  if (bucket_rows < args.bucket)
    throw FormatError("option 'init_model': its input matrix has " + std::to_string(oin.rows()) +
                      " rows, fewer than nwords + bucket = " + std::to_string(old.nwords()) + " + " +
                      std::to_string(args.bucket));

  auto m = std::make_shared<Model>();
  m->args = args;
  m->version = init.version;
  m->header_maxn = init.header_maxn;
  m->eos_subwords = init.eos_subwords;
  m->has_sentvec_trailer = true;
  m->dict = extend_dictionary(old, args, input, grow_vocab, init.eos_subwords, stats, vopts);
  const Dictionary& dict = m->dict;

  const int64_t d = oin.cols();
  const int64_t nw_old = old.nwords(), nw = dict.nwords();
  const int64_t in_rows = nw + bucket_rows;
  const int64_t out_rows = args.supervised() ? dict.nlabels() : nw;
  const int64_t out_old = oout.rows();
  if (out_old != (args.supervised() ? old.nlabels() : nw_old))
    throw FormatError("option 'init_model': its output matrix has " + std::to_string(out_old) +
                      " rows, not one per " + (args.supervised() ? "label" : "word"));
  check_memory((in_rows + out_rows) * d * 4,
               "the training matrices copied from init_model (" + std::to_string(in_rows) + " + " +
                   std::to_string(out_rows) + " rows of dim " + std::to_string(d) + ")");
  DenseMatrix in(in_rows, d, DenseMatrix::Uninitialized{});
  copy_rows(oin, 0, in, 0, nw_old);                    // old words keep their ids
  init_rows(in, nw_old, nw);                           // new words, as in a new model
  copy_rows(oin, nw_old, in, nw, bucket_rows);         // n-gram rows follow the words
  DenseMatrix out(out_rows, d);                        // zeros: new words/labels' rows
  copy_rows(oout, 0, out, 0, out_old);
  m->input = AnyMatrix(std::move(in));
  m->output = AnyMatrix(std::move(out));
  return m;
}

}  // namespace sentvec
