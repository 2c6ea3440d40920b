// Summing slot values into AC and district totals.
#include "core/aggregate.hpp"

#include <gtest/gtest.h>

#include "core/testing/ledger_builders.hpp"

namespace psm {
namespace {

using namespace psm::testing;

TEST(SlotTotal, CountsEachStateAndSumsOnlyReported) {
  SlotTotal t;
  AddStation(t, SlotValue{SlotValueState::kReported, {100, 80, 0}, Ist(9, 0)}, {500, 450, 2});
  AddStation(t, SlotValue{SlotValueState::kReported, {50, 50, 1}, Ist(9, 5)}, {300, 300, 1});
  AddStation(t, SlotValue{SlotValueState::kMissing, {999, 0, 0}, std::nullopt}, {400, 400, 0});
  AddStation(t, SlotValue{SlotValueState::kPending, {}, std::nullopt}, {400, 400, 0});
  EXPECT_EQ(t.votes, (Counts{150, 130, 1}));
  EXPECT_EQ(t.reported, 2);
  EXPECT_EQ(t.missing, 1);
  EXPECT_EQ(t.pending, 1);
  EXPECT_EQ(t.stations(), 4);
  EXPECT_EQ(t.electors_of_reported, 1553);
  ASSERT_TRUE(t.TurnoutPct());
  EXPECT_DOUBLE_EQ(*t.TurnoutPct(), 18.09);  // 281 / 1553 = 18.094…
}

TEST(SlotTotal, NoPercentageWhenNobodyReported) {
  SlotTotal t;
  AddStation(t, SlotValue{SlotValueState::kMissing, {}, std::nullopt}, {400, 400, 0});
  EXPECT_FALSE(t.TurnoutPct());
  EXPECT_FALSE(SlotTotal{}.TurnoutPct());
}

TEST(SlotTotal, CombinesAcsIntoTheDistrict) {
  SlotTotal a;
  a.votes = {10, 20, 0};
  a.reported = 2;
  a.missing = 1;
  a.electors_of_reported = 100;
  SlotTotal b;
  b.votes = {5, 5, 1};
  b.reported = 1;
  b.pending = 3;
  b.electors_of_reported = 50;
  const SlotTotal d = Combine(a, b);
  EXPECT_EQ(d.votes, (Counts{15, 25, 1}));
  EXPECT_EQ(d.reported, 3);
  EXPECT_EQ(d.missing, 1);
  EXPECT_EQ(d.pending, 3);
  EXPECT_EQ(d.electors_of_reported, 150);
  EXPECT_DOUBLE_EQ(*d.TurnoutPct(), 27.33);  // 41 / 150
  EXPECT_EQ(Combine(d, SlotTotal{}), d);
}

TEST(SlotTotal, FromLedgers) {
  const EciSlot nine = EciSlots(Day())[0];
  StationLedger reported(TestStation());
  ASSERT_TRUE(reported.Apply(Turnout(Ist(9, 10), {100, 90, 0})));
  StationLedger silent(TestStation());
  SlotTotal t;
  AddStation(t, reported, nine, Ist(9, 20));
  AddStation(t, silent, nine, Ist(9, 20));
  EXPECT_EQ(t.reported, 1);
  EXPECT_EQ(t.pending, 1);
  EXPECT_EQ(t.votes.Total(), 190);
  EXPECT_EQ(t.electors_of_reported, 952);
  SlotTotal later;
  AddStation(later, silent, nine, Ist(9, 31));
  EXPECT_EQ(later.missing, 1);
}

}  // namespace
}  // namespace psm
