// The server's polling-day clock as the simulator sees it: readings of `now` from
// GET /api/v1/district, extrapolated at the server's speed (given, or measured from readings).
#pragma once

#include <chrono>
#include <mutex>
#include <optional>

#include "core/time.hpp"

namespace psm::sim {

using RealTime = std::chrono::steady_clock::time_point;

// Thread-safe; nothing blocks but a short mutex.
class ServerClock {
 public:
  // `speed` > 0: the server runs that many times real time; 0: measure it from readings.
  explicit ServerClock(double speed) : fixed_speed_(speed) {}

  // The server said `server_now` at real time `at` (best: the middle of the request).
  void Observe(Instant server_now, RealTime at);
  // The server's time at real time `at`; nullopt before the first reading (and, when the speed
  // is measured, before two readings at least 200 ms apart).
  std::optional<Instant> Now(RealTime at) const;
  // The speed in use (given or measured); 0 while unknown.
  double Speed() const;

 private:
  double SpeedLocked() const;

  mutable std::mutex mu_;
  double fixed_speed_;
  std::optional<std::pair<Instant, RealTime>> first_;
  std::optional<std::pair<Instant, RealTime>> last_;
};

}  // namespace psm::sim
