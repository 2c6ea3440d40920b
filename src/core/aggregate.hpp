// Sums of station slot values into AC and district turnout totals.
#pragma once

#include <cstdint>
#include <optional>

#include "core/eci_slots.hpp"
#include "core/model.hpp"

namespace psm {

// One slot's total over a set of stations. Only reported stations contribute votes; pending and
// missing ones are counted so a reader sees how complete the figure is.
struct SlotTotal {
  Counts votes;
  int reported = 0;
  int missing = 0;
  int pending = 0;
  std::int64_t electors_of_reported = 0;  // electors of the stations that reported

  // votes.Total() / electors_of_reported × 100, 2 decimals; nullopt when nobody reported.
  // Measured against the reporting stations only, so a missing station does not look like
  // zero turnout.
  std::optional<double> TurnoutPct() const;
  int stations() const { return reported + missing + pending; }
  bool operator==(const SlotTotal&) const = default;
};

// Adds one station's value (with that station's electors) to `total`.
void AddStation(SlotTotal& total, const SlotValue& value, const Counts& electors);

// Adds one station's value for `slot` at `now`, read from its ledger.
void AddStation(SlotTotal& total, const StationLedger& ledger, const EciSlot& slot, Instant now);

// The sum of two totals, e.g. ACs into the district.
SlotTotal Combine(const SlotTotal& a, const SlotTotal& b);

}  // namespace psm
