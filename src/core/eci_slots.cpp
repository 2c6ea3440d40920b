// ECI slot times and a station's turnout value at each slot.
#include "core/eci_slots.hpp"

#include <cstdio>

#include <string>

namespace psm {
namespace {

constexpr const char* kCloseLabel = "close";
constexpr int kSlotHours[] = {9, 11, 13, 15, 17};

SlotValue PendingOrMissing(const EciSlot& slot, Instant now) {
  return SlotValue{now < slot.counts_until ? SlotValueState::kPending : SlotValueState::kMissing,
                   Counts{}, std::nullopt};
}

}  // namespace

std::vector<EciSlot> EciSlots(const PollingDay& day) {
  std::vector<EciSlot> slots;
  for (int hour : kSlotHours) {
    const Instant at = day.At(std::chrono::hours(hour));
    char label[8];
    std::snprintf(label, sizeof label, "%02d:00", hour % 100);
    slots.push_back(EciSlot{label, at, at + kSlotGrace});
  }
  const Instant close = day.ClosesAt();
  slots.push_back(EciSlot{kCloseLabel, close, close + kSlotGrace});
  return slots;
}

SlotValue TurnoutForSlot(const StationLedger& ledger, const EciSlot& slot, Instant now) {
  const std::vector<Report>& turnout = ledger.turnout_reports();
  if (slot.label == kCloseLabel) {
    if (!ledger.poll_closed_at() || turnout.empty()) return PendingOrMissing(slot, now);
    const Report& last = turnout.back();
    return SlotValue{SlotValueState::kReported, last.counts, last.observed_at};
  }
  // A slot still ahead has no value yet, whatever was reported earlier in the day.
  if (now < slot.at) return SlotValue{SlotValueState::kPending, {}, {}};
  // The latest report observed at or before counts_until.
  const Report* best = nullptr;
  for (const Report& r : turnout) {
    if (r.observed_at > slot.counts_until) break;
    best = &r;
  }
  if (best == nullptr) return PendingOrMissing(slot, now);
  return SlotValue{SlotValueState::kReported, best->counts, best->observed_at};
}

}  // namespace psm
