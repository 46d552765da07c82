#include "dictionary_build.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <exception>
#include <mutex>
#include <unordered_set>

#include "errors.h"
#include "hashing.h"
#include "corpus.h"
#include "line_reader.h"
#include "parallel.h"
#include "tokenizer.h"

namespace sentvec {

namespace {

/// Counting table: open addressing on fastText's 32-bit hash, power-of-two size, grown at
/// half load. Keeps entries in first-occurrence order.
class Counter {
 public:
  Counter() { table_.assign(1 << 16, -1); }

  void add(std::string_view w) { add(w, fnv1a32(w), 1); }

  /// Adds `other`'s counts, its new entries after ours in its order (the counts of the
  /// concatenation of the two texts).
  void merge(Counter&& other) {
    for (size_t i = 0; i < other.entries_.size(); ++i)
      add(std::move(other.entries_[i].word), other.hashes_[i], other.entries_[i].count);
    other = Counter();
  }

  size_t size() const { return entries_.size(); }
  bool contains(std::string_view w) const {
    const uint32_t h = fnv1a32(w);
    const size_t mask = table_.size() - 1;
    for (size_t s = h & mask; table_[s] >= 0; s = (s + 1) & mask)
      if (hashes_[table_[s]] == h && entries_[table_[s]].word == w) return true;
    return false;
  }
  std::vector<Entry>& entries() { return entries_; }

  /// Drops entries with count < min_count, keeping the order of the others.
  void prune(int64_t min_count) {
    size_t k = 0;
    for (size_t i = 0; i < entries_.size(); ++i) {
      if (entries_[i].count < min_count) continue;
      if (k != i) {
        entries_[k] = std::move(entries_[i]);
        hashes_[k] = hashes_[i];
      }
      ++k;
    }
    entries_.resize(k);
    hashes_.resize(k);
    rehash(table_.size());
  }

 private:
  template <typename W>
  void add(W&& w, uint32_t h, int64_t count) {
    size_t mask = table_.size() - 1;
    size_t s = h & mask;
    while (true) {
      int32_t id = table_[s];
      if (id < 0) break;
      if (hashes_[id] == h && entries_[id].word == w) {
        entries_[id].count += count;
        return;
      }
      s = (s + 1) & mask;
    }
    Entry e;
    e.word = std::string(std::forward<W>(w));
    e.count = count;
    table_[s] = static_cast<int32_t>(entries_.size());
    entries_.push_back(std::move(e));
    hashes_.push_back(h);
    if (entries_.size() * 2 > table_.size()) rehash(table_.size() * 2);
  }

