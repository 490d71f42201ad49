// Counter-based randomness for procedural data: every random quantity of a synthetic sample is a
// pure function of (seed, what, index, ...), so samples do not depend on the order or the thread in
// which they are generated (the same seed gives the same samples with any number of workers).
//
//   Rng rng(hash_values(seed, kStreamMotion, subject_hash, sequence));
//   const double x = rng.uniform(-1.0, 1.0);
#pragma once

#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <string_view>

namespace mvpose3d {

// SplitMix64's finaliser: a bijective 64-bit mixer with full avalanche.
inline std::uint64_t mix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Order-dependent combination of 64-bit values into one well-mixed key.
inline std::uint64_t hash_values(std::initializer_list<std::uint64_t> values) {
  std::uint64_t h = 0x51a3c0ffee5eedULL;
  for (const std::uint64_t v : values) h = mix64(h ^ mix64(v));
  return h;
}

// FNV-1a of the bytes, then mixed: stable across platforms and runs (unlike std::hash).
inline std::uint64_t hash_string(std::string_view s) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return mix64(h);
}

// xoshiro256** seeded through SplitMix64: small, fast, and good enough for rendering noise.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) {
    for (auto& s : s_) {
      seed += 0x9e3779b97f4a7c15ULL;
      s = mix64(seed);
    }
  }

  std::uint64_t next_u64() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }
  // Uniform in [lo, hi).
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  // Uniform integer in [0, n) for n > 0 (Lemire's multiply-shift; bias < n / 2^64).
  std::uint64_t below(std::uint64_t n) {
    return static_cast<std::uint64_t>((static_cast<unsigned __int128>(next_u64()) * n) >> 64);
  }
  // True with probability p.
  bool bernoulli(double p) { return uniform() < p; }
  // Standard normal (Box-Muller, one value per call).
  double normal() {
    const double u1 = 1.0 - uniform();  // (0, 1]
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }
  // An approximately normal value (Irwin-Hall of 4 uniforms, scaled to unit variance) from one
  // 64-bit draw: for pixel noise, where speed matters more than the tails.
  float fast_normal() {
    const std::uint64_t r = next_u64();
    const float sum =
        static_cast<float>((r & 0xffff) + ((r >> 16) & 0xffff) + ((r >> 32) & 0xffff) + (r >> 48));
    return (sum * (1.0f / 65536.0f) - 2.0f) * 1.7320508f;
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t s_[4];
};

}  // namespace mvpose3d
