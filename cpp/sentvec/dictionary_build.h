// Building a training vocabulary from a corpus file (fastText's one counting pass).
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "args.h"
#include "corpus.h"
#include "dictionary.h"

namespace sentvec {

/// What the counting pass saw, for messages and progress.
struct VocabStats {
  int64_t ntokens = 0;        ///< every token read (OOV, labels and "</s>" included)
  int64_t distinct = 0;       ///< distinct tokens before minCount
  int32_t prune_steps = 0;    ///< times the minimum count was raised because the table was full
  int64_t bytes = 0;          ///< size of the corpus file (or memory corpus)
  int32_t added_words = 0;    ///< extend_dictionary: words appended
  int32_t added_labels = 0;   ///< extend_dictionary: labels appended
};

/// Options of the counting pass that are not model hyperparameters.
struct VocabOptions {
  /// fastText's vocabulary table size: when more than 75% of it is used, the minimum count
  /// is raised by one and rarer entries are dropped, as often as needed.
  int64_t max_vocab = 30000000;
  /// Extra words that join the vocabulary whatever minCount says (count 1 when the corpus
  /// lacks them): fastText adds the words of pretrained vectors to the vocabulary.
  const std::vector<std::string>* extra_words = nullptr;
  /// Called about every 0.1 s while counting, on the calling thread; may throw to abort
  /// (Ctrl-C).
  std::function<void()> check;
  /// Threads of the counting pass. Byte ranges that start at line starts
  /// are counted apart and merged in order: the counts and first-occurrence order of one
  /// pass. A corpus whose distinct tokens fill the table (fastText then raises the minimum
  /// count as it goes) or that has a line cut for length is counted again in one pass.
  int32_t threads = 1;
  /// Corpora smaller than this are counted on one thread.
  int64_t parallel_from_bytes = int64_t(1) << 20;
};

/// Counts every token of `path` and returns the dictionary of a new model: words with count
/// >= args.min_count and labels with count >= args.min_count_label, words first then labels,
/// each by descending count; ties keep first-occurrence order (a stable sort, unlike fastText).
/// Subwords are computed for args.minn/maxn/bucket. Throws IoError (missing/unreadable file)
/// or ArgError (empty corpus, no word left after minCount, no label for supervised).
Dictionary build_dictionary(const Args& args, const CorpusSource& src, VocabStats* stats = nullptr,
                            const VocabOptions& opts = VocabOptions());

/// The dictionary for training `old`'s model further on `src`: every entry of `old` keeps its
/// id, with count = old count + its count in `src`; with `grow`, words of `src` not in `old`
/// that occur >= args.min_count times there are appended after the old words, and labels
/// (supervised) >= args.min_count_label times after the old labels, each group by descending
/// count. ntokens = old ntokens + the tokens of `src`, so subsampling and the negative table
/// see the combined counts. Labels ids (id - nwords) are unchanged; word ids of labels move
/// by the number of added words. Throws as build_dictionary for an unreadable or empty corpus.
Dictionary extend_dictionary(const Dictionary& old, const Args& args, const CorpusSource& src,
                             bool grow, bool eos_subwords, VocabStats* stats = nullptr,
                             const VocabOptions& opts = VocabOptions());

/// The keep probability of each word for subsampling with threshold t (fastText's
/// sqrt(t/f) + t/f with f = count/ntokens); 1 for labels.
std::vector<float> keep_probabilities(const Dictionary& dict, double t);

}  // namespace sentvec