  void rehash(size_t n) {
    table_.assign(n, -1);
    const size_t mask = n - 1;
    for (size_t i = 0; i < entries_.size(); ++i) {
      size_t s = hashes_[i] & mask;
      while (table_[s] >= 0) s = (s + 1) & mask;
      table_[s] = static_cast<int32_t>(i);
    }
  }
  std::vector<int32_t> table_;
  std::vector<Entry> entries_;
  std::vector<uint32_t> hashes_;
};

}  // namespace

namespace {

/// The counting pass over `src`: every token with its count, in first-occurrence order
/// (fastText's one pass, with its raising of the minimum count when the table fills).
struct Counted {
  Counter counter;
  VocabStats stats;
};

// ---- the counting pass on several threads

// The first line start at or after byte `off` (the size at the end).
int64_t line_start_from(const CorpusSource& src, int64_t off) {
  LineReader reader(src, "training corpus");
  if (off <= 0) return 0;
  reader.seek(off - 1);  // the rest of the line holding byte off - 1
  std::string_view line;
  while (reader.next(line))
    if (!line.empty() && line.back() == '\n') return reader.tell();
  return reader.file_size();
}

struct RangeCount {
  Counter counter;
  int64_t ntokens = 0;
  bool redo = false;  // the table filled, or a line was cut for length: one pass instead
};

// Counts the lines of [begin, end) (begin a line start). `check` (the calling thread only) or
// `stop` (set when another range failed) end it early.
void count_range(const CorpusSource& src, int64_t begin, int64_t end, size_t full_at,
                 const std::function<void()>* check, const std::atomic<bool>& stop,
                 RangeCount& out) {
  LineReader reader(src, "training corpus");
  if (begin > 0) reader.seek(begin);
  constexpr int64_t kPollBytes = int64_t(1) << 16;
  std::chrono::steady_clock::time_point last_check{};  // the first poll checks
  int64_t unpolled = 0;
  std::string_view line;
  while (reader.tell() < end && reader.next(line)) {
    // A piece without its newline before the end of the file is a line cut for length: where
    // the cut falls depends on where reading started.
    if ((line.empty() || line.back() != '\n') && reader.tell() < reader.file_size()) {
      out.redo = true;
      return;
    }
    unpolled += static_cast<int64_t>(line.size());
    if (unpolled >= kPollBytes) {
      unpolled = 0;
      if (stop.load(std::memory_order_relaxed)) return;
      const auto now = std::chrono::steady_clock::now();
      if (check && *check && now - last_check > std::chrono::milliseconds(100)) {
        last_check = now;
        (*check)();
      }
    }
    for_each_token(line, [&](std::string_view tok) {
      ++out.ntokens;
      out.counter.add(tok);
      return true;
    });
    if (out.counter.size() > full_at) {
      out.redo = true;
      return;
    }
  }
}

// The counting pass over `nranges` byte ranges at once; false when it must be one pass.
bool count_in_ranges(const CorpusSource& src, const VocabOptions& opts, int64_t size,
                     int32_t nranges, Counted& out) {
  const auto full_at = static_cast<size_t>(0.75 * static_cast<double>(opts.max_vocab));
  std::vector<int64_t> at(static_cast<size_t>(nranges) + 1, size);
  at[0] = 0;
  for (int32_t r = 1; r < nranges; ++r)
    at[r] = std::max(at[r - 1], line_start_from(src, size / nranges * r));
  std::vector<RangeCount> counts(static_cast<size_t>(nranges));
  std::atomic<bool> stop{false};
  std::exception_ptr err;
  std::mutex mu;
  auto run = [&](int32_t r, const std::function<void()>* check) {
    try {
      count_range(src, at[r], at[r + 1], full_at, check, stop, counts[r]);
    } catch (...) {
      std::lock_guard<std::mutex> g(mu);
      if (!err) err = std::current_exception();
      stop.store(true);
    }
    if (counts[r].redo) stop.store(true);
  };
  {
    ThreadGroup pool(nranges, 1);
    for (int32_t r = 1; r < nranges; ++r)
      pool.start([&run, r] { run(r, nullptr); }, [&] { stop.store(true); });
    run(0, &opts.check);
    pool.join();
  }
  if (err) std::rethrow_exception(err);
  for (const RangeCount& c : counts)
    if (c.redo) return false;
  Counter& total = out.counter;
  total = std::move(counts[0].counter);
  int64_t ntokens = counts[0].ntokens;
  for (size_t r = 1; r < counts.size(); ++r) {
    ntokens += counts[r].ntokens;
    total.merge(std::move(counts[r].counter));
    if (total.size() > full_at) return false;  // one pass would have pruned
  }
  out.stats.ntokens = ntokens;
  out.stats.distinct = static_cast<int64_t>(total.size());
  out.stats.prune_steps = 0;
  out.stats.bytes = size;
  return true;
}

void count_corpus(const CorpusSource& src, const VocabOptions& opts, Counted& out) {
  LineReader reader(src, "training corpus");  // a regular file, or IoError
  {
    const int64_t size = reader.file_size();
    // Ranges of at least half the threshold: each range's table holds the distinct tokens
    // of its text, so the memory stays that of about one table for the corpus.
    const int64_t by_size = size / std::max<int64_t>(1, opts.parallel_from_bytes / 2);
    const auto nranges =
        static_cast<int32_t>(std::min<int64_t>(opts.threads, std::max<int64_t>(1, by_size)));
    if (size >= opts.parallel_from_bytes && nranges > 1) {
      if (count_in_ranges(src, opts, size, nranges, out)) return;
      out = Counted();
    }
  }
  Counter& counter = out.counter;
  int64_t ntokens = 0, min_threshold = 1;
  int32_t prune_steps = 0;
  const auto threshold_when_full = static_cast<size_t>(0.75 * static_cast<double>(opts.max_vocab));
  std::string_view line;
  // Interrupts are checked by bytes read, not by lines: one line may be hundreds of MB (it
  // comes in pieces of at most 4 MB) and a corpus may have no newline at all.
  constexpr int64_t kCheckEveryBytes = int64_t(1) << 16;
  auto last_check = std::chrono::steady_clock::now();
  int64_t unchecked = 0;
  while (reader.next(line)) {
    unchecked += static_cast<int64_t>(line.size());
    if (opts.check && unchecked >= kCheckEveryBytes) {
      unchecked = 0;
      const auto now = std::chrono::steady_clock::now();
      if (now - last_check > std::chrono::milliseconds(100)) {
        last_check = now;
        opts.check();
      }
    }
    for_each_token(line, [&](std::string_view tok) {
      ++ntokens;
      counter.add(tok);
      if (counter.size() > threshold_when_full) {
        // fastText raises the minimum count of words and labels together when the table fills.
        ++min_threshold;
        ++prune_steps;
        counter.prune(min_threshold);
      }
      return true;
    });
  }
  out.stats.ntokens = ntokens;
  out.stats.distinct = static_cast<int64_t>(counter.size());
  out.stats.prune_steps = prune_steps;
  out.stats.bytes = reader.file_size();
}

[[noreturn]] void throw_empty(const CorpusSource& src) {
  throw ArgError("the training corpus '" + src.name() + "' is empty (no tokens): option 'input' " +
                 "must name a non-empty text file" +
                 (src.in_memory() ? " or hold at least one non-blank line" : ""));
}

}  // namespace

Dictionary build_dictionary(const Args& args, const CorpusSource& src, VocabStats* stats,
                            const VocabOptions& opts) {
  Counted counted;
  count_corpus(src, opts, counted);
  Counter& counter = counted.counter;
  const std::string path = src.name();
  const std::string& prefix = args.label;
  const int64_t ntokens = counted.stats.ntokens;
  // Extra words (of pretrained vectors) join the vocabulary whatever their count: count 1
  // when the corpus lacks them, their corpus count otherwise.
  std::unordered_set<std::string_view> extra;
  if (opts.extra_words) {
    for (const auto& w : *opts.extra_words) {
      if (w.compare(0, args.label.size(), args.label) == 0 || w.empty()) continue;
      if (!counter.contains(w)) counter.add(w);
      extra.insert(w);
    }
  }

  const VocabStats& s = counted.stats;
  if (stats) *stats = s;
  if (ntokens == 0) throw_empty(src);

  // Types, thresholds, then a stable sort: words before labels, descending counts.
  std::vector<Entry> kept;
  kept.reserve(counter.size());
  for (Entry& e : counter.entries()) {
    e.type = e.word.compare(0, prefix.size(), prefix) == 0 ? EntryType::kLabel : EntryType::kWord;
    const int64_t need = e.type == EntryType::kWord ? args.min_count : args.min_count_label;
    if (e.count >= need || (!extra.empty() && extra.count(e.word)))
      kept.push_back(std::move(e));
  }
  std::stable_sort(kept.begin(), kept.end(), [](const Entry& a, const Entry& b) {
    if (a.type != b.type) return a.type < b.type;
    return a.count > b.count;
  });
  int32_t nwords = 0, nlabels = 0;
  for (const Entry& e : kept) (e.type == EntryType::kWord ? nwords : nlabels)++;
  if (nwords == 0)
    throw ArgError("no word of '" + path + "' occurs at least minCount=" +
                   std::to_string(args.min_count) + " times (" + std::to_string(ntokens) +
                   " tokens, " + std::to_string(s.distinct) +
                   " distinct): lower option 'minCount' or use a larger corpus");
  if (args.supervised() && nlabels == 0)
    throw ArgError("no label in '" + path + "': a supervised corpus needs labels starting with " +
                   "the prefix '" + prefix + "' (option 'label')" +
                   (args.min_count_label > 1
                        ? " occurring at least minCountLabel=" + std::to_string(args.min_count_label) + " times"
                        : std::string()));

  Dictionary d;
  d.set_args(args);
  d.assign(std::move(kept), nwords, nlabels, ntokens, -1, {});
  return d;
}

std::vector<float> keep_probabilities(const Dictionary& dict, double t) {
  std::vector<float> p(dict.size(), 1.f);
  const double total = static_cast<double>(std::max<int64_t>(1, dict.ntokens()));
  for (int32_t i = 0; i < dict.nwords(); ++i) {
    const double f = static_cast<double>(dict.entry(i).count) / total;
    p[i] = static_cast<float>(std::sqrt(t / f) + t / f);
  }
  return p;
}

}  // namespace sentvec

