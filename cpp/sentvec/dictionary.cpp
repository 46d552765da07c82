#include "dictionary.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "tokenizer.h"

namespace sentvec {

void Dictionary::set_args(const Args& a) {
  minn_ = a.minn;
  maxn_ = a.maxn;
  bucket_ = a.bucket;
  word_ngrams_ = a.word_ngrams;
  label_ = a.label;
  model_ = a.model;
  scheme_ = a.scheme;
}

void Dictionary::assign(std::vector<Entry> entries, int32_t nwords, int32_t nlabels,
                        int64_t ntokens, int64_t pruneidx_size,
                        std::vector<std::pair<int32_t, int32_t>> prune_pairs, bool eos_subwords) {
  // Lookups tell a label from a word by its id (words first): every source keeps that order.
  for (size_t i = 0; i < entries.size(); ++i)
    if ((entries[i].type == EntryType::kLabel) != (static_cast<int64_t>(i) >= nwords))
      throw std::logic_error("dictionary entry " + std::to_string(i) + " breaks words-then-labels");
  words_ = std::move(entries);
  nwords_ = nwords;
  nlabels_ = nlabels;
  ntokens_ = ntokens;
  pruneidx_size_ = pruneidx_size;
  prune_pairs_ = std::move(prune_pairs);
  pruneidx_.clear();
  for (auto& p : prune_pairs_) pruneidx_[p.first] = p.second;
  // Open addressing, at most half full, a power of two in size (a mask, not a division). Each
  // slot keeps the word's hash beside its id, so a probe that passes another word compares
  // hashes and never touches that word's entry (a cache miss in a large dictionary).
  size_t tsize = 16;
  while (tsize < 2 * words_.size()) tsize *= 2;
  table_.assign(tsize, Slot{-1, 0});
  for (size_t i = 0; i < words_.size(); ++i) {
    const std::string& w = words_[i].word;
    const uint32_t h = fnv1a32(w);
    Slot& slot = table_[find_slot(w, h)];
    if (slot.id == -1) slot = Slot{static_cast<int32_t>(i), h};  // first of duplicates wins
  }
  for (size_t i = 0; i < words_.size(); ++i) {
    Entry& e = words_[i];
    e.subwords.clear();
    e.subwords.push_back(static_cast<int32_t>(i));
    if (maxn_ > 0 && (eos_subwords || e.word != kEos)) {
      char_ngrams(e.word, e.subwords);
    }
  }
}

int64_t Dictionary::find_slot(std::string_view w, uint32_t h) const {
  const size_t mask = table_.size() - 1;
  size_t s = h & mask;
  while (table_[s].id != -1 && (table_[s].hash != h || words_[table_[s].id].word != w))
    s = (s + 1) & mask;
  return static_cast<int64_t>(s);
}

int32_t Dictionary::get_id(std::string_view w) const {
  if (table_.empty()) return -1;
  return table_[find_slot(w, fnv1a32(w))].id;
}

void Dictionary::get_ids(const std::string_view* words, size_t n, int32_t* ids,
                         uint32_t* hashes) const {
  if (table_.empty()) {
    std::fill(ids, ids + n, -1);
    if (hashes)
      for (size_t i = 0; i < n; ++i) hashes[i] = fnv1a32(words[i]);
    return;
  }
  constexpr size_t kBatch = 64;
  uint32_t h[kBatch];
  const size_t mask = table_.size() - 1;
  for (size_t at = 0; at < n; at += kBatch) {
    const size_t m = std::min(kBatch, n - at);
    for (size_t i = 0; i < m; ++i) {
      h[i] = fnv1a32(words[at + i]);
      __builtin_prefetch(&table_[h[i] & mask]);
    }
    for (size_t i = 0; i < m; ++i) {
      const Slot& first = table_[h[i] & mask];
      if (first.id >= 0 && first.hash == h[i]) __builtin_prefetch(&words_[first.id]);
    }
    for (size_t i = 0; i < m; ++i) ids[at + i] = table_[find_slot(words[at + i], h[i])].id;
    if (hashes) std::copy(h, h + m, hashes + at);
  }
}

EntryType Dictionary::type_of_token(std::string_view w) const {
  return w.substr(0, label_.size()) == label_ ? EntryType::kLabel : EntryType::kWord;
}

void Dictionary::push_hash(std::vector<int32_t>& out, int32_t id) const {
  if (pruneidx_size_ == 0 || id < 0) return;
  if (pruneidx_size_ > 0) {
    auto it = pruneidx_.find(id);
    if (it == pruneidx_.end()) return;
    id = it->second;
  }
  out.push_back(nwords_ + id);
}

void Dictionary::char_ngrams(std::string_view word, std::vector<int32_t>& out,
                             std::vector<std::string>* substrings) const {
  if (maxn_ <= 0 || bucket_ <= 0) return;
  std::string w;
  w.reserve(word.size() + 2);
  w.append(kBow).append(word).append(kEow);
  const size_t len = w.size();
  const std::string_view wv(w);
  for (size_t i = 0; i < len; ++i) {
    // n counts UTF-8 characters: continuation bytes never start an n-gram.
    if ((static_cast<unsigned char>(w[i]) & 0xC0) == 0x80) continue;
    // The n-grams starting at i share their prefixes: each hash extends the previous one
    // by the bytes of one more character, instead of rehashing the n-gram from its start.
    uint32_t h = kFnv1a32Basis;
    size_t j = i;
    for (int32_t n = 1; j < len && n <= maxn_; ++n) {
      const size_t c0 = j++;
      while (j < len && (static_cast<unsigned char>(w[j]) & 0xC0) == 0x80) ++j;
      h = fnv1a32_extend(h, wv.substr(c0, j - c0));
      // fastText skips single-character n-grams at either boundary ("<" or ">").
      if (n >= minn_ && !(n == 1 && (i == 0 || j == len))) {
        push_hash(out, static_cast<int32_t>(h % static_cast<uint32_t>(bucket_)));
        if (substrings) substrings->emplace_back(wv.substr(i, j - i));
      }
    }
  }
}

void Dictionary::word_features(std::string_view w, std::vector<int32_t>& out) const {
  int32_t id = get_id(w);
  if (id >= 0) {
    const auto& sw = words_[id].subwords;
    out.insert(out.end(), sw.begin(), sw.end());
  } else if (w != kEos) {
    char_ngrams(w, out);
  }
}

void Dictionary::add_word_ngrams(const std::vector<uint64_t>& keys, int32_t n,
                                 std::vector<int32_t>& out,
                                 const std::vector<uint8_t>* blocked) const {
  if (n <= 1 || bucket_ <= 0) return;
  const uint64_t b = static_cast<uint64_t>(bucket_);
  for_each_word_ngram(scheme_, keys.data(), blocked ? blocked->data() : nullptr, keys.size(), n,
                      [&](size_t, size_t, uint64_t key) {
                        push_hash(out, static_cast<int32_t>(key % b));
                      });
}

void Dictionary::lookup_line(std::string_view text, bool with_eos, LineScratch& sc) const {
  // The line's tokens first (up to the first "</s>", which `with_eos` keeps), then their
  // lookups together (a long document's misses overlap).
  sc.toks.clear();
  sc.keys.clear();
  sc.blocked.clear();
  for_each_token(text, [&](std::string_view tok) {
    const bool eos = tok == kEos;
    if (!eos || with_eos) sc.toks.push_back(tok);
    return !eos;
  });
  sc.ids.resize(sc.toks.size());
  sc.hashes.resize(sc.toks.size());
  get_ids(sc.toks.data(), sc.toks.size(), sc.ids.data(), sc.hashes.data());
}

void Dictionary::supervised_line(std::string_view text, std::vector<int32_t>& words,
                                 std::vector<int32_t>& labels, LineScratch& sc,
                                 int64_t* ntokens) const {
  words.clear();
  labels.clear();
  lookup_line(text, true, sc);
  const auto& toks = sc.toks;
  const auto& ids = sc.ids;
  const auto& hashes = sc.hashes;
  auto& keys = sc.keys;
  for (size_t i = 0; i < toks.size(); ++i) {
    const std::string_view tok = toks[i];
    const int32_t wid = ids[i];
    // Words come before labels (the reader checks it): the id tells the type without a
    // visit to the entry.
    const EntryType type = wid < 0         ? type_of_token(tok)
                           : wid < nwords_ ? EntryType::kWord
                                           : EntryType::kLabel;
    if (type == EntryType::kWord) {
      if (wid < 0) {
        if (tok != kEos) char_ngrams(tok, words);
      } else if (maxn_ <= 0) {
        words.push_back(wid);
      } else {
        const auto& sw = words_[wid].subwords;
        words.insert(words.end(), sw.begin(), sw.end());
      }
      keys.push_back(scheme_ == NgramScheme::kSentvec ? token_key64(tok)
                                                      : fasttext_key_of_hash(hashes[i]));
    } else if (wid >= 0) {
      labels.push_back(wid - nwords_);
    }
  }
  if (ntokens) *ntokens = static_cast<int64_t>(toks.size());
  add_word_ngrams(keys, word_ngrams_, words);
}

void Dictionary::sent2vec_line(std::string_view text, std::vector<int32_t>& feats,
                               LineScratch& sc) const {
  feats.clear();
  lookup_line(text, false, sc);
  const auto& toks = sc.toks;
  const auto& ids = sc.ids;
  auto& keys = sc.keys;
  auto& blocked = sc.blocked;
  const bool sentvec = scheme_ == NgramScheme::kSentvec;
  for (size_t i = 0; i < toks.size(); ++i) {
    const int32_t wid = ids[i];
    if (wid < 0 || wid >= nwords_) {  // unknown, or a label (labels follow the words)
      // sent2vec drops unknown words and lets n-grams span the gap; under sentvec an unknown
      // word splits the line, as a token dropped in training does (no n-gram touches it).
      if (sentvec && !keys.empty() && !blocked.back()) {
        keys.push_back(0);
        blocked.push_back(1);
      }
      continue;
    }
    feats.push_back(wid);
    keys.push_back(sentvec ? token_key64(toks[i]) : static_cast<uint64_t>(wid));
    blocked.push_back(0);
  }
  add_word_ngrams(keys, word_ngrams_, feats, sentvec ? &blocked : nullptr);
}

}  // namespace sentvec
