// The one source of "now": injected everywhere so tests and demos can run on their own time.
#pragma once

#include <atomic>
#include <chrono>

#include "core/time.hpp"

namespace psm {

// Thread-safe; Now() never blocks.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual Instant Now() const = 0;
};

// Real wall-clock time.
class SystemClock final : public Clock {
 public:
  Instant Now() const override;
};

// Starts at `start` when constructed and runs `speed` times faster than real time. Used by
// `psm serve --clock-start HH:MM --clock-speed N` for demos and simulations.
class ScaledClock final : public Clock {
 public:
  ScaledClock(Instant start, double speed);
  Instant Now() const override;

 private:
  Instant start_;
  std::chrono::steady_clock::time_point real_start_;
  double speed_;
};

// A clock tests move by hand.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(Instant t) : now_(t.time_since_epoch().count()) {}
  Instant Now() const override { return Instant(Millis(now_.load())); }
  void Set(Instant t) { now_.store(t.time_since_epoch().count()); }
  void Advance(Millis d) { now_.fetch_add(d.count()); }

 private:
  std::atomic<long long> now_;
};

}  // namespace psm
