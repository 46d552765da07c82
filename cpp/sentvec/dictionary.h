// Vocabulary, token lookup, character n-grams and word n-gram features.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "args.h"
#include "hashing.h"

namespace sentvec {

enum class EntryType : int8_t { kWord = 0, kLabel = 1 };

struct Entry {
  std::string word;
  int64_t count = 0;
  EntryType type = EntryType::kWord;
  std::vector<int32_t> subwords;  ///< [own id, char n-gram rows...]
};

/// The dictionary of a model: words first, then labels.
/// Working vectors of Dictionary's line readers. Kept by a caller rather than thread_local: a
/// dlopen'd module's thread-local block is allocated on first use in each thread, and glibc
/// aborts the process when that allocation fails (under ulimit -v, say).
struct LineScratch {
  std::string line;  ///< a caller's copy of the line (Model::line_features adds its "\n")
  std::vector<std::string_view> toks;
  std::vector<int32_t> ids;
  std::vector<uint32_t> hashes;
  std::vector<uint64_t> keys;
  std::vector<uint8_t> blocked;
};

class Dictionary {
 public:
  Dictionary() = default;
  /// Copies the options the dictionary needs (minn, maxn, bucket, label, model, scheme).
  void set_args(const Args& a);

  // ---- structure -----------------------------------------------------------------------
  int32_t size() const { return static_cast<int32_t>(words_.size()); }
  int32_t nwords() const { return nwords_; }
  int32_t nlabels() const { return nlabels_; }
  int64_t ntokens() const { return ntokens_; }
  const Entry& entry(int32_t id) const { return words_[id]; }
  const std::vector<Entry>& entries() const { return words_; }
  int64_t pruneidx_size() const { return pruneidx_size_; }
  const std::vector<std::pair<int32_t, int32_t>>& pruneidx_pairs() const { return prune_pairs_; }

  /// Installs entries read from a file (or built by training) and builds the lookup table
  /// and each word's subwords. `eos_subwords`: sent2vec gives "</s>" char n-grams too.
  void assign(std::vector<Entry> entries, int32_t nwords, int32_t nlabels, int64_t ntokens,
              int64_t pruneidx_size, std::vector<std::pair<int32_t, int32_t>> prune_pairs,
              bool eos_subwords = false);

  // ---- lookup --------------------------------------------------------------------------
  int32_t get_id(std::string_view w) const;
  /// ids[i] = get_id(words[i]) for i < n, the lookups of a batch overlapped: every table slot
  /// is asked for before the first is read, then every matching entry before the words are
  /// compared (a large dictionary's table and entries miss the cache on each lookup).
  /// `hashes`, if given, receives each word's fnv1a32 (the hash the lookup computed).
  void get_ids(const std::string_view* words, size_t n, int32_t* ids,
               uint32_t* hashes = nullptr) const;
  EntryType type_of_token(std::string_view w) const;
  /// Feature rows of a word: its subwords when known, its char n-grams when not.
  void word_features(std::string_view w, std::vector<int32_t>& out) const;
  /// Char n-gram rows of `word` (without < >); substrings receives each n-gram if given.
  void char_ngrams(std::string_view word, std::vector<int32_t>& out,
                   std::vector<std::string>* substrings = nullptr) const;
  /// Appends nwords + id (after pruning remap); does nothing for a pruned-away id.
  void push_hash(std::vector<int32_t>& out, int32_t id) const;

  // ---- lines ---------------------------------------------------------------------------
  /// fastText supervised line: word features + word n-grams (scheme), labels (0-based).
  /// Reads up to and including the first "</s>". `ntokens`, if given, receives the number of
  /// tokens read (training counts them for the learning-rate schedule).
  /// A caller that reads many lines passes a LineScratch it keeps: no allocation per line.
  void supervised_line(std::string_view text, std::vector<int32_t>& words,
                       std::vector<int32_t>& labels, LineScratch& scratch,
                       int64_t* ntokens = nullptr) const;
  void supervised_line(std::string_view text, std::vector<int32_t>& words,
                       std::vector<int32_t>& labels, int64_t* ntokens = nullptr) const {
    LineScratch scratch;
    supervised_line(text, words, labels, scratch, ntokens);
  }
  /// sent2vec inference line: in-vocabulary word ids, then word n-gram rows of the ids.
  void sent2vec_line(std::string_view text, std::vector<int32_t>& feats,
                     LineScratch& scratch) const;
  void sent2vec_line(std::string_view text, std::vector<int32_t>& feats) const {
    LineScratch scratch;
    sent2vec_line(text, feats, scratch);
  }
  /// Appends word n-gram rows for a sequence of token keys under the model's scheme
  /// (for_each_word_ngram in hashing.h). For kFasttext, keys are sign-extended 32-bit hashes;
  /// kSent2vec, word ids; kSentvec, 64-bit token keys, and no n-gram touches a position
  /// where (*blocked)[i] != 0.
  void add_word_ngrams(const std::vector<uint64_t>& keys, int32_t n, std::vector<int32_t>& out,
                       const std::vector<uint8_t>* blocked = nullptr) const;

  int32_t minn() const { return minn_; }
  int32_t maxn() const { return maxn_; }
  int32_t bucket() const { return bucket_; }
  NgramScheme scheme() const { return scheme_; }

 private:
  int64_t find_slot(std::string_view w, uint32_t h) const;
  /// sc.toks: the tokens of `text` up to its first "</s>" (kept with `with_eos`); sc.ids and
  /// sc.hashes: their lookups; sc.keys and sc.blocked emptied.
  void lookup_line(std::string_view text, bool with_eos, LineScratch& sc) const;

  std::vector<Entry> words_;
  struct Slot {
    int32_t id;     ///< -1: empty
    uint32_t hash;  ///< fnv1a32 of the word
  };
  std::vector<Slot> table_;
  int32_t nwords_ = 0, nlabels_ = 0;
  int64_t ntokens_ = 0;
  int64_t pruneidx_size_ = -1;
  std::vector<std::pair<int32_t, int32_t>> prune_pairs_;  // file order, for identical re-save
  std::unordered_map<int32_t, int32_t> pruneidx_;

  int32_t minn_ = 3, maxn_ = 6, bucket_ = 2000000, word_ngrams_ = 1;
  std::string label_ = "__label__";
  ModelName model_ = ModelName::kSkipgram;
  NgramScheme scheme_ = NgramScheme::kFasttext;
};

}  // namespace sentvec
