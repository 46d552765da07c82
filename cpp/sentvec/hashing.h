// Token hashes and the word n-gram key schemes.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sentvec {

/// fastText's 32-bit FNV-1a over the bytes of a token. fastText xors in each byte
/// sign-extended from char, so bytes >= 0x80 contribute 0xFFFFFF80-style values.
inline uint32_t fnv1a32(std::string_view s) {
  uint32_t h = 2166136261u;
  for (char c : s) {
    h ^= static_cast<uint32_t>(static_cast<int32_t>(static_cast<int8_t>(c)));
    h *= 16777619u;
  }
  return h;
}

/// Multiplier of fastText's and sent2vec's polynomial word n-gram key.
constexpr uint64_t kNgramMul = 116049371ull;

/// How the rows of word n-grams are computed; stored in each model.
enum class NgramScheme : int32_t {
  kFasttext = 0,  ///< polynomial over sign-extended 32-bit token hashes (official supervised)
  kSent2vec = 1,  ///< polynomial over word ids, target replaced by id 0 (reading sent2vec models)
  kSentvec = 2,   ///< 64-bit length-salted non-linear chain over 64-bit token keys
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

/// 64-bit key of a token's bytes (independent of char signedness and vocabulary order).
inline uint64_t token_key64(std::string_view s) {
  uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a 64 over unsigned bytes, then a mixer
  for (char c : s) {
    h ^= static_cast<uint8_t>(c);
    h *= 0x100000001b3ull;
  }
  return mix64(h ^ (static_cast<uint64_t>(s.size()) * 0x9e3779b97f4a7c15ull));
}

/// Salts keep word n-gram keys independent from any other key family.
constexpr uint64_t kWordNgramSalt = 0x5e47ec0d3a11ce55ull;

/// sentvec n-gram key of tokens keys[0..n): the length enters first, then each token
/// through a bijective mixer, so spans of different length or content differ structurally.
inline uint64_t sentvec_ngram_key(const uint64_t* keys, size_t n) {
  uint64_t k = mix64(kWordNgramSalt ^ (static_cast<uint64_t>(n) * 0x9e3779b97f4a7c15ull));
  for (size_t i = 0; i < n; ++i) k = mix64(k ^ keys[i]) + 0x632be59bd9b4e019ull;
  return k;
}

}  // namespace sentvec
