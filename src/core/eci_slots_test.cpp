// ECI slot times and a station's value at each slot.
#include "core/eci_slots.hpp"

#include <gtest/gtest.h>

#include "core/testing/ledger_builders.hpp"

namespace psm {
namespace {

using namespace psm::testing;

EciSlot Slot(const std::string& label) {
  for (const EciSlot& s : EciSlots(Day())) {
    if (s.label == label) return s;
  }
  ADD_FAILURE() << "no slot " << label;
  return {};
}

TEST(EciSlots, SixSlotsWithHalfHourGrace) {
  const std::vector<EciSlot> slots = EciSlots(Day());
  ASSERT_EQ(slots.size(), 6u);
  const char* labels[] = {"09:00", "11:00", "13:00", "15:00", "17:00", "close"};
  const int hours[] = {9, 11, 13, 15, 17, 18};
  for (std::size_t i = 0; i < slots.size(); ++i) {
    EXPECT_EQ(slots[i].label, labels[i]);
    EXPECT_EQ(slots[i].at, Ist(hours[i], 0));
    EXPECT_EQ(slots[i].counts_until, Ist(hours[i], 30));
  }
  EXPECT_EQ(FormatRfc3339(slots[0].at), "2026-11-30T03:30:00Z");
}

TEST(EciSlots, PendingUntilHalfPastThenMissing) {
  StationLedger ledger(TestStation());
  const EciSlot nine = Slot("09:00");
  EXPECT_EQ(TurnoutForSlot(ledger, nine, Ist(9, 29, 59)).state, SlotValueState::kPending);
  EXPECT_EQ(TurnoutForSlot(ledger, nine, Ist(9, 30)).state, SlotValueState::kMissing);
  // A report after the grace does not fill the slot: still missing, never zero.
  ASSERT_TRUE(ledger.Apply(Turnout(Ist(9, 31), {50, 40, 0})));
  const SlotValue v = TurnoutForSlot(ledger, nine, Ist(9, 35));
  EXPECT_EQ(v.state, SlotValueState::kMissing);
  EXPECT_EQ(v.votes, Counts{});
  EXPECT_FALSE(v.observed_at);
  // A slot still ahead is pending even though a report exists; once due, the report fills it.
  EXPECT_EQ(TurnoutForSlot(ledger, Slot("11:00"), Ist(9, 35)).state, SlotValueState::kPending);
  EXPECT_EQ(TurnoutForSlot(ledger, Slot("11:00"), Ist(11, 0)).state, SlotValueState::kReported);
}

TEST(EciSlots, LatestReportUpToHalfPastCounts) {
  StationLedger ledger(TestStation());
  ASSERT_TRUE(ledger.Apply(Turnout(Ist(8, 45), {30, 20, 0})));
  ASSERT_TRUE(ledger.Apply(Turnout(Ist(9, 30), {60, 40, 0})));  // exactly half past: counts
  ASSERT_TRUE(ledger.Apply(Turnout(Ist(10, 0), {80, 60, 0})));
  SlotValue v = TurnoutForSlot(ledger, Slot("09:00"), Ist(12, 0));
  EXPECT_EQ(v.state, SlotValueState::kReported);
  EXPECT_EQ(v.votes, (Counts{60, 40, 0}));
  EXPECT_EQ(v.observed_at, Ist(9, 30));
  // Carried forward: 11:00 has no newer report than 10:00.
  v = TurnoutForSlot(ledger, Slot("11:00"), Ist(12, 0));
  EXPECT_EQ(v.state, SlotValueState::kReported);
  EXPECT_EQ(v.votes, (Counts{80, 60, 0}));
}

TEST(EciSlots, CloseNeedsThePollClosed) {
  StationLedger ledger(TestStation());
  ASSERT_TRUE(ledger.Apply(Event(Ist(7, 0), EventKind::kPollStarted)));
  ASSERT_TRUE(ledger.Apply(Turnout(Ist(17, 0), {300, 250, 1})));
  const EciSlot close = Slot("close");
  // Still polling: the 17:00 figure is not the close figure.
  EXPECT_EQ(TurnoutForSlot(ledger, close, Ist(18, 10)).state, SlotValueState::kPending);
  EXPECT_EQ(TurnoutForSlot(ledger, close, Ist(18, 30)).state, SlotValueState::kMissing);
  ASSERT_TRUE(ledger.Apply(Event(Ist(18, 15), EventKind::kPollClosed)));
  ASSERT_TRUE(ledger.Apply(Turnout(Ist(18, 40), {340, 300, 2})));
  const SlotValue v = TurnoutForSlot(ledger, close, Ist(18, 45));
  EXPECT_EQ(v.state, SlotValueState::kReported);
  EXPECT_EQ(v.votes, (Counts{340, 300, 2}));
}

TEST(EciSlots, ClosedWithoutAnyTurnout) {
  StationLedger ledger(TestStation());
  ASSERT_TRUE(ledger.Apply(Event(Ist(7, 0), EventKind::kPollStarted)));
  ASSERT_TRUE(ledger.Apply(Event(Ist(18, 0), EventKind::kPollClosed)));
  EXPECT_EQ(TurnoutForSlot(ledger, Slot("close"), Ist(18, 5)).state, SlotValueState::kPending);
  EXPECT_EQ(TurnoutForSlot(ledger, Slot("close"), Ist(19, 0)).state, SlotValueState::kMissing);
}

}  // namespace
}  // namespace psm
