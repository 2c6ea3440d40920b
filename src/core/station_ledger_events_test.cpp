// StationLedger: the order of poll events, late arrivals and tolerant replay.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/station_ledger.hpp"
#include "core/testing/ledger_builders.hpp"

namespace psm {
namespace {

using ::testing::HasSubstr;
using namespace psm::testing;

class LedgerEvents : public ::testing::Test {
 protected:
  psm::Status Try(const Report& r) const { return ledger_.Check(r, Ist(20, 0), Day(), opts_); }

  void Add(const Report& r) {
    const psm::Status s = Try(r);
    ASSERT_TRUE(s.ok()) << s.error().reason << ": " << s.error().detail;
    ASSERT_TRUE(ledger_.Apply(r));
  }

  void ExpectOrder(const Report& r, const std::string& detail_part) {
    const psm::Status s = Try(r);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, ErrorCode::kConflict);
    EXPECT_EQ(s.error().reason, "event_order");
    EXPECT_THAT(s.error().detail, HasSubstr(detail_part));
  }

  StationLedger ledger_{TestStation()};
  StatusOptions opts_;
};

TEST_F(LedgerEvents, AcceptsAFullDay) {
  Add(Event(Ist(5, 30), EventKind::kPartyArrived));
  Add(Event(Ist(5, 45), EventKind::kMockPollDone));
  Add(Queue(Ist(6, 50), {30, 25, 0}));  // queues form before the poll opens
  Add(Event(Ist(7, 0), EventKind::kPollStarted));
  Add(Event(Ist(10, 0), EventKind::kInterrupted, "EVM fault"));
  Add(Event(Ist(10, 20), EventKind::kResumed));
  Add(Event(Ist(14, 0), EventKind::kInterrupted, "power cut"));
  Add(Event(Ist(14, 10), EventKind::kResumed));
  Add(Event(Ist(18, 0), EventKind::kPollClosed, "", 25));
  EXPECT_EQ(ledger_.events().size(), 8u);
  EXPECT_EQ(ledger_.poll_started_at(), Ist(7, 0));
  EXPECT_EQ(ledger_.poll_closed_at(), Ist(18, 0));
}

TEST_F(LedgerEvents, ResumedNeedsInterrupted) {
  Add(Event(Ist(7, 0), EventKind::kPollStarted));
  ExpectOrder(Event(Ist(10, 0), EventKind::kResumed),
              "`resumed` needs an earlier `interrupted` (observed at 10:00 IST)");
  Add(Event(Ist(10, 0), EventKind::kInterrupted, "EVM fault"));
  Add(Event(Ist(10, 30), EventKind::kResumed));
  ExpectOrder(Event(Ist(10, 40), EventKind::kResumed), "`resumed` needs an earlier `interrupted`");
}

TEST_F(LedgerEvents, StartsOnce) {
  Add(Event(Ist(7, 0), EventKind::kPollStarted));
  ExpectOrder(Event(Ist(7, 5), EventKind::kPollStarted),
              "`poll_started` was already reported at 07:00 IST");
  ExpectOrder(Event(Ist(6, 55), EventKind::kPollStarted), "already reported at 06:55 IST");
}

TEST_F(LedgerEvents, PreparationEventsOnlyBeforeStartAndOnce) {
  Add(Event(Ist(6, 0), EventKind::kPartyArrived));
  ExpectOrder(Event(Ist(6, 10), EventKind::kPartyArrived),
              "`party_arrived` was already reported at 06:00 IST");
  Add(Event(Ist(7, 0), EventKind::kPollStarted));
  ExpectOrder(Event(Ist(7, 10), EventKind::kMockPollDone),
              "`mock_poll_done` must come before `poll_started` (poll started at 07:00 IST)");
  Add(Event(Ist(6, 30), EventKind::kMockPollDone));  // late, but observed before the start
  ExpectOrder(Event(Ist(6, 40), EventKind::kMockPollDone),
              "`mock_poll_done` was already reported at 06:30 IST");
}

TEST_F(LedgerEvents, InterruptionOnlyWhileOpen) {
  ExpectOrder(Event(Ist(6, 50), EventKind::kInterrupted, "rain"),
              "`interrupted` needs an earlier `poll_started`");
  Add(Event(Ist(7, 0), EventKind::kPollStarted));
  Add(Event(Ist(9, 0), EventKind::kInterrupted, "EVM fault"));
  ExpectOrder(Event(Ist(9, 10), EventKind::kInterrupted, "still broken"),
              "it was interrupted at 09:00 IST and not `resumed`");
}

TEST_F(LedgerEvents, ClosesOnceAfterStart) {
  ExpectOrder(Event(Ist(18, 0), EventKind::kPollClosed),
              "`poll_closed` needs an earlier `poll_started`");
  Add(Event(Ist(7, 0), EventKind::kPollStarted));
  Add(Event(Ist(12, 0), EventKind::kInterrupted, "booth capture attempt"));
  Add(Event(Ist(18, 0), EventKind::kPollClosed));  // closing from interrupted is allowed
  ExpectOrder(Event(Ist(18, 10), EventKind::kPollClosed),
              "`poll_closed` was already reported at 18:00 IST");
}

TEST_F(LedgerEvents, NothingButTurnoutAfterClose) {
  Add(Event(Ist(7, 0), EventKind::kPollStarted));
  Add(Event(Ist(18, 0), EventKind::kPollClosed));
  ExpectOrder(Event(Ist(18, 5), EventKind::kInterrupted, "EVM fault"),
              "nothing but turnout may follow `poll_closed` (poll closed at 18:00 IST); "
              "`interrupted` (observed at 18:05 IST)");
  ExpectOrder(Event(Ist(18, 5), EventKind::kResumed), "nothing but turnout may follow");
  ExpectOrder(Queue(Ist(18, 1), {1, 0, 0}), "queue reports end at `poll_closed`");
  EXPECT_TRUE(Try(Turnout(Ist(18, 20), {300, 280, 1})).ok());
}

TEST_F(LedgerEvents, LateEventsAreCheckedAgainstTheWholeSequence) {
  Add(Event(Ist(7, 0), EventKind::kPollStarted));
  Add(Event(Ist(18, 0), EventKind::kPollClosed));
  // An interruption that arrives after the close but happened during the day is fine...
  Add(Event(Ist(10, 0), EventKind::kInterrupted, "EVM fault"));
  Add(Event(Ist(10, 30), EventKind::kResumed));
  // ...but one that would break what is already recorded is not.
  Add(Event(Ist(12, 0), EventKind::kInterrupted, "power cut"));
  ExpectOrder(Event(Ist(11, 0), EventKind::kInterrupted, "again"),
              "it was interrupted at 11:00 IST and not `resumed` (observed at 12:00 IST)");
}

TEST_F(LedgerEvents, LateCloseMayNotPrecedeRecordedEvents) {
  Add(Event(Ist(7, 0), EventKind::kPollStarted));
  Add(Event(Ist(10, 0), EventKind::kInterrupted, "EVM fault"));
  ExpectOrder(Event(Ist(9, 0), EventKind::kPollClosed),
              "nothing but turnout may follow `poll_closed` (poll closed at 09:00 IST)");
}

TEST_F(LedgerEvents, OddStoredHistoryDoesNotBlockValidEvents) {
  // Replayed without Check: a duplicate start and a stray resume.
  ASSERT_TRUE(ledger_.Apply(Event(Ist(7, 0), EventKind::kPollStarted)));
  ASSERT_TRUE(ledger_.Apply(Event(Ist(7, 1), EventKind::kPollStarted)));
  ASSERT_TRUE(ledger_.Apply(Event(Ist(8, 0), EventKind::kResumed)));
  EXPECT_EQ(ledger_.Status(Ist(9, 0), opts_).state, PollState::kOpen);
  EXPECT_EQ(ledger_.poll_started_at(), Ist(7, 0));
  Add(Event(Ist(9, 0), EventKind::kInterrupted, "EVM fault"));
  ExpectOrder(Event(Ist(9, 30), EventKind::kPollStarted), "already reported at 07:00 IST");
}

TEST_F(LedgerEvents, ApplyIgnoresWhatItCannotRecord) {
  Report other = Queue(Ist(10, 0), {1, 0, 0});
  other.station = StationId{1, 1};
  EXPECT_FALSE(ledger_.Apply(other));
  EXPECT_FALSE(ledger_.Apply(Queue(Ist(10, 0), {-1, 0, 0})));
  EXPECT_FALSE(ledger_.Apply(Turnout(Ist(10, 0), {StationLedger::kMaxCount + 1, 0, 0})));
  const Report r = Turnout(Ist(10, 0), {5, 5, 0});
  EXPECT_TRUE(ledger_.Apply(r));
  EXPECT_FALSE(ledger_.Apply(r));  // same id again
  EXPECT_EQ(ledger_.turnout_reports().size(), 1u);
  EXPECT_TRUE(ledger_.queue_reports().empty());
  // Huge but in-range values from an unchecked replay still give a status without overflow.
  EXPECT_TRUE(ledger_.Apply(Queue(Ist(10, 0), {StationLedger::kMaxCount, 0, 0})));
  const StationStatus s = ledger_.Status(Ist(10, 5), opts_);
  ASSERT_TRUE(s.wait);
  EXPECT_EQ(s.wait->high, 24 * 60);
}

TEST_F(LedgerEvents, EqualTimesKeepArrivalOrder) {
  const Report a = Queue(Ist(10, 0), {1, 0, 0});
  const Report b = Queue(Ist(10, 0), {2, 0, 0});
  ASSERT_TRUE(ledger_.Apply(a));
  ASSERT_TRUE(ledger_.Apply(Queue(Ist(9, 0), {9, 0, 0})));
  ASSERT_TRUE(ledger_.Apply(b));
  ASSERT_EQ(ledger_.queue_reports().size(), 3u);
  EXPECT_EQ(ledger_.queue_reports()[0].observed_at, Ist(9, 0));
  EXPECT_EQ(ledger_.queue_reports()[1].id, a.id);
  EXPECT_EQ(ledger_.queue_reports()[2].id, b.id);
}

}  // namespace
}  // namespace psm
