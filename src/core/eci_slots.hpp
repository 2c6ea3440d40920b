// The ECI turnout slots (09:00, 11:00, 13:00, 15:00, 17:00 and close) and a station's value at
// each: what the control room sends up the chain and the public turnout table shows.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/model.hpp"
#include "core/station_ledger.hpp"
#include "core/time.hpp"

namespace psm {

// Reports observed up to half past a slot still count for it (officers report on the hour and
// the figures are collected a little later).
inline constexpr Millis kSlotGrace = std::chrono::minutes(30);

struct EciSlot {
  std::string label;     // "09:00", "11:00", "13:00", "15:00", "17:00" or "close"
  Instant at;            // the slot's time; for "close" the day's scheduled close
  Instant counts_until;  // at + kSlotGrace
};

// The six slots of `day`, in order; "close" uses day.ClosesAt().
std::vector<EciSlot> EciSlots(const PollingDay& day);

enum class SlotValueState {
  kPending,   // no value yet, but there is still time (before counts_until)
  kMissing,   // no value and the grace has passed: the control room must chase it
  kReported,  // `votes` holds the value
};

struct SlotValue {
  SlotValueState state = SlotValueState::kPending;
  Counts votes;                        // meaningful only when kReported; never a stand-in zero
  std::optional<Instant> observed_at;  // of the turnout report used, when kReported
};

// One station's value for `slot` at `now`. Pure.
//   Timed slots: the latest turnout report observed at or before slot.counts_until (a figure
//   from earlier in the day carries forward: votes polled never decrease). None: kPending while
//   now < counts_until, else kMissing.
//   "close": once the station's poll_closed is recorded, the latest turnout report of the day
//   (final figures usually follow the close; nothing can be polled after it). Before the close
//   is recorded, or when closed without any turnout report: kPending while now < counts_until
//   (the scheduled close + 30 min), else kMissing — a station still polling past that shows as
//   missing until it reports, which is what the control room needs to chase.
SlotValue TurnoutForSlot(const StationLedger& ledger, const EciSlot& slot, Instant now);

}  // namespace psm
