// Service rate, wait range and queue trend: the estimates behind "how long will I wait?".
// Pure functions over a station's reports; StationLedger::Status composes them.
#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

#include "core/model.hpp"
#include "core/status_options.hpp"

namespace psm {

// A rate is only measured over at least this span of turnout reports; a trend compares queue
// reports at least this far apart. Shorter spans are mostly counting noise.
inline constexpr Millis kMinRateSpan = std::chrono::minutes(10);
inline constexpr Millis kMinTrendSpan = std::chrono::minutes(10);
// A queue change counts as rising/falling when it exceeds both of these.
inline constexpr std::int64_t kTrendMinPeople = 3;
inline constexpr double kTrendMinFraction = 0.15;

struct ServiceRate {
  double per_min = 0;     // votes per minute, within [min_rate_per_min, max_rate_per_min]
  bool measured = false;  // false: too little data, so default_rate_per_min was used
};

// The rate at which the station serves voters, from `turnout` (cumulative turnout reports sorted
// by observed_at). Uses the reports in [now - rate_window, now], plus the latest report before
// the window as a baseline when there is one. Measured only when the first and last of those are
// at least kMinRateSpan apart and the total grew; otherwise the default rate. Always clamped.
ServiceRate EstimateServiceRate(const std::vector<Report>& turnout, Instant now,
                                const StatusOptions& opts);

// The wait for a queue of `queue_total` people at `rate`, in whole minutes: queue / rate, then
// ×0.8 … ×1.25 when the rate was measured and ×0.6 … ×1.6 when it was defaulted; low floored,
// high ceiled, both capped at 24 h. An empty queue is {0, 0}.
WaitRange EstimateWait(std::int64_t queue_total, const ServiceRate& rate);

// The queue's direction from `queue` (queue reports sorted by observed_at): the latest report in
// [now - trend_window, now] against the earliest one in the window at least kMinTrendSpan older.
// A change larger than max(kTrendMinPeople, kTrendMinFraction × earlier total) is rising or
// falling, anything smaller steady; no such pair of reports → unknown.
Trend EstimateTrend(const std::vector<Report>& queue, Instant now, const StatusOptions& opts);

}  // namespace psm
