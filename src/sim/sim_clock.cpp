// Extrapolates the server's scaled clock from its readings.
#include "sim/sim_clock.hpp"

namespace psm::sim {

void ServerClock::Observe(Instant server_now, RealTime at) {
  std::lock_guard lock(mu_);
  if (!first_) first_ = {server_now, at};
  last_ = {server_now, at};
}

double ServerClock::SpeedLocked() const {
  if (fixed_speed_ > 0) return fixed_speed_;
  if (!first_ || !last_) return 0;
  const auto real = std::chrono::duration<double>(last_->second - first_->second).count();
  if (real < 0.2) return 0;
  const auto server = std::chrono::duration<double>(last_->first - first_->first).count();
  return server > 0 ? server / real : 0;
}

double ServerClock::Speed() const {
  std::lock_guard lock(mu_);
  return SpeedLocked();
}

std::optional<Instant> ServerClock::Now(RealTime at) const {
  std::lock_guard lock(mu_);
  const double speed = SpeedLocked();
  if (!last_ || speed <= 0) return std::nullopt;
  const auto real = std::chrono::duration<double, std::milli>(at - last_->second).count();
  return last_->first + Millis(static_cast<long long>(real * speed));
}

}  // namespace psm::sim
