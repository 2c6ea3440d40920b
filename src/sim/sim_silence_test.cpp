// Silent spells: when the server's no_report rule holds for a plan, at its boundaries (the
// threshold reached, a report arriving in the very minute), with late openings, interruptions,
// the close, and for real plans.
#include "sim/sim_silence.hpp"

#include <gtest/gtest.h>

namespace psm::sim {
namespace {

constexpr int kThreshold = 30;

class Plan {
 public:
  // Queue reports every 15 minutes over [from, to), on time.
  Plan& Queues(int from, int to) {
    for (int t = from; t < to; t += 15)
      Queue(t);
    return *this;
  }
  Plan& Queue(int observed, int sent = -1) {
    PlannedReport r;
    r.kind = PlannedKind::kQueue;
    r.observed_minute = observed;
    r.send_minute = sent < 0 ? observed : sent;
    r.late = sent > observed;
    plan_.push_back(r);
    return *this;
  }
  Plan& Event(const char* name, int minute) {
    PlannedReport r;
    r.kind = PlannedKind::kEvent;
    r.event = name;
    r.observed_minute = r.send_minute = minute;
    plan_.push_back(r);
    return *this;
  }
  // The queue report observed at `observed` is dropped.
  Plan& Drop(int observed) { return Find(observed).dropped = true, *this; }
  // … or sent at `sent`.
  Plan& Late(int observed, int sent) {
    PlannedReport& r = Find(observed);
    r.late = true;
    r.send_minute = sent;
    return *this;
  }
  std::vector<SilentSpell> Spells(int threshold = kThreshold) const {
    return SilentSpells(plan_, threshold);
  }

 private:
  PlannedReport& Find(int observed) {
    for (auto& r : plan_) {
      if (r.kind == PlannedKind::kQueue && r.observed_minute == observed) return r;
    }
    ADD_FAILURE() << "no queue report at " << observed;
    return plan_.front();
  }
  std::vector<PlannedReport> plan_;
};

// A normal day: opens at 0, closes at 660, a queue report every 15 minutes.
Plan Day() {
  Plan p;
  p.Event("poll_started", 0).Queues(0, kPollMinutes).Event("poll_closed", kPollMinutes);
  return p;
}

TEST(SilentSpells, NoneWhenEveryReportArrives) {
  EXPECT_TRUE(Day().Spells().empty());
}

TEST(SilentSpells, OneMissingReportIsASpellOfAnInstantWhenTheNextArrivesOnTheMinute) {
  // Since 135, 150 dropped; at 165 the rule holds (165 − 135 = 30) until the 165 report, sent
  // in that very minute, arrives: the server's alert pass may fall in between.
  const auto s = Day().Drop(150).Spells();
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].from, 165);
  EXPECT_EQ(s[0].until, 165);
  EXPECT_EQ(s[0].since, 135);
  EXPECT_EQ(s[0].cause, SilenceCause::kDropped);
  EXPECT_EQ(s[0].missing, 150);
  EXPECT_EQ(s[0].end, SilenceEnd::kReport);
  // A minute more of patience and there is none.
  EXPECT_TRUE(Day().Drop(150).Spells(31).empty());
}

TEST(SilentSpells, TwoDroppedReportsMakeASpellUntilTheNextArrives) {
  const auto s = Day().Drop(150).Drop(165).Spells();
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].from, 165);  // exactly the threshold after the 135 report
  EXPECT_EQ(s[0].until, 180);
  EXPECT_EQ(s[0].since, 135);
  EXPECT_EQ(s[0].cause, SilenceCause::kDropped);
  EXPECT_EQ(s[0].missing, 150);
  EXPECT_EQ(s[0].end, SilenceEnd::kReport);
  // One minute more of patience starts it a minute later; at 45 minutes it lasts an instant (the
  // 180 report is due just then), and at 46 there is none.
  EXPECT_EQ(Day().Drop(150).Drop(165).Spells(31).at(0).from, 166);
  const auto instant = Day().Drop(150).Drop(165).Spells(45);
  ASSERT_EQ(instant.size(), 1u);
  EXPECT_EQ(instant[0].from, 180);
  EXPECT_EQ(instant[0].until, 180);
  EXPECT_TRUE(Day().Drop(150).Drop(165).Spells(46).empty());
}

