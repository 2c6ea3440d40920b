// SQLite store: the append-only report log with idempotent, all-or-nothing batch inserts.
#include <string>

#include "store/sqlite/sqlite_store.hpp"

namespace psm {
namespace {

using sqlite::Statement;

constexpr const char* kReportColumns =
    "id, station, kind, observed_at, received_at, men, women, others, event, reason, "
    "voters_in_queue_at_close, actor";

// Decodes a row selected with kReportColumns.
Result<Report> ReadReport(const Statement& stmt) {
  Report r;
  r.id = stmt.Text(0);
  auto station = sqlite::StationColumn(stmt, 1);
  if (!station.ok()) return station.error();
  r.station = *station;
  const std::string kind = stmt.Text(2);
  auto k = ParseReportKind(kind);
  if (!k) return sqlite::CorruptRow("reports", "report " + r.id + ": bad kind '" + kind + "'");
  r.kind = *k;
  r.observed_at = sqlite::FromMillis(stmt.Int(3));
  r.received_at = sqlite::FromMillis(stmt.Int(4));
  r.counts = Counts{stmt.Int(5), stmt.Int(6), stmt.Int(7)};
  if (!stmt.IsNull(8)) {
    const std::string event = stmt.Text(8);
    auto e = ParseEventKind(event);
    if (!e) return sqlite::CorruptRow("reports", "report " + r.id + ": bad event '" + event + "'");
    r.event = *e;
  }
  r.reason = stmt.Text(9);
  r.voters_in_queue_at_close = stmt.Int(10);
  r.actor = stmt.Text(11);
  return r;
}

// The report as the store keeps it: `event` means something only for event reports, so other
// kinds store NULL there and read back the default.
Report Normalized(const Report& r) {
  Report out = r;
  if (out.kind != ReportKind::kEvent) out.event = EventKind{};
  return out;
}

}  // namespace

Result<std::vector<InsertOutcome>> SqliteStore::InsertReportRows(const std::vector<Report>& batch) {
  auto insert_stmt = Cached(
      insert_report_,
      "INSERT INTO reports (id, station, kind, observed_at, received_at, men, women, others, "
      "event, reason, voters_in_queue_at_close, actor) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) ON CONFLICT (id) DO NOTHING");
  if (!insert_stmt.ok()) return insert_stmt.error();
  auto select_stmt = Cached(
      select_report_, std::string("SELECT ") + kReportColumns + " FROM reports WHERE id = ?1");
  if (!select_stmt.ok()) return select_stmt.error();
  sqlite::Statement* insert = *insert_stmt;
  sqlite::Statement* select = *select_stmt;
  // Whatever path leaves, neither statement keeps a read snapshot or bindings to `batch`.
  struct ResetOnExit {
    sqlite::Statement* a;
    sqlite::Statement* b;
    ~ResetOnExit() {
      a->Reset();
      b->Reset();
    }
  } reset_on_exit{insert, select};

  std::vector<InsertOutcome> out;
  out.reserve(batch.size());
  for (const Report& r : batch) {
    insert->BindText(1, r.id, false);
    insert->BindText(2, r.station.ToString());
    insert->BindText(3, ToString(r.kind), false);
    insert->BindInt(4, sqlite::ToMillis(r.observed_at));
    insert->BindInt(5, sqlite::ToMillis(r.received_at));
    insert->BindInt(6, r.counts.men);
    insert->BindInt(7, r.counts.women);
    insert->BindInt(8, r.counts.others);
    if (r.kind == ReportKind::kEvent) {
      insert->BindText(9, ToString(r.event), false);
    } else {
      insert->BindNull(9);
    }
    insert->BindText(10, r.reason, false);
    insert->BindInt(11, r.voters_in_queue_at_close);
    insert->BindText(12, r.actor, false);
    if (auto s = insert->Run(); !s.ok()) return s.error();
    insert->Reset();
    if (sqlite3_changes(conn_.get()) == 1) {
      out.push_back(InsertOutcome{true, Normalized(r)});
      continue;
    }
    // The id exists, from an earlier batch or earlier in this one: answer with what is stored.
    select->BindText(1, r.id, false);
    auto row = select->Step();
    if (!row.ok()) return row.error();
    if (!*row) {
      return Error::Internal("store_error", "report " + r.id + " was neither inserted nor found");
    }
    auto stored = ReadReport(*select);
    if (!stored.ok()) return stored.error();
    select->Reset();
    out.push_back(InsertOutcome{false, std::move(*stored)});
  }
  return out;
}

Status SqliteStore::ForEachReport(const std::function<bool(const Report&)>& fn) {
  auto stmt = conn_.Prepare(std::string("SELECT ") + kReportColumns + " FROM reports ORDER BY seq");
  if (!stmt.ok()) return stmt.error();
  return stmt->ForEachRow([&](const Statement& row) -> Result<bool> {
    auto r = ReadReport(row);
    if (!r.ok()) return r.error();
    return fn(*r);
  });
}

Result<std::optional<Report>> SqliteStore::FindReport(std::string_view id) {
  auto stmt =
      conn_.Prepare(std::string("SELECT ") + kReportColumns + " FROM reports WHERE id = ?1");
  if (!stmt.ok()) return stmt.error();
  stmt->BindText(1, id, false);
  auto row = stmt->Step();
  if (!row.ok()) return row.error();
  if (!*row) return std::optional<Report>();
  auto r = ReadReport(*stmt);
  if (!r.ok()) return r.error();
  return std::optional<Report>(std::move(*r));
}

}  // namespace psm
