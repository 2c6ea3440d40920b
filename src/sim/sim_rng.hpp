// A small seeded random generator (SplitMix64) with the few draws the simulator needs.
// Own code rather than <random> distributions, whose output differs between standard libraries:
// a seed must give the same day everywhere.
#pragma once

#include <cstdint>

namespace psm::sim {

// Not thread-safe; give each thread or station its own.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}

  std::uint64_t Next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, 1).
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  double Uniform(double lo, double hi) { return lo + (hi - lo) * Uniform(); }
  // Uniform integer in [lo, hi] (hi ≥ lo).
  int UniformInt(int lo, int hi) {
    const auto span = static_cast<std::uint64_t>(hi - lo) + 1;
    return lo + static_cast<int>(Next() % span);
  }
  bool Chance(double p) { return Uniform() < p; }

 private:
  std::uint64_t state_;
};

}  // namespace psm::sim