TEST(SilentSpells, ALateReportEndsTheSpellWhenItArrives) {
  // 150 arrives at 170; 165 is dropped: silent from 165 until 170, when 150 makes it 20 min.
  const auto s = Day().Late(150, 170).Drop(165).Spells();
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].from, 165);
  EXPECT_EQ(s[0].until, 170);
  EXPECT_EQ(s[0].cause, SilenceCause::kLate);
  EXPECT_EQ(s[0].missing, 150);
  // And at 180 it is 30 min since 150 again, until the 180 report arrives.
  EXPECT_EQ(s[1].from, 180);
  EXPECT_EQ(s[1].until, 180);
  EXPECT_EQ(s[1].since, 150);
  EXPECT_EQ(s[1].cause, SilenceCause::kDropped);
  EXPECT_EQ(s[1].missing, 165);
}

TEST(SilentSpells, ALateReportTooOldToHelpDoesNotEndIt) {
  // 150 arrives at 190 (40 min late): since becomes 150, but 190 − 150 ≥ 30 still; 165 and 180
  // are dropped, 195 arrives on time and ends it.
  const auto s = Day().Late(150, 190).Drop(165).Drop(180).Spells();
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].from, 165);
  EXPECT_EQ(s[0].until, 195);
  EXPECT_EQ(s[0].since, 135);
  EXPECT_EQ(s[0].cause, SilenceCause::kLate);
}

TEST(SilentSpells, ALateStartCountsFromPollStarted) {
  Plan p;
  p.Event("poll_started", 40).Queues(0, kPollMinutes).Event("poll_closed", kPollMinutes);
  // Reports before the start are older than poll_started: the clock starts at 40. 45 and 60
  // are dropped, so the rule holds from 70 until 75.
  const auto s = p.Drop(45).Drop(60).Spells();
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].from, 70);
  EXPECT_EQ(s[0].until, 75);
  EXPECT_EQ(s[0].since, 40);
  EXPECT_EQ(s[0].missing, 45);
}

TEST(SilentSpells, NothingBeforeTheStart) {
  // Nothing at all is reported before 90 and the poll starts at 40: no spell before 70, although
  // the last report (none) is older than the threshold from 07:30 on.
  Plan p;
  p.Event("poll_started", 40).Queues(0, kPollMinutes).Event("poll_closed", kPollMinutes);
  for (int t = 0; t < 90; t += 15)
    p.Drop(t);
  const auto s = p.Spells();
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].from, 70);
  EXPECT_EQ(s[0].until, 90);
  EXPECT_EQ(s[0].since, 40);
}

TEST(SilentSpells, AnInterruptionPausesTheRule) {
  // Interrupted 100–130; 105 and 120 dropped. At 120 the 90 report is 30 min old, but the poll is
  // interrupted; on resuming at 130 the rule holds at once, until 135 arrives.
  Plan p = Day();
  p.Event("interrupted", 100).Event("resumed", 130).Drop(105).Drop(120);
  const auto s = p.Spells();
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].from, 130);
  EXPECT_EQ(s[0].until, 135);
  EXPECT_EQ(s[0].since, 90);
  EXPECT_EQ(s[0].missing, 105);
}

TEST(SilentSpells, AnInterruptionEndsASpell) {
  Plan p = Day();
  p.Event("interrupted", 100).Event("resumed", 110).Drop(75).Drop(90);
  const auto s = p.Spells();
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].from, 90);
  EXPECT_EQ(s[0].until, 100);
  EXPECT_EQ(s[0].end, SilenceEnd::kInterrupted);
}

TEST(SilentSpells, NoneAfterTheClose) {
  // 630 and 645 dropped: silent from 645 until the close at 660; the late-sent final figures
  // after it change nothing.
  Plan p = Day();
  p.Drop(630).Late(645, 700);
  auto s = p.Spells();
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].from, 645);
  EXPECT_EQ(s[0].until, kPollMinutes);
  EXPECT_EQ(s[0].end, SilenceEnd::kClosed);
}

TEST(SilentSpells, APollStartedAfterPollClosedIsOpenAsTheServerSeesIt) {
  // The server refuses a poll_closed before poll_started, so a station whose start is observed
  // after its close stays open; its rule holds 30 minutes after the start, to the day's end.
  Plan p;
  p.Queues(0, kPollMinutes).Event("poll_closed", kPollMinutes).Event("poll_started", 665);
  const auto s = p.Spells();
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].from, 695);
  EXPECT_EQ(s[0].since, 665);
  EXPECT_EQ(s[0].end, SilenceEnd::kDayEnd);
  EXPECT_EQ(s[0].cause, SilenceCause::kNoneDue);
  // Never started at all: never open, never silent.
  Plan never;
  never.Queues(0, kPollMinutes).Event("poll_closed", kPollMinutes);
  EXPECT_TRUE(never.Spells().empty());
}

