// System and scaled clocks.
#include "core/clock.hpp"

namespace psm {

Instant SystemClock::Now() const {
  return std::chrono::time_point_cast<Millis>(std::chrono::system_clock::now());
}

SteadyTime SystemClock::SteadyNow() const {
  return std::chrono::steady_clock::now();
}

ScaledClock::ScaledClock(Instant start, double speed, std::optional<Instant> origin)
    : start_(start), real_start_(std::chrono::steady_clock::now()), speed_(speed) {
  if (origin) real_start_ -= SystemClock().Now() - *origin;
}

Instant ScaledClock::Now() const {
  const auto real = std::chrono::steady_clock::now() - real_start_;
  const double scaled_ms = std::chrono::duration<double, std::milli>(real).count() * speed_;
  return start_ + Millis(static_cast<long long>(scaled_ms));
}

SteadyTime ScaledClock::SteadyNow() const {
  return std::chrono::steady_clock::now();
}

}  // namespace psm
