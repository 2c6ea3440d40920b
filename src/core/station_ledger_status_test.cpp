// StationLedger::Status and the timeline accessors.
#include <gtest/gtest.h>

#include "core/station_ledger.hpp"
#include "core/testing/ledger_builders.hpp"

namespace psm {
namespace {

using namespace psm::testing;
using std::chrono::minutes;

class LedgerStatus : public ::testing::Test {
 protected:
  void Add(const Report& r) {
    const psm::Status s = ledger_.Check(r, Ist(20, 0), Day(), opts_);
    ASSERT_TRUE(s.ok()) << s.error().reason << ": " << s.error().detail;
    ASSERT_TRUE(ledger_.Apply(r));
  }
  StationStatus At(Instant now) const { return ledger_.Status(now, opts_); }

  StationLedger ledger_{TestStation()};
  StatusOptions opts_;
};

TEST_F(LedgerStatus, EmptyLedger) {
  const StationStatus s = At(Ist(6, 0));
  EXPECT_EQ(s.state, PollState::kNotStarted);
  EXPECT_FALSE(s.queue);
  EXPECT_FALSE(s.wait);
  EXPECT_FALSE(s.votes_polled);
  EXPECT_FALSE(s.turnout_pct);
  EXPECT_FALSE(s.stale);
  EXPECT_EQ(s.trend, Trend::kUnknown);
  EXPECT_DOUBLE_EQ(s.service_rate_per_min, 1.0);
  EXPECT_FALSE(ledger_.LastReportAt());
  EXPECT_FALSE(ledger_.poll_started_at());
}

TEST_F(LedgerStatus, StateFollowsEvents) {
  Add(Event(Ist(6, 0), EventKind::kPartyArrived));
  EXPECT_EQ(At(Ist(6, 30)).state, PollState::kNotStarted);
  Add(Event(Ist(7, 0), EventKind::kPollStarted));
  EXPECT_EQ(At(Ist(7, 5)).state, PollState::kOpen);
  Add(Event(Ist(10, 0), EventKind::kInterrupted, "EVM fault"));
  StationStatus s = At(Ist(10, 5));
  EXPECT_EQ(s.state, PollState::kInterrupted);
  EXPECT_EQ(s.interruption_reason, "EVM fault");
  Add(Event(Ist(10, 40), EventKind::kResumed));
  s = At(Ist(10, 45));
  EXPECT_EQ(s.state, PollState::kOpen);
  EXPECT_EQ(s.interruption_reason, "");
  EXPECT_FALSE(s.voters_in_queue_at_close);
  Add(Event(Ist(18, 0), EventKind::kPollClosed, "", 37));
  s = At(Ist(18, 5));
  EXPECT_EQ(s.state, PollState::kClosed);
  EXPECT_EQ(s.voters_in_queue_at_close, 37);
  EXPECT_EQ(ledger_.poll_closed_at(), Ist(18, 0));
}

TEST_F(LedgerStatus, QueueAndAge) {
  Add(Queue(Ist(9, 0), {5, 5, 0}));
  Add(Queue(Ist(9, 30), {10, 12, 1}));
  Add(Queue(Ist(9, 15), {7, 7, 0}));  // late: not the latest
  StationStatus s = At(Ist(9, 40, 30));
  EXPECT_EQ(s.queue, (Counts{10, 12, 1}));
  EXPECT_EQ(s.reported_at, Ist(9, 30));
  EXPECT_EQ(s.age_seconds, 630);
  // A report slightly ahead of the server's clock has age 0, not negative.
  Add(Queue(Ist(9, 42), {1, 1, 0}));
  s = At(Ist(9, 41));
  EXPECT_EQ(s.age_seconds, 0);
  EXPECT_EQ(ledger_.LastReportAt(), Ist(9, 42));
}

TEST_F(LedgerStatus, StaleWhenQueueReportIsOld) {
  Add(Event(Ist(7, 0), EventKind::kPollStarted));
  Add(Queue(Ist(9, 0), {5, 5, 0}));
  EXPECT_FALSE(At(Ist(9, 30)).stale);
  EXPECT_TRUE(At(Ist(9, 30, 1)).stale);
  // Interrupted stations are still expected to report their queue.
  Add(Event(Ist(9, 10), EventKind::kInterrupted, "EVM fault"));
  EXPECT_TRUE(At(Ist(9, 45)).stale);
  Add(Event(Ist(9, 20), EventKind::kResumed));
  Add(Event(Ist(18, 0), EventKind::kPollClosed));
  EXPECT_FALSE(At(Ist(19, 0)).stale);  // closed: nothing more expected
}

TEST_F(LedgerStatus, StaleWhenOpenWithoutAnyQueueReport) {
  EXPECT_FALSE(At(Ist(8, 0)).stale);  // not started: nothing expected yet
  Add(Event(Ist(7, 0), EventKind::kPollStarted));
  EXPECT_FALSE(At(Ist(7, 30)).stale);
  EXPECT_TRUE(At(Ist(7, 30, 1)).stale);
  Add(Queue(Ist(7, 40), {3, 0, 0}));
  EXPECT_FALSE(At(Ist(7, 45)).stale);
}

TEST_F(LedgerStatus, OldQueueBeforeStartIsStale) {
  Add(Queue(Ist(6, 30), {20, 20, 0}));
  EXPECT_TRUE(At(Ist(7, 10)).stale);
}

TEST_F(LedgerStatus, WaitWithMeasuredRate) {
  Add(Event(Ist(7, 0), EventKind::kPollStarted));
  Add(Turnout(Ist(10, 0), {60, 40, 0}));
  Add(Turnout(Ist(10, 40), {100, 80, 0}));  // 80 votes in 40 min: 2 per minute
  Add(Queue(Ist(10, 40), {20, 20, 0}));     // 40 people: 20 minutes
  const StationStatus s = At(Ist(10, 45));
  EXPECT_DOUBLE_EQ(s.service_rate_per_min, 2.0);
  EXPECT_EQ(s.wait, (WaitRange{16, 25}));
}

TEST_F(LedgerStatus, WaitWithDefaultRateIsWider) {
  Add(Queue(Ist(6, 45), {20, 10, 0}));  // before the start: the wait counts from the opening
  const StationStatus s = At(Ist(6, 50));
  EXPECT_DOUBLE_EQ(s.service_rate_per_min, 1.0);
  EXPECT_EQ(s.wait, (WaitRange{18, 48}));
}

TEST_F(LedgerStatus, NoWaitWhenClosedOrUnknown) {
  Add(Event(Ist(7, 0), EventKind::kPollStarted));
  EXPECT_FALSE(At(Ist(8, 0)).wait);
  Add(Queue(Ist(17, 50), {0, 0, 0}));
  EXPECT_EQ(At(Ist(17, 55)).wait, (WaitRange{0, 0}));
  Add(Event(Ist(18, 0), EventKind::kPollClosed));
  EXPECT_FALSE(At(Ist(18, 5)).wait);
}

TEST_F(LedgerStatus, TurnoutAndPercentage) {
  Add(Turnout(Ist(9, 0), {100, 80, 0}));
  Add(Turnout(Ist(11, 0), {220, 192, 0}));
  const StationStatus s = At(Ist(11, 5));
  EXPECT_EQ(s.votes_polled, (Counts{220, 192, 0}));
  ASSERT_TRUE(s.turnout_pct);
  EXPECT_DOUBLE_EQ(*s.turnout_pct, 43.28);  // 412 / 952 = 43.2773…
  EXPECT_EQ(ledger_.TurnoutAtOrBefore(Ist(10, 59)), (Counts{100, 80, 0}));
  EXPECT_EQ(ledger_.TurnoutAtOrBefore(Ist(11, 0)), (Counts{220, 192, 0}));
  EXPECT_FALSE(ledger_.TurnoutAtOrBefore(Ist(8, 59)));
}

TEST_F(LedgerStatus, NoPercentageWithoutElectors) {
  Station st = TestStation();
  st.electors = Counts{};
  StationLedger empty(st);
  ASSERT_TRUE(empty.Apply(Turnout(Ist(9, 0), {0, 0, 0})));
  const StationStatus s = empty.Status(Ist(9, 5), opts_);
  EXPECT_EQ(s.votes_polled, (Counts{}));
  EXPECT_FALSE(s.turnout_pct);
}

TEST_F(LedgerStatus, TrendFromQueueReports) {
  Add(Queue(Ist(9, 0), {20, 20, 0}));
  EXPECT_EQ(At(Ist(9, 5)).trend, Trend::kUnknown);  // a single report
  Add(Queue(Ist(9, 5), {30, 30, 0}));
  EXPECT_EQ(At(Ist(9, 5)).trend, Trend::kUnknown);  // only 5 minutes apart
  Add(Queue(Ist(9, 20), {22, 22, 0}));              // +4 over 9:00's 40: within max(3, 15 % = 6)
  EXPECT_EQ(At(Ist(9, 25)).trend, Trend::kSteady);
  Add(Queue(Ist(9, 30), {25, 20, 0}));
  Add(Queue(Ist(9, 40), {30, 27, 0}));  // 57 vs 40: rising
  EXPECT_EQ(At(Ist(9, 40)).trend, Trend::kRising);
  // At 10:10 the window [9:25, 10:10] starts with the 9:30 report (45).
  Add(Queue(Ist(10, 10), {15, 15, 0}));  // 30 vs 45: falling
  EXPECT_EQ(At(Ist(10, 10)).trend, Trend::kFalling);
  // Ninety minutes later nothing is left in the window.
  EXPECT_EQ(At(Ist(11, 40)).trend, Trend::kUnknown);
}

}  // namespace
}  // namespace psm
