// SQLite store: the control room's state — batch commits with audit, turnout unlocks, alerts.
#include <string>

#include "store/sqlite/sqlite_store.hpp"

namespace psm {
namespace {

using sqlite::Statement;

Error UnlockClosed(std::int64_t id) {
  return Error::Conflict("unlock_closed",
                         "turnout unlock " + std::to_string(id) + " is unknown or already closed");
}

void BindOptionalTime(Statement& stmt, int i, const std::optional<Instant>& t) {
  if (t) {
    stmt.BindInt(i, sqlite::ToMillis(*t));
  } else {
    stmt.BindNull(i);
  }
}

std::optional<Instant> OptionalTime(const Statement& stmt, int col) {
  if (stmt.IsNull(col)) return std::nullopt;
  return sqlite::FromMillis(stmt.Int(col));
}

}  // namespace

Result<std::vector<InsertOutcome>> SqliteStore::CommitReports(const ReportBatch& batch) {
  auto tx = sqlite::Transaction::Begin(conn_);
  if (!tx.ok()) return tx.error();
  auto out = InsertReportRows(batch.reports);
  if (!out.ok()) return out.error();
  if (auto s = InsertAuditRows(batch.audit); !s.ok()) return s.error();
  if (!batch.used_unlocks.empty()) {
    auto close = conn_.Prepare(
        "UPDATE turnout_unlocks SET closed_at = ?2, report_id = ?3 "
        "WHERE id = ?1 AND closed_at IS NULL");
    if (!close.ok()) return close.error();
    for (const auto& use : batch.used_unlocks) {
      close->BindInt(1, use.unlock_id);
      close->BindInt(2, sqlite::ToMillis(use.closed_at));
      close->BindText(3, use.report_id, false);
      if (auto s = close->Run(); !s.ok()) return s.error();
      close->Reset();
      if (sqlite3_changes(conn_.get()) != 1) return UnlockClosed(use.unlock_id);
    }
  }
  if (auto s = tx->Commit(); !s.ok()) return s.error();
  return out;
}

Result<std::int64_t> SqliteStore::OpenTurnoutUnlock(const TurnoutUnlock& u,
                                                    const std::vector<AuditEntry>& audit) {
  auto tx = sqlite::Transaction::Begin(conn_);
  if (!tx.ok()) return tx.error();
  auto open = conn_.Prepare(
      "SELECT count(*) FROM turnout_unlocks WHERE station = ?1 AND "
      "closed_at IS NULL");
  if (!open.ok()) return open.error();
  open->BindText(1, u.station.ToString());
  auto row = open->Step();
  if (!row.ok()) return row.error();
  if (open->Int(0) > 0) {
    return Error::Conflict(
        "unlock_open", "station " + u.station.ToString() + " already has an open turnout unlock");
  }
  auto stmt = conn_.Prepare(
      "INSERT INTO turnout_unlocks (station, opened_at, opened_by, reason) VALUES (?1, ?2, ?3, "
      "?4)");
  if (!stmt.ok()) return stmt.error();
  stmt->BindText(1, u.station.ToString());
  stmt->BindInt(2, sqlite::ToMillis(u.opened_at));
  stmt->BindText(3, u.opened_by, false);
  stmt->BindText(4, u.reason, false);
  if (auto s = stmt->Run(); !s.ok()) return s.error();
  const std::int64_t id = sqlite3_last_insert_rowid(conn_.get());
  if (auto s = InsertAuditRows(audit); !s.ok()) return s.error();
  if (auto s = tx->Commit(); !s.ok()) return s.error();
  return id;
}

Result<std::vector<TurnoutUnlock>> SqliteStore::LoadTurnoutUnlocks() {
  auto stmt = conn_.Prepare(
      "SELECT id, station, opened_at, opened_by, reason, closed_at, report_id FROM "
      "turnout_unlocks ORDER BY id");
  if (!stmt.ok()) return stmt.error();
  return stmt->CollectRows([](const sqlite::Statement& row) -> Result<TurnoutUnlock> {
    TurnoutUnlock u;
    u.id = row.Int(0);
    auto station = sqlite::StationColumn(row, 1);
    if (!station.ok()) return station.error();
    u.station = *station;
    u.opened_at = sqlite::FromMillis(row.Int(2));
    u.opened_by = row.Text(3);
    u.reason = row.Text(4);
    u.closed_at = OptionalTime(row, 5);
    u.report_id = row.Text(6);
    return u;
  });
}

Status SqliteStore::SaveAlerts(const std::vector<Alert>& alerts,
                               const std::vector<AuditEntry>& audit) {
  auto tx = sqlite::Transaction::Begin(conn_);
  if (!tx.ok()) return tx.error();
  auto stmt = conn_.Prepare(
      "INSERT INTO alerts (id, station, kind, state, opened_at, acknowledged_by, acknowledged_at, "
      "resolved_at, detail, subject) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) "
      "ON CONFLICT (id) DO UPDATE SET station = excluded.station, kind = excluded.kind, "
      "state = excluded.state, opened_at = excluded.opened_at, "
      "acknowledged_by = excluded.acknowledged_by, acknowledged_at = excluded.acknowledged_at, "
      "resolved_at = excluded.resolved_at, detail = excluded.detail, subject = excluded.subject");
  if (!stmt.ok()) return stmt.error();
  for (const Alert& a : alerts) {
    stmt->BindInt(1, a.id);
    stmt->BindText(2, a.station.ToString());
    stmt->BindText(3, ToString(a.kind), false);
    stmt->BindText(4, ToString(a.state), false);
    stmt->BindInt(5, sqlite::ToMillis(a.opened_at));
    if (a.acknowledged_by.empty()) {
      stmt->BindNull(6);
    } else {
      stmt->BindText(6, a.acknowledged_by, false);
    }
    BindOptionalTime(*stmt, 7, a.acknowledged_at);
    BindOptionalTime(*stmt, 8, a.resolved_at);
    stmt->BindText(9, a.detail, false);
    stmt->BindText(10, a.subject, false);
    if (auto s = stmt->Run(); !s.ok()) return s;
    stmt->Reset();
  }
  if (auto s = InsertAuditRows(audit); !s.ok()) return s;
  return tx->Commit();
}

Result<std::vector<Alert>> SqliteStore::LoadAlerts() {
  auto stmt = conn_.Prepare(
      "SELECT id, station, kind, state, opened_at, acknowledged_by, acknowledged_at, "
      "resolved_at, detail, subject FROM alerts ORDER BY id");
  if (!stmt.ok()) return stmt.error();
  return stmt->CollectRows([](const sqlite::Statement& row) -> Result<Alert> {
    Alert a;
    a.id = row.Int(0);
    auto station = sqlite::StationColumn(row, 1);
    if (!station.ok()) return station.error();
    a.station = *station;
    const std::string kind = row.Text(2), state = row.Text(3);
    const auto k = ParseAlertKind(kind);
    const auto st = ParseAlertState(state);
    if (!k || !st) return sqlite::CorruptRow("alerts", "bad kind/state " + kind + "/" + state);
    a.kind = *k;
    a.state = *st;
    a.opened_at = sqlite::FromMillis(row.Int(4));
    a.acknowledged_by = row.IsNull(5) ? "" : row.Text(5);
    a.acknowledged_at = OptionalTime(row, 6);
    a.resolved_at = OptionalTime(row, 7);
    a.detail = row.Text(8);
    a.subject = row.Text(9);
    return a;
  });
}

}  // namespace psm
