// Each state-derived alert cause, at the moment it starts to hold and when it stops.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/alert_rules.hpp"
#include "core/clock.hpp"
#include "core/testing/fake_clock.hpp"
#include "core/testing/ledger_builders.hpp"

namespace psm {
namespace {

using psm::testing::FakeClock;

using ::testing::HasSubstr;
using namespace psm::testing;

class AlertRules : public ::testing::Test {
 protected:
  std::vector<AlertKind> Held() const {
    std::vector<AlertKind> out;
    for (const auto& c : StationAlertCauses(ledger_, clock_.Now(), Day(), status_, opts_))
      out.push_back(c.kind);
    return out;
  }
  std::string Detail(AlertKind k) const {
    for (const auto& c : StationAlertCauses(ledger_, clock_.Now(), Day(), status_, opts_)) {
      if (c.kind == k) return c.detail;
    }
    return "";
  }
  void Add(const Report& r) { ASSERT_TRUE(ledger_.Apply(r)); }

  StationLedger ledger_{TestStation()};
  FakeClock clock_{Ist(6, 30)};
  StatusOptions status_;
  AlertOptions opts_;
};

using Kinds = std::vector<AlertKind>;

TEST_F(AlertRules, NotStartedFromQuarterPastSevenUntilPollStarted) {
  EXPECT_EQ(Held(), Kinds{});
  clock_.Set(Ist(7, 14, 59));
  EXPECT_EQ(Held(), Kinds{});
  clock_.Set(Ist(7, 15));
  EXPECT_EQ(Held(), Kinds{AlertKind::kNotStarted});
  EXPECT_THAT(Detail(AlertKind::kNotStarted), HasSubstr("due at 07:00"));
  Add(Event(Ist(7, 16), EventKind::kPollStarted));
  clock_.Set(Ist(7, 17));
  EXPECT_EQ(Held(), Kinds{});
}

TEST_F(AlertRules, NoReportAfterThirtyMinutesWithoutAQueueReport) {
  Add(Event(Ist(7, 0), EventKind::kPollStarted));
  clock_.Set(Ist(7, 29));
  EXPECT_EQ(Held(), Kinds{});
  clock_.Set(Ist(7, 30));  // counted from poll_started when no queue report exists
  EXPECT_EQ(Held(), Kinds{AlertKind::kNoReport});
  Add(Queue(Ist(7, 31), {0, 0, 0}));
  clock_.Set(Ist(7, 32));
  EXPECT_EQ(Held(), Kinds{});
  clock_.Set(Ist(8, 1));
  EXPECT_EQ(Held(), Kinds{AlertKind::kNoReport});
  EXPECT_THAT(Detail(AlertKind::kNoReport), HasSubstr("since 07:31"));
  // Configurable.
  opts_.no_report_after = std::chrono::minutes(45);
  EXPECT_EQ(Held(), Kinds{});
}

TEST_F(AlertRules, LongWaitUsesTheMiddleOfTheRange) {
  Add(Event(Ist(7, 0), EventKind::kPollStarted));
  // No turnout: the default rate of 1/min gives 0.6×..1.6× the queue; middle = 1.1 × queue.
  Add(Queue(Ist(9, 0), {15, 12, 0}));  // 27 people: 16..44 min, middle 30 → not above 30
  clock_.Set(Ist(9, 1));
  EXPECT_EQ(Held(), Kinds{});
  Add(Queue(Ist(9, 2), {16, 12, 0}));  // 28 people: 16..45 min, middle 30.5
  clock_.Set(Ist(9, 3));
  EXPECT_EQ(Held(), Kinds{AlertKind::kLongWait});
  EXPECT_THAT(Detail(AlertKind::kLongWait), HasSubstr("queue of 28"));
  Add(Queue(Ist(9, 4), {5, 0, 0}));
  clock_.Set(Ist(9, 5));
  EXPECT_EQ(Held(), Kinds{});
}

TEST_F(AlertRules, InterruptedUntilResumed) {
  Add(Event(Ist(7, 0), EventKind::kPollStarted));
  Add(Queue(Ist(10, 0), {0, 0, 0}));
  Add(Event(Ist(10, 5), EventKind::kInterrupted, "EVM fault"));
  clock_.Set(Ist(10, 6));
  EXPECT_EQ(Held(), Kinds{AlertKind::kInterrupted});
  EXPECT_EQ(Detail(AlertKind::kInterrupted), "poll interrupted: EVM fault");
  Add(Event(Ist(10, 20), EventKind::kResumed));
  clock_.Set(Ist(10, 21));
  EXPECT_EQ(Held(), Kinds{});
}

TEST_F(AlertRules, TurnoutStalledNeedsEvidenceAndAStandingQueue) {
  Add(Event(Ist(7, 0), EventKind::kPollStarted));
  Add(Turnout(Ist(10, 0), {100, 80, 0}));
  Add(Queue(Ist(10, 20), {5, 5, 0}));
  Add(Turnout(Ist(10, 15), {100, 80, 0}));
  clock_.Set(Ist(10, 40));  // 40 min of silence is not evidence of a stall
  EXPECT_EQ(Held(), Kinds{});
  Add(Turnout(Ist(10, 30), {100, 80, 0}));  // unchanged across 30 min
  EXPECT_EQ(Held(), Kinds{AlertKind::kTurnoutStalled});
  EXPECT_THAT(Detail(AlertKind::kTurnoutStalled),
              HasSubstr("stayed at 180 from 10:00 IST to 10:30 IST"));
  Add(Queue(Ist(10, 41), {0, 0, 0}));  // nobody waiting: nothing is stalled
  clock_.Set(Ist(10, 42));
  EXPECT_EQ(Held(), Kinds{});
  Add(Queue(Ist(10, 43), {4, 0, 0}));
  clock_.Set(Ist(10, 44));
  EXPECT_EQ(Held(), Kinds{AlertKind::kTurnoutStalled});
  Add(Turnout(Ist(10, 44), {101, 80, 0}));  // votes moved
  EXPECT_EQ(Held(), Kinds{});
}

TEST_F(AlertRules, ClosedStationRaisesNothing) {
  Add(Event(Ist(7, 0), EventKind::kPollStarted));
  Add(Queue(Ist(17, 50), {40, 30, 0}));
  Add(Event(Ist(18, 30), EventKind::kPollClosed, "", 0));
  clock_.Set(Ist(20, 0));
  EXPECT_EQ(Held(), Kinds{});
}

TEST(AlertRejections, OnlyReasonsThatNeedAPerson) {
  EXPECT_TRUE(RejectionNeedsPerson("turnout_decreased"));
  EXPECT_TRUE(RejectionNeedsPerson("queue_exceeds_electors"));
  EXPECT_FALSE(RejectionNeedsPerson("observed_at_in_future"));
  EXPECT_FALSE(RejectionNeedsPerson("event_order"));
}

}  // namespace
}  // namespace psm
