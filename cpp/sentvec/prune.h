// Shrinking a dense model's vocabulary and n-gram buckets (any model kind), streaming from a
// mapped source: Model.prune and the vocabulary cutoff of unsupervised quantization.
#pragma once
#include <cstdint>
#include <vector>

#include "model.h"

namespace sentvec {

/// True when the model hashes word n-grams into its buckets (sent2vec or supervised with
/// wordNgrams > 1): such rows belong to no word, and only `bucket % M` maps them.
bool has_word_ngrams(const Model& m);

/// Checks prune's arguments (ArgError naming them); nothing changes. `words` < 0: keep all;
/// `buckets` < 0: keep the model's bucket count.
void check_prunable(const Model& m, int64_t words, int64_t buckets);

/// Keeps the `words` most frequent words (the dictionary's first `words` entries, which it
/// keeps in descending count, so kept ids do not change; labels are all kept) and re-hashes
/// the n-gram rows into `buckets` rows:
/// - char n-grams: each n-gram string of the *original* vocabulary (dropped words included,
///   the words that become out-of-vocabulary) is hashed again (fnv1a % buckets); new row j is
///   the average of the old rows its strings came from, each weighted by the number of times a
///   vocabulary word contains it (old rows no word uses were never trained and are left out).
///   An OOV query then finds the same strings' (averaged) rows, so its vector degrades with
///   the collisions instead of losing n-grams.
/// - word n-grams: their strings are unknown, so `buckets` must divide the bucket count
///   (key % buckets == (key % bucket) % buckets); new row j averages old rows b with
///   b % buckets == j, weighted by their squared norm (rows that moved further from their
///   small random start carry more).
/// Kept words keep their vectors: whenever the char n-gram rows change (`buckets` differs from
/// the bucket count, 0 included), each kept word's own row is set to what makes the mean of its
/// subword rows (its own row and its n-gram rows under the new hashing, duplicates counted) its
/// original vector again, up to float rounding; supervised models keep each word's sum of
/// subword rows so. Not sent2vec, whose sentence vectors use the word rows alone (they are
/// kept as they are). Words without n-grams ("</s>") keep their row.
/// `buckets` == 0 drops every n-gram row (an OOV word then gets a zero vector). Reads the input
/// matrix row by row in file order (a mapped model is read once, never copied whole); what it
/// allocates is checked with the memory guard first (MemError).
void prune_model(Model& m, int64_t words, int64_t buckets);

/// Quantization's `cutoff` for unsupervised models: keeps the `words` most frequent words and
/// the char n-gram rows they use (through fastText's pruned index, which official fastText
/// reads too); every other n-gram row is dropped, so an OOV word gets the average of those of
/// its n-grams that a kept word also has (zeros when none). A model with word n-grams keeps
/// all its bucket rows (no word owns them: prune_model's `buckets` shrinks them).
void keep_words_and_their_ngrams(Model& m, int64_t words);

/// The input rows that hold trained values in a word model (every word row and the char n-gram
/// rows some vocabulary word uses), ascending; empty (meaning all) for a model with word
/// n-grams, whose rows no word lists.
std::vector<int64_t> trained_rows(const Model& m);

/// The input rows keep_words_and_their_ngrams would leave.
int64_t rows_after_keeping(const Model& m, int64_t words);

}  // namespace sentvec
