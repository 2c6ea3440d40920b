// Turnout corrections: refused without an unlock, accepted once with one, then the new base; and
// trials, which must give back a used unlock when undone.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/station_ledger.hpp"
#include "core/testing/ledger_builders.hpp"

namespace psm {
namespace {

using ::testing::HasSubstr;
using namespace psm::testing;

class LedgerCorrection : public ::testing::Test {
 protected:
  psm::Status Try(const Report& r) const { return ledger_.Check(r, now_, Day(), opts_); }
  void Add(const Report& r) {
    ASSERT_TRUE(Try(r).ok());
    ASSERT_TRUE(ledger_.Apply(r));
  }
  static Report Corrected(Instant at, Counts c, std::string reason) {
    Report r = Turnout(at, c);
    r.reason = std::move(reason);
    return r;
  }

  StationLedger ledger_{TestStation()};
  Instant now_ = Ist(19, 0);
  StatusOptions opts_;
};

TEST_F(LedgerCorrection, LowerValueRefusedWithoutUnlock) {
  Add(Turnout(Ist(11, 0), {220, 192, 0}));
  const psm::Status s = Try(Corrected(Ist(11, 30), {200, 192, 0}, "typing error"));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().reason, "turnout_decreased");
  EXPECT_THAT(s.error().detail, HasSubstr("needs an admin's turnout unlock"));
}

TEST_F(LedgerCorrection, AcceptedOnceAfterUnlockThenNewBase) {
  Add(Turnout(Ist(11, 0), {220, 192, 0}));
  ledger_.SetTurnoutUnlock(7);
  // Without a reason: refused, and the unlock stays open.
  const psm::Status no_reason = Try(Corrected(Ist(11, 30), {200, 192, 0}, "  "));
  ASSERT_FALSE(no_reason.ok());
  EXPECT_EQ(no_reason.error().reason, "reason_required");
  // An increase does not use up the unlock.
  Add(Turnout(Ist(11, 15), {221, 192, 0}));
  EXPECT_EQ(ledger_.turnout_unlock(), std::optional<std::int64_t>(7));
  // Observed before the latest turnout report: not a correction.
  const psm::Status early = Try(Corrected(Ist(11, 10), {200, 192, 0}, "typing error"));
  ASSERT_FALSE(early.ok());
  EXPECT_THAT(early.error().detail, HasSubstr("at or after the latest"));

  const Report fix = Corrected(Ist(11, 30), {200, 192, 0}, "typing error at 11:00");
  EXPECT_TRUE(ledger_.IsCorrection(fix));
  Add(fix);
  EXPECT_FALSE(ledger_.turnout_unlock().has_value());
  EXPECT_EQ(ledger_.Status(now_, opts_).votes_polled, (Counts{200, 192, 0}));

  // The unlock is closed: a second lower value is refused again.
  const psm::Status again = Try(Corrected(Ist(11, 45), {190, 192, 0}, "again"));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().reason, "turnout_decreased");
  // Later reports compare against the corrected value, not the old higher one.
  EXPECT_TRUE(Try(Turnout(Ist(12, 0), {210, 195, 0})).ok());
  EXPECT_FALSE(Try(Turnout(Ist(12, 0), {199, 195, 0})).ok());
}

TEST_F(LedgerCorrection, ReplayDoesNotConsumeALaterUnlock) {
  StationLedger replayed{TestStation()};
  ASSERT_TRUE(replayed.Apply(Turnout(Ist(11, 0), {220, 192, 0})));
  ASSERT_TRUE(replayed.Apply(Corrected(Ist(11, 30), {200, 192, 0}, "typing error")));
  replayed.SetTurnoutUnlock(9);  // still open in the store: set after the replay
  EXPECT_EQ(replayed.turnout_unlock(), std::optional<std::int64_t>(9));
  EXPECT_EQ(replayed.Status(now_, opts_).votes_polled, (Counts{200, 192, 0}));
}

// Timelines as comparable values: ids in order.
std::vector<std::string> Ids(const std::vector<Report>& v) {
  std::vector<std::string> out;
  for (const auto& r : v)
    out.push_back(r.id);
  return out;
}

TEST_F(LedgerCorrection, UndoneTrialLeavesTheLedgerAsBefore) {
  Add(Queue(Ist(9, 0), {10, 5, 0}));
  Add(Turnout(Ist(11, 0), {220, 192, 0}));
  Add(Event(Ist(7, 0), EventKind::kPollStarted));
  ledger_.SetTurnoutUnlock(7);
  const auto queue = Ids(ledger_.queue_reports());
  const auto turnout = Ids(ledger_.turnout_reports());
  const auto events = Ids(ledger_.events());
  const StationStatus before = ledger_.Status(now_, opts_);

  ledger_.BeginTrial();
  EXPECT_TRUE(ledger_.in_trial());
  const Report late = Queue(Ist(8, 0), {3, 3, 0});  // lands before the 09:00 report
  Add(late);
  Add(Queue(Ist(12, 0), {30, 5, 0}));
  Add(Corrected(Ist(11, 30), {200, 192, 0}, "typing error"));  // uses the unlock
  Add(Event(Ist(12, 30), EventKind::kInterrupted, "EVM fault"));
  ledger_.BeginTrial();  // continues the open trial
  Add(Event(Ist(12, 40), EventKind::kResumed));
  EXPECT_FALSE(ledger_.turnout_unlock().has_value());
  ledger_.UndoTrial();

  EXPECT_FALSE(ledger_.in_trial());
  EXPECT_EQ(Ids(ledger_.queue_reports()), queue);
  EXPECT_EQ(Ids(ledger_.turnout_reports()), turnout);
  EXPECT_EQ(Ids(ledger_.events()), events);
  EXPECT_EQ(ledger_.turnout_unlock(), std::optional<std::int64_t>(7));
  const StationStatus after = ledger_.Status(now_, opts_);
  EXPECT_EQ(after.state, before.state);
  EXPECT_EQ(after.queue, before.queue);
  EXPECT_EQ(after.votes_polled, before.votes_polled);
  // The undone ids are free again: the same report may be recorded later.
  EXPECT_TRUE(ledger_.Apply(late));
}

TEST_F(LedgerCorrection, KeptTrialKeepsItsReports) {
  ledger_.BeginTrial();
  const Report r = Queue(Ist(9, 0), {10, 5, 0});
  Add(r);
  ledger_.KeepTrial();
  EXPECT_FALSE(ledger_.in_trial());
  ledger_.UndoTrial();  // nothing open: no effect
  EXPECT_EQ(Ids(ledger_.queue_reports()), std::vector<std::string>{r.id});
  EXPECT_FALSE(ledger_.Apply(r));  // a duplicate id is still refused
}

}  // namespace
}  // namespace psm
