// StationLedger::Check: every content refusal with its reason, code and detail.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/station_ledger.hpp"
#include "core/testing/ledger_builders.hpp"

namespace psm {
namespace {

using ::testing::HasSubstr;
using namespace psm::testing;

class LedgerCheck : public ::testing::Test {
 protected:
  psm::Status Try(const Report& r) const { return ledger_.Check(r, now_, Day(), opts_); }

  // Checks and records; the report must be accepted.
  void Add(const Report& r) {
    const psm::Status s = Try(r);
    ASSERT_TRUE(s.ok()) << s.error().reason << ": " << s.error().detail;
    ASSERT_TRUE(ledger_.Apply(r));
  }

  void ExpectRefused(const Report& r, ErrorCode code, const std::string& reason,
                     const std::string& detail_part) {
    const psm::Status s = Try(r);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, code);
    EXPECT_EQ(s.error().reason, reason);
    EXPECT_THAT(s.error().detail, HasSubstr(detail_part));
  }

  StationLedger ledger_{TestStation()};
  Instant now_ = Ist(19, 0);
  StatusOptions opts_;
};

TEST_F(LedgerCheck, AcceptsPlainReports) {
  EXPECT_TRUE(Try(Queue(Ist(10, 0), {10, 8, 0})).ok());
  EXPECT_TRUE(Try(Turnout(Ist(10, 0), {100, 90, 1})).ok());
  EXPECT_TRUE(Try(Queue(Ist(10, 0), {0, 0, 0})).ok());
}

TEST_F(LedgerCheck, RefusesOtherStation) {
  Report r = Queue(Ist(10, 0), {1, 1, 0});
  r.station = StationId{34, 113};
  ExpectRefused(r, ErrorCode::kInvalid, "wrong_station", "names station 34-113");
}

TEST_F(LedgerCheck, RefusesOtherDay) {
  ExpectRefused(Queue(Ist(0, 0) - std::chrono::seconds(1), {1, 1, 0}), ErrorCode::kInvalid,
                "observed_at_not_polling_day",
                "observed on 2026-11-29 at 23:59:59 IST, not on the polling day 2026-11-30");
  ExpectRefused(Turnout(Ist(24, 0), {1, 1, 0}), ErrorCode::kInvalid, "observed_at_not_polling_day",
                "2026-12-01");
  EXPECT_TRUE(Try(Queue(Ist(0, 0), {0, 0, 0})).ok());
}

TEST_F(LedgerCheck, RefusesFutureBeyondSkew) {
  now_ = Ist(11, 0);
  EXPECT_TRUE(Try(Queue(Ist(11, 2), {1, 0, 0})).ok());
  ExpectRefused(Queue(Ist(11, 2, 1), {1, 0, 0}), ErrorCode::kInvalid, "observed_at_in_future",
                "observed at 11:02:01 IST but it is only 11:00 IST now");
}

TEST_F(LedgerCheck, RefusesNegativeCounts) {
  ExpectRefused(Queue(Ist(10, 0), {5, -1, 0}), ErrorCode::kInvalid, "negative_count",
                "people in the queue may not be negative: men 5, women -1, others 0");
  ExpectRefused(Turnout(Ist(10, 0), {0, 0, -3}), ErrorCode::kInvalid, "negative_count",
                "votes polled may not be negative");
  Add(Event(Ist(7, 0), EventKind::kPollStarted));
  ExpectRefused(Event(Ist(18, 0), EventKind::kPollClosed, "", -4), ErrorCode::kInvalid,
                "negative_count", "voters in the queue at close may not be negative (-4)");
}

TEST_F(LedgerCheck, RefusesQueueLargerThanElectors) {
  EXPECT_TRUE(Try(Queue(Ist(10, 0), {500, 450, 2})).ok());  // everyone at once: allowed
  ExpectRefused(Queue(Ist(10, 0), {500, 450, 3}), ErrorCode::kInvalid, "queue_exceeds_electors",
                "a queue of 953 is more than the station's 952 electors");
  ExpectRefused(Queue(Ist(10, 0), {0, std::int64_t{1} << 62, std::int64_t{1} << 62}),
                ErrorCode::kInvalid, "queue_exceeds_electors", "women is more than");
  Add(Event(Ist(7, 0), EventKind::kPollStarted));
  ExpectRefused(Event(Ist(18, 0), EventKind::kPollClosed, "", 953), ErrorCode::kInvalid,
                "queue_exceeds_electors", "voters in the queue at close (953)");
}

TEST_F(LedgerCheck, RefusesTurnoutLargerThanElectors) {
  EXPECT_TRUE(Try(Turnout(Ist(17, 0), {500, 450, 2})).ok());
  ExpectRefused(Turnout(Ist(17, 0), {501, 0, 0}), ErrorCode::kInvalid, "turnout_exceeds_electors",
                "votes polled by men (501) exceed the station's 500 men electors");
  ExpectRefused(Turnout(Ist(17, 0), {0, 451, 0}), ErrorCode::kInvalid, "turnout_exceeds_electors",
                "women (451)");
  ExpectRefused(Turnout(Ist(17, 0), {0, 0, 3}), ErrorCode::kInvalid, "turnout_exceeds_electors",
                "others (3) exceed the station's 2 others electors");
}

TEST_F(LedgerCheck, RefusesTurnoutBelowAnEarlierOne) {
  Add(Turnout(Ist(11, 0), {220, 192, 0}));
  ExpectRefused(Turnout(Ist(11, 30), {210, 190, 0}), ErrorCode::kConflict, "turnout_decreased",
                "votes polled may not decrease: the report observed at 11:00 IST had 412 (men "
                "220, women 192, others 0), this one has 400 (men 210, women 190, others 0)");
  // Componentwise: a higher total does not excuse fewer men.
  ExpectRefused(Turnout(Ist(11, 30), {219, 250, 0}), ErrorCode::kConflict, "turnout_decreased",
                "had 412");
  // Same instant as the stored one counts as "at or before".
  ExpectRefused(Turnout(Ist(11, 0), {219, 192, 0}), ErrorCode::kConflict, "turnout_decreased",
                "11:00 IST");
  EXPECT_TRUE(Try(Turnout(Ist(11, 30), {220, 192, 0})).ok());  // unchanged is fine
}

TEST_F(LedgerCheck, LateTurnoutMustFitBetweenItsNeighbours) {
  Add(Turnout(Ist(9, 0), {50, 50, 0}));
  Add(Turnout(Ist(11, 0), {150, 150, 0}));
  EXPECT_TRUE(Try(Turnout(Ist(10, 0), {100, 100, 0})).ok());
  EXPECT_TRUE(Try(Turnout(Ist(10, 0), {150, 150, 0})).ok());  // equal to the later one
  ExpectRefused(Turnout(Ist(10, 0), {100, 151, 0}), ErrorCode::kConflict, "turnout_decreased",
                "the later report observed at 11:00 IST had 300 (men 150, women 150, others 0), "
                "fewer than this one's 251 (men 100, women 151, others 0)");
  ExpectRefused(Turnout(Ist(10, 0), {40, 60, 0}), ErrorCode::kConflict, "turnout_decreased",
                "the report observed at 09:00 IST had 100");
  // Before every stored report: only the later bound applies.
  EXPECT_TRUE(Try(Turnout(Ist(8, 0), {0, 0, 0})).ok());
  ExpectRefused(Turnout(Ist(8, 0), {51, 0, 0}), ErrorCode::kConflict, "turnout_decreased",
                "later report observed at 09:00 IST");
}

TEST_F(LedgerCheck, InterruptionNeedsReason) {
  Add(Event(Ist(7, 0), EventKind::kPollStarted));
  ExpectRefused(Event(Ist(10, 0), EventKind::kInterrupted), ErrorCode::kInvalid, "reason_required",
                "needs a reason");
  ExpectRefused(Event(Ist(10, 0), EventKind::kInterrupted, " \t "), ErrorCode::kInvalid,
                "reason_required", "needs a reason");
  EXPECT_TRUE(Try(Event(Ist(10, 0), EventKind::kInterrupted, "EVM fault")).ok());
}

TEST_F(LedgerCheck, RefusesUnknownKinds) {
  Report r = Queue(Ist(10, 0), {1, 0, 0});
  r.kind = static_cast<ReportKind>(9);
  ExpectRefused(r, ErrorCode::kInvalid, "unknown_kind", "queue, turnout or event");
  Report e = Event(Ist(10, 0), EventKind::kPollStarted);
  e.event = static_cast<EventKind>(42);
  ExpectRefused(e, ErrorCode::kInvalid, "unknown_event", "party_arrived");
  EXPECT_FALSE(ledger_.Apply(r));
  EXPECT_FALSE(ledger_.Apply(e));
}

TEST_F(LedgerCheck, QueueReportsEndAtTheClose) {
  Add(Event(Ist(7, 0), EventKind::kPollStarted));
  Add(Queue(Ist(17, 45), {20, 10, 0}));
  Add(Event(Ist(18, 5), EventKind::kPollClosed, "", 12));
  ExpectRefused(Queue(Ist(18, 10), {5, 0, 0}), ErrorCode::kConflict, "event_order",
                "queue reports end at `poll_closed` (18:05 IST); this one was observed at "
                "18:10 IST");
  // Observed before the close, arriving late: fine. So is a report at the close itself.
  EXPECT_TRUE(Try(Queue(Ist(17, 55), {15, 5, 0})).ok());
  EXPECT_TRUE(Try(Queue(Ist(18, 5), {12, 0, 0})).ok());
  // Final turnout after the close is expected.
  EXPECT_TRUE(Try(Turnout(Ist(18, 30), {400, 380, 1})).ok());
}

TEST_F(LedgerCheck, CloseMayNotPrecedeARecordedQueueReport) {
  Add(Event(Ist(7, 0), EventKind::kPollStarted));
  Add(Queue(Ist(18, 10), {4, 0, 0}));
  ExpectRefused(Event(Ist(18, 0), EventKind::kPollClosed), ErrorCode::kConflict, "event_order",
                "a queue report was observed at 18:10 IST, after this `poll_closed` at 18:00 IST");
  EXPECT_TRUE(Try(Event(Ist(18, 10), EventKind::kPollClosed)).ok());
}

}  // namespace
}  // namespace psm
