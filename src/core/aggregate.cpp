// Slot totals over stations, ACs and the district.
#include "core/aggregate.hpp"

#include "core/percent.hpp"

namespace psm {

std::optional<double> SlotTotal::TurnoutPct() const {
  return Percent(votes.Total(), electors_of_reported);
}

void AddStation(SlotTotal& total, const SlotValue& value, const Counts& electors) {
  switch (value.state) {
    case SlotValueState::kReported:
      ++total.reported;
      total.votes.men += value.votes.men;
      total.votes.women += value.votes.women;
      total.votes.others += value.votes.others;
      total.electors_of_reported += electors.Total();
      return;
    case SlotValueState::kMissing:
      ++total.missing;
      return;
    case SlotValueState::kPending:
      ++total.pending;
      return;
  }
}

void AddStation(SlotTotal& total, const StationLedger& ledger, const EciSlot& slot, Instant now) {
  AddStation(total, TurnoutForSlot(ledger, slot, now), ledger.station().electors);
}

SlotTotal Combine(const SlotTotal& a, const SlotTotal& b) {
  SlotTotal out;
  out.votes = Counts{a.votes.men + b.votes.men, a.votes.women + b.votes.women,
                     a.votes.others + b.votes.others};
  out.reported = a.reported + b.reported;
  out.missing = a.missing + b.missing;
  out.pending = a.pending + b.pending;
  out.electors_of_reported = a.electors_of_reported + b.electors_of_reported;
  return out;
}

}  // namespace psm
