// Token hashes and the word n-gram key schemes (DESIGN.md section 3).
//
// Three schemes give the rows of word n-grams, chosen per model and stored in it:
//  - kFasttext: fastText's polynomial over sign-extended 32-bit FNV-1a token hashes.
//  - kSent2vec: the same polynomial over word ids, the training target replaced by id 0.
//    Leading zeros vanish like leading zeros of a number, so with the target (id 0) in front,
//    the span (0,6) equals (1,6); with two masked ids (0,6), (1,6) and (2,6) coincide.
//  - kSentvec: 64-bit keys with no structural collisions (see sentvec_ngram_*).
// for_each_word_ngram() is the one enumerator used by inference, training and the Python
// helper `sentvec.ngram_ids`, so the three can never disagree.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sentvec {

/// fastText's 32-bit FNV-1a over the bytes of a token. fastText xors in each byte
/// sign-extended from char, so bytes >= 0x80 contribute 0xFFFFFF80-style values.
/// The running form: fnv1a32 of s + t == fnv1a32_extend(fnv1a32(s), t), so the n-grams that
/// start at one position are hashed in one pass, each extending the last.
constexpr uint32_t kFnv1a32Basis = 2166136261u;
inline uint32_t fnv1a32_extend(uint32_t h, std::string_view s) {
  for (char c : s) {
    h ^= static_cast<uint32_t>(static_cast<int32_t>(static_cast<int8_t>(c)));
    h *= 16777619u;
  }
  return h;
}
inline uint32_t fnv1a32(std::string_view s) { return fnv1a32_extend(kFnv1a32Basis, s); }

/// fastText keeps a token's 32-bit hash in an int32 and widens it sign-extended before the
/// n-gram polynomial; this is that widened value.
inline uint64_t fasttext_key_of_hash(uint32_t h) {
  return static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(h)));
}
inline uint64_t fasttext_token_key(std::string_view s) { return fasttext_key_of_hash(fnv1a32(s)); }

/// Multiplier of fastText's and sent2vec's polynomial word n-gram key.
constexpr uint64_t kNgramMul = 116049371ull;

/// How the rows of word n-grams are computed; stored in each model.
enum class NgramScheme : int32_t {
  kFasttext = 0,  ///< polynomial over sign-extended 32-bit token hashes (official supervised)
  kSent2vec = 1,  ///< polynomial over word ids, target replaced by id 0 (reading sent2vec models)
  kSentvec = 2,   ///< injective 64-bit chain over 64-bit token keys, length-finalized
};

/// The finalizer of splitmix64: a bijective, well-mixing 64-bit function.
inline uint64_t mix64(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  x ^= x >> 31;
  return x;
}

constexpr uint64_t kGolden64 = 0x9e3779b97f4a7c15ull;
constexpr uint64_t kChainAdd = 0x632be59bd9b4e019ull;
/// Salts keep each key family independent of the others (token bytes, word n-grams).
constexpr uint64_t kTokenSalt = 0x7f4a7c159e3779b9ull;
constexpr uint64_t kWordNgramSalt = 0x5e47ec0d3a11ce55ull;

/// One step of the sentvec chains: a bijection of `state` for a fixed `word` and of `word`
/// for a fixed `state`. Two chains of equal length fed sequences that first differ at some
/// step differ from that step on (each later step is a bijection of the state), so keys of
/// equal-length inputs never collide; across lengths, the length-dependent seed or
/// finalization leaves only the 2^-64 chance of a random 64-bit function.
inline uint64_t chain_step(uint64_t state, uint64_t word) { return mix64(state ^ word) + kChainAdd; }

/// 64-bit key of a token's bytes for the sentvec scheme: seeded by the length, then a chain
/// over 8-byte little-endian words (the last one zero-padded). Independent of `char`
/// signedness, of the host's byte order and of vocabulary order; injective among tokens of
/// equal length.
inline uint64_t token_key64(std::string_view s) {
  const size_t n = s.size();
  const unsigned char* p = reinterpret_cast<const unsigned char*>(s.data());
  uint64_t h = mix64(kTokenSalt ^ (static_cast<uint64_t>(n) * kGolden64));
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w = 0;
    for (int b = 7; b >= 0; --b) w = (w << 8) | p[i + b];  // one unaligned load on x86
    h = chain_step(h, w);
  }
  if (i < n) {
    uint64_t w = 0;
    for (size_t b = n; b-- > i;) w = (w << 8) | p[b];
    h = chain_step(h, w);
  }
  return mix64(h);
}

/// Start of a sentvec word n-gram chain (before its first token).
constexpr uint64_t kSentvecNgramSeed = kWordNgramSalt;
/// The key of the n-gram whose chain `state` has absorbed `len` tokens: the length is mixed
/// in last, so spans of different length are unrelated 64-bit values.
inline uint64_t sentvec_ngram_final(uint64_t state, size_t len) {
  return mix64(state ^ (static_cast<uint64_t>(len) * kGolden64));
}
/// sentvec key of the n-gram of token keys keys[0..n).
inline uint64_t sentvec_ngram_key(const uint64_t* keys, size_t n) {
  uint64_t s = kSentvecNgramSeed;
  for (size_t i = 0; i < n; ++i) s = chain_step(s, keys[i]);
  return sentvec_ngram_final(s, n);
}

/// Calls f(start, end, key) for every word n-gram keys[start..end) with 2 <= end - start <= n,
/// by start, then by length (the order fastText and sent2vec add their rows in).
///  - kFasttext, kSent2vec: key = polynomial h = h * 116049371 + keys[j] (mod 2^64); `blocked`
///    is ignored (sent2vec's callers write id 0 over a masked target instead).
///  - kSentvec: no n-gram that contains a position with blocked[i] != 0 is visited: a masked
///    target, a dropped or an unknown token splits the line. `blocked` may be null.
/// The row of an n-gram is nwords + key % bucket (before any pruning remap).
template <typename F>
inline void for_each_word_ngram(NgramScheme scheme, const uint64_t* keys, const uint8_t* blocked,
                                size_t len, int32_t n, F&& f) {
  if (n <= 1) return;
  const size_t maxlen = static_cast<size_t>(n);
  if (scheme == NgramScheme::kSentvec) {
    for (size_t i = 0; i < len; ++i) {
      if (blocked && blocked[i]) continue;
      uint64_t s = chain_step(kSentvecNgramSeed, keys[i]);
      for (size_t j = i + 1; j < len && j - i < maxlen; ++j) {
        if (blocked && blocked[j]) break;
        s = chain_step(s, keys[j]);
        f(i, j + 1, sentvec_ngram_final(s, j + 1 - i));
      }
    }
    return;
  }
  for (size_t i = 0; i < len; ++i) {
    uint64_t h = keys[i];
    for (size_t j = i + 1; j < len && j - i < maxlen; ++j) {
      h = h * kNgramMul + keys[j];
      f(i, j + 1, h);
    }
  }
}

}  // namespace sentvec
