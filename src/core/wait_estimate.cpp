// Rate, wait and trend estimation from a station's queue and turnout reports.
#include "core/wait_estimate.hpp"

#include <algorithm>
#include <cmath>

namespace psm {
namespace {

constexpr double kMeasuredLow = 0.8;
constexpr double kMeasuredHigh = 1.25;
constexpr double kDefaultLow = 0.6;
constexpr double kDefaultHigh = 1.6;
// Guards floor/ceil against representation error (10 × 0.8 must stay 8, not 7.999…).
constexpr double kEpsilon = 1e-9;
// Waits are capped at a day: beyond that the number means nothing and must still fit an int.
constexpr double kMaxWaitMinutes = 24 * 60;
// Last resort when the configured rates are unusable (≤ 0): never divide by zero.
constexpr double kFallbackRate = 1.0;

double ToMinutes(Millis d) {
  return std::chrono::duration<double, std::ratio<60>>(d).count();
}

// Reports sorted by observed_at: the first with observed_at > t.
std::vector<Report>::const_iterator FirstAfter(const std::vector<Report>& v, Instant t) {
  return std::upper_bound(v.begin(), v.end(), t,
                          [](Instant x, const Report& r) { return x < r.observed_at; });
}

// The first with observed_at >= t.
std::vector<Report>::const_iterator FirstAtOrAfter(const std::vector<Report>& v, Instant t) {
  return std::lower_bound(v.begin(), v.end(), t,
                          [](const Report& r, Instant x) { return r.observed_at < x; });
}

}  // namespace

ServiceRate EstimateServiceRate(const std::vector<Report>& turnout, Instant now,
                                const StatusOptions& opts) {
  const double lo = opts.min_rate_per_min;
  const double hi = std::max(opts.max_rate_per_min, lo);
  double fallback = std::clamp(opts.default_rate_per_min, lo, hi);
  if (!(fallback > 0)) fallback = kFallbackRate;
  ServiceRate out{fallback, false};

  const Instant window_start = now - opts.rate_window;
  auto begin = FirstAtOrAfter(turnout, window_start);
  const auto end = FirstAfter(turnout, now);
  if (begin == end) return out;           // no report inside the window
  if (begin != turnout.begin()) --begin;  // the latest report before the window is the baseline
  const Report& first = *begin;
  const Report& last = *(end - 1);
  const Millis span = last.observed_at - first.observed_at;
  const std::int64_t served = last.counts.Total() - first.counts.Total();
  if (span < kMinRateSpan || served <= 0) return out;
  const double rate = std::clamp(static_cast<double>(served) / ToMinutes(span), lo, hi);
  if (!(rate > 0)) return out;
  return ServiceRate{rate, true};
}

WaitRange EstimateWait(std::int64_t queue_total, const ServiceRate& rate) {
  if (queue_total <= 0 || !(rate.per_min > 0)) return WaitRange{0, 0};
  const double wait = static_cast<double>(queue_total) / rate.per_min;
  const double low = std::min(wait * (rate.measured ? kMeasuredLow : kDefaultLow), kMaxWaitMinutes);
  const double high =
      std::min(wait * (rate.measured ? kMeasuredHigh : kDefaultHigh), kMaxWaitMinutes);
  return WaitRange{static_cast<int>(std::floor(low + kEpsilon)),
                   static_cast<int>(std::ceil(high - kEpsilon))};
}

Trend EstimateTrend(const std::vector<Report>& queue, Instant now, const StatusOptions& opts) {
  const auto begin = FirstAtOrAfter(queue, now - opts.trend_window);
  const auto end = FirstAfter(queue, now);
  if (begin == end) return Trend::kUnknown;
  const Report& latest = *(end - 1);
  // begin is the earliest in the window; it is the one to compare with if it is old enough.
  if (latest.observed_at - begin->observed_at < kMinTrendSpan) return Trend::kUnknown;
  const std::int64_t before = begin->counts.Total();
  const std::int64_t change = latest.counts.Total() - before;
  const double threshold = std::max(static_cast<double>(kTrendMinPeople),
                                    kTrendMinFraction * static_cast<double>(before));
  if (static_cast<double>(change) > threshold) return Trend::kRising;
  if (static_cast<double>(change) < -threshold) return Trend::kFalling;
  return Trend::kSteady;
}

}  // namespace psm
