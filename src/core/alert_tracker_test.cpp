// AlertTracker: open, no duplicates while the cause persists, acknowledge, resolve, reload.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/alert_tracker.hpp"
#include "core/clock.hpp"
#include "core/testing/fake_clock.hpp"
#include "core/testing/ledger_builders.hpp"

namespace psm {
namespace {

using psm::testing::FakeClock;

using ::testing::HasSubstr;
using namespace psm::testing;

const StationId kA{34, 1};
const StationId kB{34, 2};
constexpr std::chrono::minutes kIst{330};

AlertCause Cause(AlertKind k) {
  return AlertCause{k, std::string(ToString(k)) + " detail"};
}

TEST(AlertTracker, OpensOncePerStationAndKindWhileTheCausePersists) {
  FakeClock clock(Ist(7, 15));
  AlertTracker t;
  auto changed = t.Reconcile(kA, {Cause(AlertKind::kNotStarted)}, clock.Now());
  ASSERT_EQ(changed.size(), 1u);
  EXPECT_EQ(changed[0].id, 1);
  EXPECT_EQ(changed[0].state, AlertState::kOpen);
  EXPECT_EQ(changed[0].opened_at, Ist(7, 15));
  for (int i = 0; i < 5; ++i) {  // every 30 s: the cause persists, nothing new
    clock.Advance(std::chrono::seconds(30));
    EXPECT_TRUE(t.Reconcile(kA, {Cause(AlertKind::kNotStarted)}, clock.Now()).empty());
  }
  // Another station has its own alert.
  EXPECT_EQ(t.Reconcile(kB, {Cause(AlertKind::kNotStarted)}, clock.Now()).size(), 1u);
  EXPECT_EQ(t.alerts().size(), 2u);
}

TEST(AlertTracker, AcknowledgedStaysUntilResolvedAutomatically) {
  FakeClock clock(Ist(10, 0));
  AlertTracker t;
  const auto opened = t.Reconcile(kA, {Cause(AlertKind::kLongWait)}, clock.Now());
  const std::int64_t id = opened.at(0).id;
  clock.Advance(std::chrono::minutes(2));
  auto ack = t.PrepareAcknowledge(id, "user:dc", clock.Now(), kIst);
  ASSERT_TRUE(ack.ok());
  EXPECT_EQ(t.Find(id)->state, AlertState::kOpen);  // unchanged until Put
  t.Put(*ack);
  EXPECT_EQ(t.Find(id)->state, AlertState::kAcknowledged);
  EXPECT_EQ(t.Find(id)->acknowledged_by, "user:dc");
  EXPECT_EQ(t.Find(id)->acknowledged_at, Ist(10, 2));

  auto twice = t.PrepareAcknowledge(id, "user:other", clock.Now(), kIst);
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().reason, "already_acknowledged");
  EXPECT_THAT(twice.error().detail, HasSubstr("user:dc at 10:02"));