TEST(SilentSpells, AThresholdBelowTheReportIntervalIsNoneDue) {
  const auto s = Day().Spells(10);
  ASSERT_EQ(s.size(), 44u);  // 5 minutes in every 15 until the close
  EXPECT_EQ(s[0].from, 10);
  EXPECT_EQ(s[0].until, 15);
  EXPECT_EQ(s[0].cause, SilenceCause::kNoneDue);
  EXPECT_EQ(s[0].missing, -1);
  EXPECT_EQ(s.back().from, 655);
  EXPECT_EQ(s.back().end, SilenceEnd::kClosed);
}

StationDay ModelDay(std::uint64_t seed) {
  DayModelOptions opts;
  opts.interruption_share = 0.5;
  opts.late_open_share = 0.5;
  return SimulateStation(StationSpec{GenderCounts{500, 450, 1}, seed}, opts);
}

TEST(SilentSpells, RealPlansOnTimeAreNeverSilent) {
  PlanOptions opts;
  opts.late_share = 0;
  opts.drop_share = 0;
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    EXPECT_TRUE(SilentSpells(PlanStationReports(ModelDay(seed), opts, seed), kThreshold).empty())
        << seed;
  }
}

TEST(SilentSpells, RealPlansWithEverythingDroppedAreSilentWhileOpen) {
  PlanOptions opts;
  opts.late_share = 0;
  opts.drop_share = 1;
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    const StationDay day = ModelDay(seed);
    const auto s = SilentSpells(PlanStationReports(day, opts, seed), kThreshold);
    ASSERT_FALSE(s.empty()) << seed;
    EXPECT_EQ(s[0].since, day.open_minute) << seed;
    EXPECT_EQ(s[0].cause, SilenceCause::kDropped) << seed;
    EXPECT_EQ(s.back().until, kPollMinutes) << seed;
    EXPECT_EQ(s.back().end, SilenceEnd::kClosed) << seed;
    const int first = day.open_minute + kThreshold;
    if (!day.interruption) {
      ASSERT_EQ(s.size(), 1u) << seed;
      EXPECT_EQ(s[0].from, first) << seed;
      continue;
    }
    const int resumed = day.interruption->start + day.interruption->duration;
    if (day.interruption->start <= first) {
      // Interrupted before the rule held: it holds from the resumption on.
      ASSERT_EQ(s.size(), 1u) << seed;
      EXPECT_EQ(s[0].from, resumed) << seed;
      continue;
    }
    ASSERT_EQ(s.size(), 2u) << seed;
    EXPECT_EQ(s[0].from, first) << seed;
    EXPECT_EQ(s[0].until, day.interruption->start) << seed;
    EXPECT_EQ(s[0].end, SilenceEnd::kInterrupted) << seed;
    EXPECT_EQ(s[1].from, resumed) << seed;
  }
}

TEST(SilentSpells, RealPlansWithTheDefaultSharesAreSometimesSilent) {
  std::size_t spells = 0, dropped = 0, late = 0;
  for (std::uint64_t seed = 1; seed <= 400; ++seed) {
    for (const SilentSpell& s :
         SilentSpells(PlanStationReports(ModelDay(seed), PlanOptions{}, seed), kThreshold)) {
      ++spells;
      EXPECT_GE(s.until, s.from);
      EXPECT_GE(s.from - s.since, kThreshold);
      EXPECT_NE(s.cause, SilenceCause::kNoneDue);
      (s.cause == SilenceCause::kDropped ? dropped : late) += 1;
    }
  }
  // A few a station-day: 44 queue reports with 2 % dropped and 5 % late, each leaving a gap of
  // 30 minutes or more (mostly an instant before the next report arrives).
  EXPECT_GT(spells, 400u);
  EXPECT_GT(dropped, 0u);
  EXPECT_GT(late, 0u);
  EXPECT_LT(spells, 1600u);
}

TEST(SilentSpells, TheLogLine) {
  // 07:00 IST is 01:30Z.
  const Instant opens = *ParseRfc3339("2026-11-30T01:30:00Z");
  SilentSpell s{165, 185, 135, SilenceCause::kDropped, 150, SilenceEnd::kReport};
  EXPECT_EQ(SilenceLine("34-112", s, opens, std::chrono::minutes(330)),
            "silent 34-112 from 09:45: no queue report since 09:15 (a dropped report; next at "
            "10:05)");
  s.cause = SilenceCause::kLate;
  s.end = SilenceEnd::kClosed;
  s.until = kPollMinutes;
  EXPECT_EQ(SilenceLine("34-112", s, opens, std::chrono::minutes(330)),
            "silent 34-112 from 09:45: no queue report since 09:15 (a late report; closed at "
            "18:00)");
}

}  // namespace
}  // namespace psm::sim
