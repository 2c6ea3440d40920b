// DemoRng: a small fixed pseudo-random generator (splitmix64) for the demo-data generator.
// Its output is defined here, not by the standard library, so a seed gives the same district
// with every compiler and platform (std::uniform_*_distribution is implementation-defined).
#pragma once

#include <cstdint>

namespace psm::sim {

// Not thread-safe; one instance per stream. Never blocks.
class DemoRng {
 public:
  explicit DemoRng(std::uint64_t seed) : state_(seed) {}

  // A stream derived from `seed` for one purpose (`tag`) and one index (e.g. an AC number),
  // so that the streams of different ACs and purposes do not overlap or depend on each other.
  static DemoRng For(std::uint64_t seed, std::uint64_t tag, std::uint64_t index) {
    DemoRng mix(seed ^ (tag * 0x9E3779B97F4A7C15ULL));
    const std::uint64_t a = mix.Next();
    DemoRng mix2(a ^ (index * 0xD1B54A32D192ED03ULL));
    return DemoRng(mix2.Next());
  }

  // The next 64 uniformly distributed bits (splitmix64).
  std::uint64_t Next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }

  // Uniform in [0, n) without modulo bias; n must be > 0.
  std::uint64_t Below(std::uint64_t n) {
    const std::uint64_t threshold = (0 - n) % n;  // 2^64 mod n
    for (;;) {
      const std::uint64_t x = Next();
      if (x >= threshold) return x % n;
    }
  }

  // Uniform in [lo, hi], both inclusive; lo <= hi.
  std::int64_t Between(std::int64_t lo, std::int64_t hi) {
    return lo + static_cast<std::int64_t>(Below(static_cast<std::uint64_t>(hi - lo) + 1));
  }

  // True with probability num/den.
  bool Chance(std::uint64_t num, std::uint64_t den) { return Below(den) < num; }

 private:
  std::uint64_t state_;
};

}  // namespace psm::sim