namespace sentvec {

Dictionary extend_dictionary(const Dictionary& old, const Args& args, const CorpusSource& src,
                             bool grow, bool eos_subwords, VocabStats* stats,
                             const VocabOptions& opts) {
  Counted counted;
  count_corpus(src, opts, counted);
  if (stats) *stats = counted.stats;
  if (counted.stats.ntokens == 0) throw_empty(src);
  const std::string& prefix = args.label;

  std::vector<Entry> words, labels;
  for (int32_t i = 0; i < old.size(); ++i) {
    Entry e;
    e.word = old.entry(i).word;
    e.count = old.entry(i).count;
    e.type = old.entry(i).type;
    (e.type == EntryType::kWord ? words : labels).push_back(std::move(e));
  }
  const size_t old_words = words.size(), old_labels = labels.size();
  // Counts of known entries add up; unknown ones that reach the thresholds in the new text
  // are appended (ids of the old entries never move), by descending count, ties in order.
  std::vector<Entry> new_words, new_labels;
  for (Entry& e : counted.counter.entries()) {
    const int32_t id = old.get_id(e.word);
    if (id >= 0) {
      Entry& known = id < old.nwords() ? words[id] : labels[id - old.nwords()];
      known.count += e.count;
      continue;
    }
    if (!grow) continue;
    e.type = e.word.compare(0, prefix.size(), prefix) == 0 ? EntryType::kLabel : EntryType::kWord;
    const int64_t need = e.type == EntryType::kWord ? args.min_count : args.min_count_label;
    if (e.count >= need) (e.type == EntryType::kWord ? new_words : new_labels).push_back(std::move(e));
  }
  auto by_count = [](const Entry& a, const Entry& b) { return a.count > b.count; };
  std::stable_sort(new_words.begin(), new_words.end(), by_count);
  std::stable_sort(new_labels.begin(), new_labels.end(), by_count);
  for (Entry& e : new_words) words.push_back(std::move(e));
  for (Entry& e : new_labels) labels.push_back(std::move(e));
  if (stats) {
    stats->added_words = static_cast<int32_t>(words.size() - old_words);
    stats->added_labels = static_cast<int32_t>(labels.size() - old_labels);
  }
  const auto nwords = static_cast<int32_t>(words.size());
  const auto nlabels = static_cast<int32_t>(labels.size());
  for (Entry& e : labels) words.push_back(std::move(e));

  Dictionary d;
  d.set_args(args);
  d.assign(std::move(words), nwords, nlabels, old.ntokens() + counted.stats.ntokens, -1, {},
           eos_subwords);
  return d;
}

}  // namespace sentvec
