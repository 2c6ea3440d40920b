// Clocks and ClockCondition: real clocks wait in real time, a FakeClock only when a test moves it.
#include "core/clock.hpp"

#include <gtest/gtest.h>

#include <future>
#include <mutex>

#include "core/clock_condition.hpp"
#include "core/testing/fake_clock.hpp"

namespace psm {
namespace {

using psm::testing::FakeClock;

using namespace std::chrono_literals;

const Instant kStart = *ParseRfc3339("2026-11-30T01:30:00Z");

TEST(Clock, RealClocksReadTheSteadyClockAtRealSpeed) {
  SystemClock system;
  ScaledClock scaled(kStart, 60.0);  // a demo's speed scales Now() only
  for (const Clock* clock : std::initializer_list<const Clock*>{&system, &scaled}) {
    const SteadyTime before = std::chrono::steady_clock::now();
    const SteadyTime reading = clock->SteadyNow();
    EXPECT_LE(before, reading);
    EXPECT_LE(reading, std::chrono::steady_clock::now());
  }
}

TEST(Clock, ScaledClocksGivenOneOriginShowOneTime) {
  // Two nodes of a cluster started ten seconds apart, both told the first one's start.
  const Instant origin = SystemClock().Now() - std::chrono::seconds(10);
  ScaledClock late(kStart, 60.0, origin);
  ScaledClock fresh(kStart, 60.0);
  const auto ahead = late.Now() - fresh.Now();
  EXPECT_GE(ahead, std::chrono::seconds(599));  // ten real seconds at 60×
  EXPECT_LE(ahead, std::chrono::seconds(601));
}

TEST(Clock, FakeClockMovesOnlyWhenTold) {
  FakeClock clock(kStart);
  const SteadyTime steady = clock.SteadyNow();
  EXPECT_EQ(clock.Now(), kStart);
  EXPECT_GE(steady - SteadyTime{}, 24h) << "'long ago' is in the past";
  clock.Advance(1500ms);
  EXPECT_EQ(clock.Now(), kStart + 1500ms);
  EXPECT_EQ(clock.SteadyNow(), steady + 1500ms);
  clock.Set(kStart - 1h);  // the polling day may be set anywhere; steady time never jumps
  EXPECT_EQ(clock.Now(), kStart - 1h);
  EXPECT_EQ(clock.SteadyNow(), steady + 1500ms);
}

// A thread waiting on a ClockCondition until `deadline`, with a predicate the test sets.
struct Waiter {
  explicit Waiter(const Clock& clock) : cond(clock, mu) {}
  std::future<bool> WaitUntil(SteadyTime deadline) {
    return std::async(std::launch::async, [this, deadline] {
      std::unique_lock lock(mu);
      return cond.WaitUntil(lock, deadline, [&] { return ready; });
    });
  }
  void MakeReady() {
    {
      std::lock_guard lock(mu);
      ready = true;
    }
    cond.NotifyAll();
  }
  std::mutex mu;
  ClockCondition cond;
  bool ready = false;
};

TEST(ClockCondition, AFakeClockWakesWaitersWhenItReachesTheirDeadline) {
  FakeClock clock(kStart);
  Waiter waiter(clock);
  const SteadyTime deadline = clock.SteadyNow() + 10s;
  auto waited = waiter.WaitUntil(deadline);
  ASSERT_TRUE(clock.AwaitWaiter(deadline));
  clock.Advance(9999ms);
  ASSERT_TRUE(clock.AwaitWaiter(deadline)) << "woken short of its deadline, it waits on";
  EXPECT_EQ(waited.wait_for(0s), std::future_status::timeout);
  clock.Advance(1ms);
  EXPECT_FALSE(waited.get()) << "timed out, the predicate still false";
}

TEST(ClockCondition, ANotifyEndsTheWaitBeforeTheDeadline) {
  FakeClock clock(kStart);
  Waiter waiter(clock);
  const SteadyTime deadline = clock.SteadyNow() + 10s;
  auto waited = waiter.WaitUntil(deadline);
  ASSERT_TRUE(clock.AwaitWaiter(deadline));
  waiter.MakeReady();
  EXPECT_TRUE(waited.get());
  EXPECT_FALSE(clock.AwaitWaiter(deadline, 0ms)) << "the wait has ended";
}

TEST(ClockCondition, APassedDeadlineDoesNotWait) {
  FakeClock clock(kStart);
  Waiter waiter(clock);
  EXPECT_FALSE(waiter.WaitUntil(clock.SteadyNow()).get());
}

TEST(ClockCondition, ARealClockWaitsInRealTime) {
  SystemClock clock;
  Waiter waiter(clock);
  const SteadyTime deadline = clock.SteadyNow() + 1ms;
  EXPECT_FALSE(waiter.WaitUntil(deadline).get());
  EXPECT_GE(clock.SteadyNow(), deadline);
}

}  // namespace
}  // namespace psm
