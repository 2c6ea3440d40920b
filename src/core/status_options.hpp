// Tunables for deriving a station's status (staleness, service rate, wait range, trend).
// Defaults suit a station serving 45–60 voters an hour; tests and config may override them.
#pragma once

#include <chrono>

#include "core/time.hpp"

namespace psm {

struct StatusOptions {
  // A queue report older than this is stale; an open poll with no queue report for this long too.
  Millis stale_after = std::chrono::minutes(30);
  // Turnout reports in [now - rate_window, now] give the measured service rate.
  Millis rate_window = std::chrono::minutes(60);
  // Measured rates are clamped to [min, max] votes per minute; default used when unmeasurable.
  double min_rate_per_min = 0.3;
  double max_rate_per_min = 3.0;
  double default_rate_per_min = 1.0;
  // How far a report's observed_at may run ahead of the server's clock (phone clocks drift).
  Millis max_future_skew = std::chrono::minutes(2);
  // Queue reports in [now - trend_window, now] decide the trend.
  Millis trend_window = std::chrono::minutes(45);
};

}  // namespace psm
