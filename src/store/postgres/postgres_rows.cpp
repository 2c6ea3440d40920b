// Row decoders of the PostgreSQL store (postgres_rows.hpp).
#include "store/postgres/postgres_rows.hpp"

#include <string>

#include "store/postgres/postgres_store.hpp"

namespace psm::pg {

std::optional<Instant> OptionalTime(const Rows& rows, int i, int col) {
  if (rows.IsNull(i, col)) return std::nullopt;
  return FromMillis(rows.Int(i, col));
}

Result<Role> ReadRole(const Rows& rows, int i, int col, std::string_view table) {
  const std::string_view text = rows.View(i, col);
  auto role = ParseRole(text);
  if (!role) return CorruptRow(table, "bad role '" + std::string(text) + "'");
  return *role;
}

Result<Report> ReadReport(const Rows& rows, int i, int col) {
  Report r;
  r.id = rows.Text(i, col);
  auto station = StationColumn(rows, i, col + 1);
  if (!station.ok()) return station.error();
  r.station = *station;
  const std::string_view kind = rows.View(i, col + 2);
  auto k = ParseReportKind(kind);
  if (!k) return CorruptRow("reports", "report " + r.id + ": bad kind '" + std::string(kind) + "'");
  r.kind = *k;
  r.observed_at = FromMillis(rows.Int(i, col + 3));
  r.received_at = FromMillis(rows.Int(i, col + 4));
  r.counts = Counts{rows.Int(i, col + 5), rows.Int(i, col + 6), rows.Int(i, col + 7)};
  if (!rows.IsNull(i, col + 8)) {
    const std::string_view event = rows.View(i, col + 8);
    auto e = ParseEventKind(event);
    if (!e) {
      return CorruptRow("reports", "report " + r.id + ": bad event '" + std::string(event) + "'");
    }
    r.event = *e;
  }
  r.reason = rows.Text(i, col + 9);
  r.voters_in_queue_at_close = rows.Int(i, col + 10);
  r.actor = rows.Text(i, col + 11);
  return r;
}

Result<TurnoutUnlock> ReadUnlock(const Rows& rows, int i, int col) {
  TurnoutUnlock u;
  u.id = rows.Int(i, col);
  auto station = StationColumn(rows, i, col + 1);
  if (!station.ok()) return station.error();
  u.station = *station;
  u.opened_at = FromMillis(rows.Int(i, col + 2));
  u.opened_by = rows.Text(i, col + 3);
  u.reason = rows.Text(i, col + 4);
  u.closed_at = OptionalTime(rows, i, col + 5);
  u.report_id = rows.Text(i, col + 6);
  return u;
}

Result<Alert> ReadAlert(const Rows& rows, int i, int col) {
  Alert a;
  a.id = rows.Int(i, col);
  auto station = StationColumn(rows, i, col + 1);
  if (!station.ok()) return station.error();
  a.station = *station;
  const std::string_view kind = rows.View(i, col + 2), state = rows.View(i, col + 3);
  const auto k = ParseAlertKind(kind);
  const auto st = ParseAlertState(state);
  if (!k || !st) {
    return CorruptRow("alerts", "bad kind/state " + std::string(kind) + "/" + std::string(state));
  }
  a.kind = *k;
  a.state = *st;
  a.opened_at = FromMillis(rows.Int(i, col + 4));
  a.acknowledged_by = rows.Text(i, col + 5);  // NULL reads as ""
  a.acknowledged_at = OptionalTime(rows, i, col + 6);
  a.resolved_at = OptionalTime(rows, i, col + 7);
  a.detail = rows.Text(i, col + 8);
  a.subject = rows.Text(i, col + 9);
  return a;
}

Result<SessionRecord> ReadSession(const Rows& rows, int i, int col) {
  SessionRecord s;
  s.token_hash = rows.Text(i, col);
  auto role = ReadRole(rows, i, col + 1, "sessions");
  if (!role.ok()) return role.error();
  s.role = *role;
  if (!rows.IsNull(i, col + 2)) {
    auto id = StationColumn(rows, i, col + 2);
    if (!id.ok()) return id.error();
    s.station = *id;
  }
  s.user = rows.Text(i, col + 3);
  s.created_at = FromMillis(rows.Int(i, col + 4));
  s.expires_at = FromMillis(rows.Int(i, col + 5));
  return s;
}

}  // namespace psm::pg
