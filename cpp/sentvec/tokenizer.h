// fastText's tokenizer: tokens are split on space, \n, \r, \t, \v, \f and \0; a newline
// yields the end-of-sentence token "</s>".
#pragma once
#include <cstdint>
#include <string_view>

namespace sentvec {

constexpr std::string_view kEos = "</s>";
constexpr std::string_view kBow = "<";
constexpr std::string_view kEow = ">";

/// One bit per byte value below 64: which are fastText's separators.
constexpr uint64_t kFtSpaceBits = (uint64_t{1} << ' ') | (uint64_t{1} << '\n') |
                                  (uint64_t{1} << '\r') | (uint64_t{1} << '\t') |
                                  (uint64_t{1} << '\v') | (uint64_t{1} << '\f') | uint64_t{1};
inline bool is_ft_space(char c) {
  // One compare and a bit test instead of seven compares (a token's every byte asks).
  const auto u = static_cast<unsigned char>(c);
  return u <= ' ' && ((kFtSpaceBits >> u) & 1u);
}

/// Calls f(token) for every token of `text` in order, as fastText's readWord does:
/// each '\n' produces kEos. Stops early when f returns false.
template <typename F>
void for_each_token(std::string_view text, F&& f) {
  size_t i = 0, n = text.size();
  while (i < n) {
    char c = text[i];
    if (is_ft_space(c)) {
      ++i;
      if (c == '\n' && !f(kEos)) return;
      continue;
    }
    size_t j = i;
    while (j < n && !is_ft_space(text[j])) ++j;
    if (!f(text.substr(i, j - i))) return;
    i = j;
  }
}

/// Splits like C++ `istream >> std::string` in the C locale (no \0 split, no EOS token);
/// fastText's unsupervised sentence vector reads words this way.
template <typename F>
void for_each_word_isspace(std::string_view text, F&& f) {
  auto sp = [](char c) {
    return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\v' || c == '\f';
  };
  size_t i = 0, n = text.size();
  while (i < n) {
    if (sp(text[i])) { ++i; continue; }
    size_t j = i;
    while (j < n && !sp(text[j])) ++j;
    f(text.substr(i, j - i));
    i = j;
  }
}

}  // namespace sentvec
