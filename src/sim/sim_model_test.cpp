// The station day model: turnout band and curve, queue sanity, true wait, interruptions,
// late openings, determinism.
#include "sim/sim_model.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace psm::sim {
namespace {

StationSpec Spec(std::uint64_t seed, std::int64_t men = 440, std::int64_t women = 410,
                 std::int64_t others = 1) {
  return StationSpec{GenderCounts{men, women, others}, seed};
}

// Capacity in minutes (from, to], the slots a joiner after minute `from` can use.
int CapacityBetween(const StationDay& d, int from, int to) {
  int sum = 0;
  for (int k = from + 1; k <= to; ++k)
    sum += d.capacity[static_cast<std::size_t>(k)];
  return sum;
}

TEST(SimModel, ArrivalCurveMatchesJalandharShape) {
  EXPECT_DOUBLE_EQ(ArrivalShareBy(0), 0);
  EXPECT_NEAR(ArrivalShareBy(120), 0.15, 1e-9);
  EXPECT_NEAR(ArrivalShareBy(240), 0.42, 1e-9);
  EXPECT_NEAR(ArrivalShareBy(480), 0.77, 1e-9);
  EXPECT_NEAR(ArrivalShareBy(600), 0.90, 1e-9);
  EXPECT_DOUBLE_EQ(ArrivalShareBy(kPollMinutes), 1.0);
  // A morning peak above the early-afternoon lull, and an evening rise after the lull.
  const double morning = ArrivalShareBy(240) - ArrivalShareBy(180);
  const double lull = ArrivalShareBy(420) - ArrivalShareBy(360);
  const double evening = ArrivalShareBy(660) - ArrivalShareBy(600);
  EXPECT_GT(morning, lull);
  EXPECT_GT(evening, lull);
}

TEST(SimModel, TurnoutLandsInTheTargetBandAndEveryoneVotes) {
  const DayModelOptions opts;
  std::int64_t electors = 0, voters = 0, by_slot[5] = {0, 0, 0, 0, 0};
  const int slots[5] = {120, 240, 360, 480, 600};
  for (std::uint64_t i = 0; i < 300; ++i) {
    const StationSpec spec = Spec(StationSeed(7, i));
    const StationDay d = SimulateStation(spec, opts);
    const double share = static_cast<double>(d.voters.Total()) / 851.0;
    EXPECT_GE(share, opts.turnout_mean - opts.turnout_spread - 0.002);
    EXPECT_LE(share, opts.turnout_mean + opts.turnout_spread + 0.002);
    EXPECT_EQ(d.arrived[kPollMinutes - 1], d.voters.Total()) << "all arrive before the close";
    EXPECT_EQ(d.served.back(), d.voters.Total()) << "the line at the close still votes";
    EXPECT_LE(d.voters.men, spec.electors.men);
    EXPECT_LE(d.voters.women, spec.electors.women);
    EXPECT_LE(d.voters.others, spec.electors.others);
    electors += spec.electors.Total();
    voters += d.voters.Total();
    for (int s = 0; s < 5; ++s)
      by_slot[s] += d.ServedByGenderAt(slots[s] - 1).Total();
  }
  const auto pct = [&](std::int64_t v) { return 100.0 * static_cast<double>(v) / electors; };
  EXPECT_NEAR(pct(voters), 60, 1.0);
  // Votes polled trail arrivals by the line, so each slot is at or somewhat under its target
  // (11:00 most: the morning peak is capacity-bound).
  const double targets[5] = {9, 25, 36, 46, 54};
  for (int s = 0; s < 5; ++s) {
    EXPECT_LE(pct(by_slot[s]), targets[s] + 0.5) << "slot " << slots[s];
    EXPECT_GE(pct(by_slot[s]), targets[s] - 4.5) << "slot " << slots[s];
  }
}

TEST(SimModel, QueueNeverNegativeAndCountsAreConsistent) {
  for (std::uint64_t i = 0; i < 50; ++i) {
    const StationDay d = SimulateStation(Spec(StationSeed(1, i), 700, 650, 2), DayModelOptions{});
    for (int m = 0; m <= d.end_minute; ++m) {
      const auto k = static_cast<std::size_t>(m);
      ASSERT_GE(d.QueueAt(m), 0);
      ASSERT_LE(d.served[k], d.arrived[k]);
      if (m > 0) {
        ASSERT_GE(d.served[k], d.served[k - 1]);
        ASSERT_LE(d.served[k] - d.served[k - 1], d.capacity[k]);
      }
      const GenderCounts q = d.QueueByGenderAt(m);
      ASSERT_EQ(q.Total(), d.QueueAt(m));
      ASSERT_GE(q.men, 0);
      ASSERT_GE(q.women, 0);
      ASSERT_GE(q.others, 0);
    }
    EXPECT_EQ(d.QueueAt(d.end_minute), 0);
    EXPECT_GE(d.end_minute, kPollMinutes - 1);
  }
}

TEST(SimModel, TrueWaitIsTheTimeTheLineTakesToReachAJoiner) {
  const StationDay d = SimulateStation(Spec(42), DayModelOptions{});
  for (int m = 0; m < kPollMinutes; ++m) {
    const auto w = d.TrueWaitAt(m);
    ASSERT_TRUE(w.has_value());
    const int needed = d.QueueAt(m) + 1;
    // Served in minute m + w + 1: that minute's capacity covers them, the earlier ones do not.
    ASSERT_GE(CapacityBetween(d, m, m + *w + 1), needed) << "minute " << m;
    ASSERT_LT(CapacityBetween(d, m, m + *w), needed) << "minute " << m;
    if (!d.interruption && m >= d.open_minute) {
      const double expected = d.QueueAt(m) * 60.0 / d.service_per_hour;
      ASSERT_NEAR(*w, expected, 0.35 * expected + 2) << "minute " << m;
    }
  }
  EXPECT_FALSE(d.TrueWaitAt(-1).has_value());
  EXPECT_FALSE(d.TrueWaitAt(kPollMinutes).has_value());
}

TEST(SimModel, InterruptionStopsService) {
  DayModelOptions opts;
  opts.interruption_share = 1.0;
  const StationDay d = SimulateStation(Spec(3), opts);
  ASSERT_TRUE(d.interruption.has_value());
  const int start = d.interruption->start, end = start + d.interruption->duration;
  EXPECT_GE(d.interruption->duration, 10);
  EXPECT_LE(d.interruption->duration, 30);
  for (int m = start; m < end; ++m) {
    EXPECT_EQ(d.capacity[static_cast<std::size_t>(m)], 0);
    EXPECT_EQ(d.served[static_cast<std::size_t>(m)], d.served[static_cast<std::size_t>(start - 1)]);
  }
  // Joining just before the fault means waiting it out.
  EXPECT_GE(*d.TrueWaitAt(start - 1), end - start);
}

TEST(SimModel, LateOpeningServesNobodyBeforeTheStart) {
  DayModelOptions opts;
  opts.late_open_share = 1.0;
  const StationDay d = SimulateStation(Spec(5), opts);
  EXPECT_GE(d.open_minute, 5);
  EXPECT_LE(d.open_minute, 40);
  EXPECT_EQ(d.served[static_cast<std::size_t>(d.open_minute - 1)], 0);
  EXPECT_GE(*d.TrueWaitAt(0), d.open_minute - 1);
}

TEST(SimModel, SameSeedSameDayOtherSeedOtherDay) {
  const StationDay a = SimulateStation(Spec(99), DayModelOptions{});
  const StationDay b = SimulateStation(Spec(99), DayModelOptions{});
  const StationDay c = SimulateStation(Spec(100), DayModelOptions{});
  EXPECT_EQ(a.arrived, b.arrived);
  EXPECT_EQ(a.served, b.served);
  EXPECT_EQ(a.capacity, b.capacity);
  EXPECT_NE(a.arrived, c.arrived);
  EXPECT_NE(StationSeed(1, 2), StationSeed(1, 3));
  EXPECT_NE(StationSeed(1, 2), StationSeed(2, 2));
}

TEST(SimModel, StationWithoutElectorsHasAnEmptyDay) {
  const StationDay d = SimulateStation(StationSpec{GenderCounts{}, 1}, DayModelOptions{});
  EXPECT_EQ(d.voters.Total(), 0);
  EXPECT_EQ(d.QueueAtClose(), 0);
  EXPECT_LE(*d.TrueWaitAt(300), 1);  // an empty line: served within the next minute or so
}

}  // namespace
}  // namespace psm::sim
