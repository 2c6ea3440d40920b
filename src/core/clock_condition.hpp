// A condition variable whose timed waits follow a Clock's SteadyNow(): on a real clock it is a
// std::condition_variable; on a FakeClock a test's Advance() wakes it as time passing would.
#pragma once

#include <condition_variable>
#include <mutex>

#include "core/clock.hpp"

namespace psm {

namespace testing {
class FakeClock;  // core/testing/fake_clock.hpp
}  // namespace testing

// Every wait holds the mutex given at construction. Notify and WaitUntil are thread-safe, like
// std::condition_variable's. Not copyable or movable: the clock keeps its address. Constructed
// and destroyed without that mutex held (a FakeClock moving takes its list's lock, then it).
class ClockCondition {
 public:
  // `clock` must outlive this; `mu` is the mutex every wait locks.
  ClockCondition(const Clock& clock, std::mutex& mu);
  ~ClockCondition();
  ClockCondition(const ClockCondition&) = delete;
  ClockCondition& operator=(const ClockCondition&) = delete;

  void NotifyOne() { cv_.notify_one(); }
  void NotifyAll() { cv_.notify_all(); }

  // Blocks until `pred()` is true or the clock's SteadyNow() reaches `deadline`; returns
  // `pred()`. `lock` holds the mutex given at construction, on entry and on return.
  template <typename Pred>
  bool WaitUntil(std::unique_lock<std::mutex>& lock, SteadyTime deadline, Pred pred) {
    while (!pred()) {
      if (clock_.SteadyNow() >= deadline) return pred();
      clock_.Wait(cv_, lock, deadline);
    }
    return true;
  }

 private:
  friend class testing::FakeClock;
  // Called by a FakeClock after it moved. Takes the mutex before notifying: a waiter that read
  // the clock before it moved held the mutex then, so it is blocked by now and gets the notify.
  void Wake();

  const Clock& clock_;
  std::mutex& mu_;
  std::condition_variable cv_;
};

}  // namespace psm
