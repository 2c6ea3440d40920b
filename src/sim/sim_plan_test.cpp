// The officer's plan: events in order and never late, turnout never decreasing, late/drop/
// duplicate shares, stable ids, report bodies.
#include "sim/sim_plan.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <regex>
#include <set>

namespace psm::sim {
namespace {

StationDay Day(std::uint64_t seed, double interruption_share = 0) {
  DayModelOptions opts;
  opts.interruption_share = interruption_share;
  return SimulateStation(StationSpec{GenderCounts{500, 450, 1}, seed}, opts);
}

std::vector<const PlannedReport*> OfKind(const std::vector<PlannedReport>& plan, PlannedKind k) {
  std::vector<const PlannedReport*> out;
  for (const auto& r : plan) {
    if (r.kind == k) out.push_back(&r);
  }
  std::stable_sort(out.begin(), out.end(),
                   [](auto* a, auto* b) { return a->observed_minute < b->observed_minute; });
  return out;
}

TEST(SimPlan, EventsComeInOrderAndAreNeverLateOrDropped) {
  PlanOptions opts;
  opts.late_share = 0.5;
  opts.drop_share = 0.3;
  const StationDay day = Day(11, 1.0);
  const auto plan = PlanStationReports(day, opts, 1);
  std::vector<std::string> events;
  int last_send = -1000;
  for (const auto& r : plan) {
    ASSERT_GE(r.send_minute, r.observed_minute);
    ASSERT_GE(r.send_minute, last_send) << "ordered by send time";
    last_send = r.send_minute;
    if (r.kind != PlannedKind::kEvent) continue;
    EXPECT_FALSE(r.late);
    EXPECT_FALSE(r.dropped);
    events.push_back(r.event);
  }
  EXPECT_EQ(events, (std::vector<std::string>{"party_arrived", "mock_poll_done", "poll_started",
                                              "interrupted", "resumed", "poll_closed"}));
  const auto ev = OfKind(plan, PlannedKind::kEvent);
  EXPECT_EQ(ev[2]->observed_minute, day.open_minute);
  EXPECT_EQ(ev[3]->observed_minute, day.interruption->start);
  EXPECT_FALSE(ev[3]->reason.empty());
  EXPECT_EQ(ev[5]->observed_minute, kPollMinutes);
  EXPECT_EQ(ev[5]->voters_in_queue_at_close, day.QueueAtClose());
}

TEST(SimPlan, TurnoutNeverDecreasesAndEndsWithEveryVoter) {
  const StationDay day = Day(12);
  PlanOptions opts;
  opts.turnout_every = 30;
  const auto plan = PlanStationReports(day, opts, 2);
  const auto turnout = OfKind(plan, PlannedKind::kTurnout);
  ASSERT_GT(turnout.size(), 6u);
  for (std::size_t i = 1; i < turnout.size(); ++i) {
    EXPECT_GE(turnout[i]->counts.men, turnout[i - 1]->counts.men);
    EXPECT_GE(turnout[i]->counts.women, turnout[i - 1]->counts.women);
    EXPECT_GE(turnout[i]->counts.others, turnout[i - 1]->counts.others);
  }
  EXPECT_EQ(turnout.back()->counts.Total(), day.voters.Total());
  EXPECT_GE(turnout.back()->observed_minute, kPollMinutes);
  for (const auto* q : OfKind(plan, PlannedKind::kQueue)) {
    EXPECT_LT(q->observed_minute, kPollMinutes) << "no queue count after the close";
    EXPECT_EQ(q->counts.Total(), day.QueueAt(q->observed_minute - 1));
  }
}

TEST(SimPlan, SharesAreHonouredButTheFinalTurnoutIsNeverDropped) {
  const StationDay day = Day(13);
  PlanOptions all_dropped;
  all_dropped.drop_share = 1.0;
  all_dropped.duplicate_share = 1.0;
  const auto plan = PlanStationReports(day, all_dropped, 3);
  int kept = 0;
  for (const auto& r : plan) {
    if (r.kind == PlannedKind::kEvent) {
      EXPECT_TRUE(r.duplicate);
      continue;
    }
    if (!r.dropped) {
      ++kept;
      EXPECT_EQ(r.kind, PlannedKind::kTurnout);
      EXPECT_EQ(r.counts.Total(), day.voters.Total());
    } else {
      EXPECT_FALSE(r.duplicate) << "a dropped report is not sent at all";
    }
  }
  EXPECT_EQ(kept, 1);

  PlanOptions all_late;
  all_late.late_share = 1.0;
  all_late.drop_share = 0;
  for (const auto& r : PlanStationReports(day, all_late, 4)) {
    if (r.kind == PlannedKind::kEvent) continue;
    EXPECT_TRUE(r.late);
    EXPECT_GE(r.send_minute - r.observed_minute, 5);
    EXPECT_LE(r.send_minute - r.observed_minute, 40);
  }
}

TEST(SimPlan, IdsAreUniqueVersion4UuidsStablePerSeed) {
  const StationDay day = Day(14);
  const auto a = PlanStationReports(day, PlanOptions{}, 5);
  const auto b = PlanStationReports(day, PlanOptions{}, 5);
  const auto c = PlanStationReports(day, PlanOptions{}, 6);
  const std::regex uuid("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  std::set<std::string> ids;
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_TRUE(std::regex_match(a[i].id, uuid)) << a[i].id;
    ids.insert(a[i].id);
    EXPECT_EQ(a[i].id, b[i].id);
  }
  EXPECT_EQ(ids.size(), a.size());
  EXPECT_NE(a[0].id, c[0].id);
}

TEST(SimPlan, ReportBodyFollowsTheApi) {
  const Instant opens = *ParseRfc3339("2024-06-01T01:30:00Z");
  PlannedReport q;
  q.id = "3f1c2a8e-5b7d-4e1a-9c2b-0d6e8f4a1b23";
  q.observed_minute = 120;
  q.counts = GenderCounts{14, 9, 0};
  const auto jq = ReportBody(q, opens);
  EXPECT_EQ(jq["kind"], "queue");
  EXPECT_EQ(jq["observed_at"], "2024-06-01T03:30:00Z");
  EXPECT_EQ(jq["queue"]["men"], 14);
  EXPECT_EQ(jq["queue"]["women"], 9);

  PlannedReport closed;
  closed.kind = PlannedKind::kEvent;
  closed.event = "poll_closed";
  closed.observed_minute = kPollMinutes;
  closed.voters_in_queue_at_close = 23;
  const auto jc = ReportBody(closed, opens);
  EXPECT_EQ(jc["event"], "poll_closed");
  EXPECT_EQ(jc["voters_in_queue_at_close"], 23);
  EXPECT_EQ(jc["observed_at"], "2024-06-01T12:30:00Z");
  EXPECT_FALSE(jc.contains("reason"));

  PlannedReport t;
  t.kind = PlannedKind::kTurnout;
  t.observed_minute = -60;
  t.counts = GenderCounts{1, 2, 3};
  const auto jt = ReportBody(t, opens);
  EXPECT_EQ(jt["votes_polled"]["others"], 3);
  EXPECT_EQ(jt["observed_at"], "2024-06-01T00:30:00Z");
}

}  // namespace
}  // namespace psm::sim
