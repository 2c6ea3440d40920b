// Test support: a Clock that moves only when a test moves it, and wakes the ClockConditions
// waiting on it when it passes their deadlines, so timers run without sleeping.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <utility>
#include <vector>

#include "core/clock.hpp"

namespace psm::testing {

// A clock tests move by hand. Both readings stand still until the test moves them; a thread
// waiting on a ClockCondition for a SteadyNow() deadline wakes when Advance() reaches it, so a
// test runs a component's timers without sleeping. Thread-safe.
class FakeClock final : public Clock {
 public:
  // SteadyNow() starts a day after the steady clock's epoch, as on a machine that has been up a
  // while, so "long ago" (SteadyTime{}) is at least a day in the past.
  explicit FakeClock(Instant t);
  ~FakeClock() override;
  Instant Now() const override { return Instant(Millis(now_.load())); }
  SteadyTime SteadyNow() const override { return SteadyTime(Millis(steady_.load())); }
  // Sets Now() only: monotonic time never jumps.
  void Set(Instant t) { now_.store(t.time_since_epoch().count()); }
  // Moves Now() and SteadyNow() by `d` (negative only to test code that must bear a late
  // reading), then wakes every waiter on this clock to check its deadline again.
  void Advance(Millis d);
  // Blocks until a thread waits on this clock for `deadline`, having started that wait since the
  // last Advance(), or until `timeout` of real time has passed; returns whether one did. A test
  // calls it to know a component has reached its timed wait, before checking what it has not
  // done yet and before advancing.
  bool AwaitWaiter(SteadyTime deadline,
                   std::chrono::milliseconds timeout = std::chrono::seconds(30)) const;

 private:
  void Wait(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
            SteadyTime deadline) const override;
  void Attach(ClockCondition& c) const override;
  void Detach(ClockCondition& c) const override;

  std::atomic<long long> now_;     // Now(), milliseconds since the Unix epoch
  std::atomic<long long> steady_;  // SteadyNow(), milliseconds since the steady epoch
  // Lock order: conditions_mu_, then a condition's own mutex, then waiters_mu_.
  mutable std::mutex conditions_mu_;
  mutable std::vector<ClockCondition*> conditions_;  // guarded by conditions_mu_
  mutable std::mutex waiters_mu_;
  mutable std::condition_variable waiter_added_;
  // The deadlines of the threads that started waiting since the last Advance(), each with a
  // ticket so a thread removes its own entry only. Guarded by waiters_mu_.
  mutable std::vector<std::pair<std::uint64_t, SteadyTime>> waiters_;
  mutable std::uint64_t next_ticket_ = 0;  // guarded by waiters_mu_
};

}  // namespace psm::testing
