// Latency histogram and wait-accuracy counters.
#include "sim/sim_stats.hpp"

#include <algorithm>
#include <cmath>

namespace psm::sim {
namespace {

constexpr double kMinMillis = 0.01;
constexpr double kGrowth = 1.04;

double UpperEdge(int bucket) {
  return kMinMillis * std::pow(kGrowth, bucket);
}

}  // namespace

void LatencyHistogram::Record(double millis) {
  int bucket = 0;
  if (millis > kMinMillis) {
    bucket = static_cast<int>(std::ceil(std::log(millis / kMinMillis) / std::log(kGrowth)));
  }
  bucket = std::clamp(bucket, 0, kBuckets - 1);
  std::lock_guard lock(mu_);
  ++counts_[static_cast<std::size_t>(bucket)];
  ++total_;
}

double LatencyHistogram::Quantile(double q) const {
  std::lock_guard lock(mu_);
  if (total_ == 0) return 0;
  const auto rank = static_cast<std::uint64_t>(std::ceil(std::clamp(q, 0.0, 1.0) * total_));
  std::uint64_t seen = 0;
  for (int b = 0; b < kBuckets; ++b) {
    seen += counts_[static_cast<std::size_t>(b)];
    if (seen >= std::max<std::uint64_t>(rank, 1)) return UpperEdge(b);
  }
  return UpperEdge(kBuckets - 1);
}

std::uint64_t LatencyHistogram::Count() const {
  std::lock_guard lock(mu_);
  return total_;
}

void AccuracyStats::Add(double true_wait, int low, int high) {
  const double mid = (low + high) / 2.0;
  std::lock_guard lock(mu_);
  ++n_;
  abs_error_sum_ += std::abs(true_wait - mid);
  if (true_wait >= low && true_wait <= high) ++inside_;
  if (true_wait > high) ++above_;
}

std::uint64_t AccuracyStats::Count() const {
  std::lock_guard lock(mu_);
  return n_;
}

double AccuracyStats::MeanAbsError() const {
  std::lock_guard lock(mu_);
  return n_ == 0 ? 0 : abs_error_sum_ / static_cast<double>(n_);
}

double AccuracyStats::InsideShare() const {
  std::lock_guard lock(mu_);
  return n_ == 0 ? 0 : static_cast<double>(inside_) / static_cast<double>(n_);
}

double AccuracyStats::AboveShare() const {
  std::lock_guard lock(mu_);
  return n_ == 0 ? 0 : static_cast<double>(above_) / static_cast<double>(n_);
}

}  // namespace psm::sim
