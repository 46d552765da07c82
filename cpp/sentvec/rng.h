// A small, fast, seedable random generator for training (one per thread).
#pragma once
#include <array>
#include <cstdint>

#include "hashing.h"

namespace sentvec {

/// xoshiro-style generator with splitmix64 seeding: deterministic for a given seed on every
/// platform (unlike std:: distributions), cheap enough to draw once per token.
class Rng {
 public:
  explicit Rng(uint64_t seed = 0) { reseed(seed); }
  void reseed(uint64_t seed) {
    uint64_t x = seed;
    for (auto& s : s_) {
      x += 0x9e3779b97f4a7c15ull;
      s = mix64(x);
    }
  }
  /// The next 64 random bits.
  uint64_t next() {
    const uint64_t r = rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return r;
  }
  /// The whole generator state (checkpoints save it; set_state continues the same sequence).
  std::array<uint64_t, 4> state() const { return {s_[0], s_[1], s_[2], s_[3]}; }
  void set_state(const std::array<uint64_t, 4>& st) {
    for (int i = 0; i < 4; ++i) s_[i] = st[i];
  }
  /// Uniform float in [0, 1).
  float uniform() { return static_cast<float>(next() >> 40) * (1.0f / 16777216.0f); }
  /// Uniform integer in [0, n) for n >= 1.
  uint32_t below(uint32_t n) {
    return static_cast<uint32_t>(((next() >> 32) * static_cast<uint64_t>(n)) >> 32);
  }
  /// Uniform integer in [a, b] (inclusive), a <= b.
  int32_t between(int32_t a, int32_t b) {
    return a + static_cast<int32_t>(below(static_cast<uint32_t>(b - a + 1)));
  }

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

}  // namespace sentvec
