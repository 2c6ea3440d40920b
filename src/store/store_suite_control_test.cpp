// The storage suite, part 4: the control room — batch commits with audit and unlock closing,
// turnout unlocks, alerts, and session revocation.
#include <algorithm>
#include <string>

#include "store/store_suite.hpp"

namespace psm::testing {
namespace {

AuditEntry TestAudit(std::string action, std::string station) {
  return AuditEntry{0,           TestTime(5'000),   "officer:" + station, "officer",
                    "127.0.0.1", std::move(action), std::move(station),   "{}"};
}

TurnoutUnlock TestUnlock(const StationId& station) {
  TurnoutUnlock u;
  u.station = station;
  u.opened_at = TestTime(60'000);
  u.opened_by = "user:admin";
  u.reason = "typing error in the 11:00 figure";
  return u;
}

TEST_P(StoreSuite, CommitReportsWritesReportsAuditAndUnlockTogether) {
  LoadReferenceData();
  const StationId st{34, 1};
  auto unlock = store().OpenTurnoutUnlock(TestUnlock(st), {TestAudit("turnout_unlocked", "34-1")});
  ASSERT_TRUE(unlock.ok()) << unlock.error().detail;

  ReportBatch batch;
  batch.reports = {TestReport(1, st, ReportKind::kTurnout), TestReport(2, st, ReportKind::kQueue)};
  batch.audit = {TestAudit("report", "34-1"), TestAudit("turnout_corrected", "34-1")};
  batch.used_unlocks = {{*unlock, TestUuid(1), TestTime(90'000)}};
  auto out = store().CommitReports(batch);
  ASSERT_TRUE(out.ok()) << out.error().detail;
  ASSERT_EQ(out->size(), 2u);
  EXPECT_TRUE((*out)[0].inserted);
  ExpectSameReport(batch.reports[1], (*out)[1].stored);

  auto unlocks = store().LoadTurnoutUnlocks();
  ASSERT_TRUE(unlocks.ok());
  ASSERT_EQ(unlocks->size(), 1u);
  EXPECT_EQ((*unlocks)[0].closed_at, TestTime(90'000));
  EXPECT_EQ((*unlocks)[0].report_id, TestUuid(1));
  auto audit = store().QueryAudit(AuditFilter{"", "34-1", std::nullopt, 100});
  ASSERT_TRUE(audit.ok());
  EXPECT_EQ(audit->size(), 3u);

  // Using a closed unlock again refuses the whole batch: no report, no audit row.
  ReportBatch again;
  again.reports = {TestReport(3, st, ReportKind::kTurnout)};
  again.audit = {TestAudit("report", "34-1")};
  again.used_unlocks = {{*unlock, TestUuid(3), TestTime(95'000)}};
  auto refused = store().CommitReports(again);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kConflict);
  auto missing = store().FindReport(TestUuid(3));
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
  audit = store().QueryAudit(AuditFilter{"", "34-1", std::nullopt, 100});
  ASSERT_TRUE(audit.ok());
  EXPECT_EQ(audit->size(), 3u);

  // A batch of refusals only: audit rows, no reports.
  ReportBatch audit_only;
  audit_only.audit = {TestAudit("report_rejected", "34-2")};
  ASSERT_TRUE(store().CommitReports(audit_only).ok());
  audit = store().QueryAudit(AuditFilter{"", "34-2", std::nullopt, 100});
  ASSERT_TRUE(audit.ok());
  EXPECT_EQ(audit->size(), 1u);
}

TEST_P(StoreSuite, OneOpenTurnoutUnlockPerStation) {
  LoadReferenceData();
  auto first = store().OpenTurnoutUnlock(TestUnlock(StationId{34, 1}), {});
  ASSERT_TRUE(first.ok());
  auto second = store().OpenTurnoutUnlock(TestUnlock(StationId{34, 1}), {});
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().reason, "unlock_open");
  auto other = store().OpenTurnoutUnlock(TestUnlock(StationId{34, 2}), {});
  ASSERT_TRUE(other.ok());
  EXPECT_NE(*other, *first);
  EXPECT_FALSE(store().OpenTurnoutUnlock(TestUnlock(StationId{34, 999}), {}).ok());

  auto loaded = store().LoadTurnoutUnlocks();
  ASSERT_TRUE(loaded.ok());
  ASSERT_EQ(loaded->size(), 2u);
  TurnoutUnlock want = TestUnlock(StationId{34, 1});
  want.id = *first;
  EXPECT_EQ((*loaded)[0], want);

  // Once closed by a correction, the station may be unlocked again.
  ReportBatch batch;
  batch.reports = {TestReport(1, StationId{34, 1}, ReportKind::kTurnout)};
  batch.used_unlocks = {{*first, TestUuid(1), TestTime(70'000)}};
  ASSERT_TRUE(store().CommitReports(batch).ok());
  EXPECT_TRUE(store().OpenTurnoutUnlock(TestUnlock(StationId{34, 1}), {}).ok());
}

Alert TestAlert(std::int64_t id, const StationId& station, AlertKind kind) {
  Alert a;
  a.id = id;
  a.station = station;
  a.kind = kind;
  a.opened_at = TestTime(id * 1'000);
  a.detail = "detail " + std::to_string(id);
  return a;
}

TEST_P(StoreSuite, AlertsUpsertByIdAndRoundTrip) {
  LoadReferenceData();
  Alert open = TestAlert(2, StationId{34, 1}, AlertKind::kLongWait);
  Alert rejected = TestAlert(1, StationId{35, 2}, AlertKind::kRejectedReport);
  rejected.subject = "turnout";
  ASSERT_TRUE(store().SaveAlerts({open, rejected}, {}).ok());

  Alert acked = open;
  acked.state = AlertState::kAcknowledged;
  acked.acknowledged_by = "user:dc";
  acked.acknowledged_at = TestTime(9'000);
  ASSERT_TRUE(store().SaveAlerts({acked}, {TestAudit("alert_acknowledged", "34-1")}).ok());
  Alert resolved = acked;
  resolved.state = AlertState::kResolved;
  resolved.resolved_at = TestTime(12'345);
  ASSERT_TRUE(store().SaveAlerts({resolved}, {}).ok());

  auto loaded = store().LoadAlerts();
  ASSERT_TRUE(loaded.ok());
  ASSERT_EQ(loaded->size(), 2u);
  EXPECT_EQ((*loaded)[0], rejected);  // id order
  EXPECT_EQ((*loaded)[1], resolved);
  auto audit = store().QueryAudit(AuditFilter{"", "34-1", std::nullopt, 10});
  ASSERT_TRUE(audit.ok());
  EXPECT_EQ(audit->size(), 1u);

  // An unknown station refuses the whole call.
  Alert bad = TestAlert(3, StationId{34, 999}, AlertKind::kNoReport);
  EXPECT_FALSE(
      store().SaveAlerts({TestAlert(4, StationId{34, 1}, AlertKind::kNoReport), bad}, {}).ok());
  loaded = store().LoadAlerts();
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->size(), 2u);
}

TEST_P(StoreSuite, SessionsRevokedByStationOrUser) {
  LoadReferenceData();
  auto session = [](std::string hash, Role role, std::optional<StationId> st, std::string user) {
    SessionRecord s;
    s.token_hash = std::move(hash);
    s.role = role;
    s.station = st;
    s.user = std::move(user);
    s.created_at = TestTime(0);
    s.expires_at = TestTime(100'000);
    return s;
  };
  ASSERT_TRUE(store().InsertSession(session("a1", Role::kOfficer, StationId{34, 1}, "")).ok());
  ASSERT_TRUE(store().InsertSession(session("a2", Role::kOfficer, StationId{34, 1}, "")).ok());
  ASSERT_TRUE(store().InsertSession(session("b1", Role::kOfficer, StationId{34, 2}, "")).ok());
  ASSERT_TRUE(store().InsertSession(session("u1", Role::kSector, std::nullopt, "gill")).ok());
  ASSERT_TRUE(store().InsertSession(session("u2", Role::kAdmin, std::nullopt, "dc")).ok());

  ASSERT_TRUE(store().DeleteStationSessions(StationId{34, 1}).ok());
  ASSERT_TRUE(store().DeleteUserSessions("gill").ok());
  auto live = store().LiveSessions(TestTime(0));
  ASSERT_TRUE(live.ok());
  std::vector<std::string> left;
  for (const auto& s : *live)
    left.push_back(s.token_hash);
  std::sort(left.begin(), left.end());
  EXPECT_EQ(left, (std::vector<std::string>{"b1", "u2"}));
}

}  // namespace
}  // namespace psm::testing