  // Still the cause: no duplicate, the acknowledgement stays.
  clock.Advance(std::chrono::minutes(1));
  EXPECT_TRUE(t.Reconcile(kA, {Cause(AlertKind::kLongWait)}, clock.Now()).empty());
  // Cause gone: resolved.
  clock.Advance(std::chrono::minutes(1));
  const auto resolved = t.Reconcile(kA, {}, clock.Now());
  ASSERT_EQ(resolved.size(), 1u);
  EXPECT_EQ(resolved[0].state, AlertState::kResolved);
  EXPECT_EQ(resolved[0].resolved_at, Ist(10, 4));
  EXPECT_EQ(t.PrepareAcknowledge(id, "user:dc", clock.Now(), kIst).error().reason,
            "alert_resolved");
  EXPECT_EQ(t.PrepareAcknowledge(99, "user:dc", clock.Now(), kIst).error().code,
            ErrorCode::kNotFound);
  // The cause returns: a new alert.
  const auto again = t.Reconcile(kA, {Cause(AlertKind::kLongWait)}, clock.Now());
  ASSERT_EQ(again.size(), 1u);
  EXPECT_NE(again[0].id, id);
}

TEST(AlertTracker, EveryStateDerivedKindOpensAndResolves) {
  FakeClock clock(Ist(9, 0));
  AlertTracker t;
  const std::vector<AlertCause> all = {Cause(AlertKind::kNoReport), Cause(AlertKind::kNotStarted),
                                       Cause(AlertKind::kLongWait), Cause(AlertKind::kInterrupted),
                                       Cause(AlertKind::kTurnoutStalled)};
  EXPECT_EQ(t.Reconcile(kA, all, clock.Now()).size(), 5u);
  clock.Advance(std::chrono::seconds(30));
  const auto resolved = t.Reconcile(kA, {Cause(AlertKind::kInterrupted)}, clock.Now());
  EXPECT_EQ(resolved.size(), 4u);
  for (const Alert& a : resolved)
    EXPECT_NE(a.kind, AlertKind::kInterrupted);
}

TEST(AlertTracker, RejectedReportResolvedByTheNextAcceptedReportOfItsKind) {
  FakeClock clock(Ist(11, 0));
  AlertTracker t;
  auto a = t.OnRejected(kA, ReportKind::kTurnout, "votes polled may not decrease", clock.Now());
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->kind, AlertKind::kRejectedReport);
  EXPECT_EQ(a->subject, "turnout");
  // A second refusal while the first is active: no duplicate.
  EXPECT_FALSE(t.OnRejected(kA, ReportKind::kTurnout, "again", clock.Now()).has_value());
  // Reconcile does not touch it; acknowledgement does not resolve it.
  EXPECT_TRUE(t.Reconcile(kA, {}, clock.Now()).empty());
  t.Put(*t.PrepareAcknowledge(a->id, "user:dc", clock.Now(), kIst));
  // A queue report is not the fix for a turnout refusal.
  EXPECT_FALSE(t.OnAccepted(kA, ReportKind::kQueue, clock.Now()).has_value());
  clock.Advance(std::chrono::minutes(5));
  auto done = t.OnAccepted(kA, ReportKind::kTurnout, clock.Now());
  ASSERT_TRUE(done.has_value());
  EXPECT_EQ(done->state, AlertState::kResolved);
  EXPECT_EQ(done->acknowledged_by, "user:dc");
  EXPECT_EQ(done->resolved_at, Ist(11, 5));
  EXPECT_FALSE(t.OnAccepted(kA, ReportKind::kTurnout, clock.Now()).has_value());
}

TEST(AlertTracker, PinGuessingOpensOnceAndOnlyItsOwnRuleResolvesIt) {
  FakeClock clock(Ist(11, 0));
  AlertTracker t;
  auto a = t.OnPinGuessing(kA, "wrong PINs from 3 addresses", clock.Now());
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->kind, AlertKind::kPinGuessing);
  EXPECT_EQ(ToString(a->kind), "pin_guessing");
  EXPECT_FALSE(t.OnPinGuessing(kA, "again", clock.Now()).has_value());
  // The station's state has no say in it: the periodic evaluation neither resolves it...
  EXPECT_TRUE(t.Reconcile(kA, {}, clock.Now()).empty());
  // ...nor opens one from a cause list.
  EXPECT_TRUE(t.Reconcile(kB, {Cause(AlertKind::kPinGuessing)}, clock.Now()).empty());
  EXPECT_EQ(t.ActiveOfKind(AlertKind::kPinGuessing).size(), 1u);
  EXPECT_FALSE(t.ResolveActive(kB, AlertKind::kPinGuessing, clock.Now()).has_value());
  auto done = t.ResolveActive(kA, AlertKind::kPinGuessing, clock.Now());
  ASSERT_TRUE(done.has_value());
  EXPECT_EQ(done->state, AlertState::kResolved);
  EXPECT_TRUE(t.ActiveOfKind(AlertKind::kPinGuessing).empty());
  EXPECT_TRUE(t.OnPinGuessing(kA, "a new round", clock.Now()).has_value());
}

TEST(AlertTracker, LoadContinuesIdsAndKeepsActiveAlerts) {
  FakeClock clock(Ist(12, 0));
  AlertTracker first;
  first.Reconcile(kA, {Cause(AlertKind::kLongWait)}, clock.Now());
  first.Reconcile(kB, {Cause(AlertKind::kNoReport)}, clock.Now());
  first.Reconcile(kB, {}, clock.Now());
  std::vector<Alert> stored = first.alerts();
  Alert dup = stored[0];  // a duplicate active alert, as a crash could leave behind
  dup.id = 5;
  stored.push_back(dup);

  AlertTracker t;
  const auto fixed = t.Load(stored, clock.Now());
  ASSERT_EQ(fixed.size(), 1u);
  EXPECT_EQ(fixed[0].id, 1);
  EXPECT_EQ(fixed[0].state, AlertState::kResolved);
  EXPECT_TRUE(t.Reconcile(kA, {Cause(AlertKind::kLongWait)}, clock.Now()).empty());
  const auto next = t.Reconcile(kB, {Cause(AlertKind::kNoReport)}, clock.Now());
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].id, 6);
}

}  // namespace
}  // namespace psm
