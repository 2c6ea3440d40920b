// FakeClock: time that moves only when a test moves it, and wakes the waiters it passes.
#include "core/testing/fake_clock.hpp"

#include <algorithm>
#include <cassert>

#include "core/clock_condition.hpp"

namespace psm::testing {

FakeClock::FakeClock(Instant t)
    : now_(t.time_since_epoch().count()),
      steady_(std::chrono::duration_cast<Millis>(std::chrono::hours(24)).count()) {}

FakeClock::~FakeClock() {
  std::lock_guard lock(conditions_mu_);
  assert(conditions_.empty() && "a ClockCondition outlived its clock");
}

void FakeClock::Advance(Millis d) {
  {
    // Moved with the list of waiters cleared under one lock: Wait() reads the clock and lists
    // its thread under the same lock, so a listed thread has seen this move.
    std::lock_guard lock(waiters_mu_);
    now_.fetch_add(d.count());
    steady_.fetch_add(d.count());
    waiters_.clear();
  }
  // A thread that read the clock before the move holds its condition's mutex until it waits;
  // Wake() takes that mutex, so its notify comes after the thread has started waiting.
  std::lock_guard lock(conditions_mu_);
  for (ClockCondition* c : conditions_)
    c->Wake();
}

bool FakeClock::AwaitWaiter(SteadyTime deadline, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(waiters_mu_);
  return waiter_added_.wait_for(lock, timeout, [&] {
    return std::any_of(waiters_.begin(), waiters_.end(),
                       [&](const auto& w) { return w.second == deadline; });
  });
}

void FakeClock::Wait(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                     SteadyTime deadline) const {
  std::uint64_t ticket = 0;
  {
    std::lock_guard waiters(waiters_mu_);
    if (SteadyNow() >= deadline) return;
    ticket = next_ticket_++;
    waiters_.emplace_back(ticket, deadline);
  }
  waiter_added_.notify_all();
  // Only a notify ends this wait (or a spurious wake-up): the condition's owner's, or the one
  // Advance() sends through Wake().
  cv.wait(lock);
  std::lock_guard waiters(waiters_mu_);
  std::erase_if(waiters_, [&](const auto& w) { return w.first == ticket; });
}

void FakeClock::Attach(ClockCondition& c) const {
  std::lock_guard lock(conditions_mu_);
  conditions_.push_back(&c);
}

void FakeClock::Detach(ClockCondition& c) const {
  std::lock_guard lock(conditions_mu_);
  std::erase(conditions_, &c);
}

}  // namespace psm::testing
