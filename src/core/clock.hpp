// The one source of "now": injected everywhere so tests and demos can run on their own time.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>

#include "core/time.hpp"

namespace psm {

// A reading of monotonic time: for timers, intervals and rates, never for the polling day.
using SteadyTime = std::chrono::steady_clock::time_point;

class ClockCondition;

// Thread-safe; Now() and SteadyNow() never block.
class Clock {
 public:
  virtual ~Clock() = default;
  // The polling day's time: wall time, or a demo's scaled time.
  virtual Instant Now() const = 0;
  // Monotonic time for timers, intervals and rate limits. Every production clock runs it at real
  // speed (a demo's speed scales Now() only), so a flush interval or a request budget means the
  // same in a demo as in an election.
  virtual SteadyTime SteadyNow() const = 0;

 private:
  friend class ClockCondition;
  // Blocks on `cv`, `lock` held on entry and on return, until it is notified, SteadyNow()
  // reaches `deadline`, or spuriously. Real clocks wait in real time.
  virtual void Wait(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                    SteadyTime deadline) const {
    cv.wait_until(lock, deadline);
  }
  // A clock moved by hand wakes the conditions waiting on it when it moves; real clocks need
  // no list, time passing wakes their waiters.
  virtual void Attach(ClockCondition&) const {}
  virtual void Detach(ClockCondition&) const {}
};

// Real wall-clock time.
class SystemClock final : public Clock {
 public:
  Instant Now() const override;
  SteadyTime SteadyNow() const override;
};

// Starts at `start` when constructed and runs `speed` times faster than real time. Used by
// `psm serve --clock-start HH:MM --clock-speed N` for demos and simulations. SteadyNow() is
// real time.
class ScaledClock final : public Clock {
 public:
  // Reads `start` now, or, with `origin` (a wall-clock time, e.g. when the first node of a
  // cluster started), read `start` at `origin`: nodes given the same origin keep one clock.
  ScaledClock(Instant start, double speed, std::optional<Instant> origin = std::nullopt);
  Instant Now() const override;
  SteadyTime SteadyNow() const override;

 private:
  Instant start_;
  SteadyTime real_start_;
  double speed_;
};

}  // namespace psm
