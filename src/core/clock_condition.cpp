// ClockCondition: registration with its clock, and the wake-up a FakeClock sends when it moves.
#include "core/clock_condition.hpp"

namespace psm {

ClockCondition::ClockCondition(const Clock& clock, std::mutex& mu) : clock_(clock), mu_(mu) {
  clock_.Attach(*this);
}

ClockCondition::~ClockCondition() {
  clock_.Detach(*this);
}

void ClockCondition::Wake() {
  { std::lock_guard lock(mu_); }
  cv_.notify_all();
}

}  // namespace psm
