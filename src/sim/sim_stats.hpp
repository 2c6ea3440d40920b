// Counters the simulator reports: a latency histogram (p50/p99) and the accuracy of the
// server's published waits against the model's true waits.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>

namespace psm::sim {

// Log-spaced latency buckets (≈ 4 % wide) from 10 µs to ~100 s. Thread-safe.
class LatencyHistogram {
 public:
  void Record(double millis);
  // The q-quantile (0 < q ≤ 1) in milliseconds, the upper edge of its bucket; 0 when empty.
  double Quantile(double q) const;
  std::uint64_t Count() const;

 private:
  static constexpr int kBuckets = 420;
  mutable std::mutex mu_;
  std::array<std::uint64_t, kBuckets> counts_{};
  std::uint64_t total_ = 0;
};

// Compares published wait ranges with true waits. Thread-safe.
class AccuracyStats {
 public:
  // One station-time: the model's true wait and the published [low, high].
  void Add(double true_wait, int low, int high);
  std::uint64_t Count() const;
  // Mean |true − (low + high) / 2| in minutes; 0 when empty.
  double MeanAbsError() const;
  // Share (0 … 1) of station-times whose true wait lay inside [low, high]; 0 when empty.
  double InsideShare() const;
  // Share whose true wait was above `high` (the estimate was too optimistic).
  double AboveShare() const;

 private:
  mutable std::mutex mu_;
  std::uint64_t n_ = 0;
  std::uint64_t inside_ = 0;
  std::uint64_t above_ = 0;
  double abs_error_sum_ = 0;
};

}  // namespace psm::sim
