// PostgreSQL store: the append-only report log with idempotent, all-or-nothing batch commits,
// and the control room's state — turnout unlocks and alerts.
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "store/postgres/postgres_rows.hpp"
#include "store/postgres/postgres_store.hpp"

namespace psm {
namespace {

using pg::ArrayParam;
using pg::kReportColumns;
using pg::Params;
using pg::PreparedSql;
using pg::ReadReport;
using pg::Rows;

// The writer's hot path, prepared once per session. The batch goes as one array per column, so
// one statement takes a batch of any size; WITH ORDINALITY keeps the batch's order, and so its
// seqs. ON CONFLICT DO NOTHING skips an id stored before or earlier in the batch (the first
// wins); RETURNING names the ids actually inserted, with their seqs.
constexpr PreparedSql kInsertReports{
    "psm_insert_reports",
    "INSERT INTO reports (id, station, kind, observed_at, received_at, men, women, others, "
    "event, reason, voters_in_queue_at_close, actor) "
    "SELECT id, station, kind, observed_at, received_at, men, women, others, event, reason, "
    "voters_in_queue_at_close, actor FROM unnest($1::text[], $2::text[], $3::text[], "
    "$4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[], $8::bigint[], $9::text[], "
    "$10::text[], $11::bigint[], $12::text[]) WITH ORDINALITY AS b(id, station, kind, "
    "observed_at, received_at, men, women, others, event, reason, voters_in_queue_at_close, "
    "actor, ord) ORDER BY ord ON CONFLICT (id) DO NOTHING RETURNING id, seq"};

constexpr PreparedSql kSelectReports{
    "psm_select_reports",
    "SELECT id, station, kind, observed_at, received_at, men, women, others, event, reason, "
    "voters_in_queue_at_close, actor FROM reports WHERE id = ANY($1::text[])"};

constexpr PreparedSql kInsertAudit{
    "psm_insert_audit",
    "INSERT INTO audit (at, actor, role, client, action, station, detail) "
    "SELECT at, actor, role, client, action, station, detail FROM unnest($1::bigint[], "
    "$2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[]) WITH ORDINALITY "
    "AS a(at, actor, role, client, action, station, detail, ord) ORDER BY ord"};

// The report as the store keeps it: `event` means something only for event reports, so other
// kinds store NULL there and read back the default (as in sqlite_reports.cpp).
Report Normalized(const Report& r) {
  Report out = r;
  if (out.kind != ReportKind::kEvent) out.event = EventKind{};
  return out;
}

Error UnlockClosed(std::int64_t id) {
  return Error::Conflict("unlock_closed",
                         "turnout unlock " + std::to_string(id) + " is unknown or already closed");
}

void AddOptionalTime(ArrayParam& a, const std::optional<Instant>& t) {
  if (t) {
    a.Int(pg::ToMillis(*t));
  } else {
    a.Null();
  }
}

// Inserts `batch` as one multi-row INSERT, one array per column; the rows are the ids it wrote
// (a report whose id is already stored is skipped).
Result<Rows> InsertReportArrays(pg::Connection& conn, const std::vector<Report>& batch) {
  ArrayParam id, station, kind, observed, received, men, women, others, event, reason, queue, actor;
  for (const Report& r : batch) {
    id.Text(r.id);
    station.Text(r.station.ToString());
    kind.Text(ToString(r.kind));
    observed.Int(pg::ToMillis(r.observed_at));
    received.Int(pg::ToMillis(r.received_at));
    men.Int(r.counts.men);
    women.Int(r.counts.women);
    others.Int(r.counts.others);
    if (r.kind == ReportKind::kEvent) {
      event.Text(ToString(r.event));
    } else {
      event.Null();
    }
    reason.Text(r.reason);
    queue.Int(r.voters_in_queue_at_close);
    actor.Text(r.actor);
  }
  return conn.Run(kInsertReports, Params()
                                      .Text(id.Finish())
                                      .Text(station.Finish())
                                      .Text(kind.Finish())
                                      .Text(observed.Finish())
                                      .Text(received.Finish())
                                      .Text(men.Finish())
                                      .Text(women.Finish())
                                      .Text(others.Finish())
                                      .Text(event.Finish())
                                      .Text(reason.Finish())
                                      .Text(queue.Finish())
                                      .Text(actor.Finish()));
}

}  // namespace

Result<std::vector<InsertOutcome>> PostgresStore::InsertReportRows(
    const std::vector<Report>& batch) {
  std::vector<InsertOutcome> out;
  if (batch.empty()) return out;
  auto inserted = InsertReportArrays(conn_, batch);
  if (!inserted.ok()) return inserted.error();
  std::unordered_map<std::string_view, std::int64_t> new_ids;  // id → seq
  for (int i = 0; i < inserted->size(); ++i)
    new_ids.emplace(inserted->View(i, 0), inserted->Int(i, 1));

  // The first report of each new id is the one inserted; a later one with that id, and every
  // report whose id was stored before, is answered with the stored report.
  std::unordered_map<std::string_view, std::size_t> first;  // id → its outcome in `out`
  ArrayParam missing;
  bool any_missing = false;
  out.reserve(batch.size());
  for (const Report& r : batch) {
    if (auto it = first.find(r.id); it != first.end()) {
      out.push_back(InsertOutcome{false, out[it->second].stored});
      continue;
    }
    first.emplace(r.id, out.size());
    if (const auto seq = new_ids.find(r.id); seq != new_ids.end()) {
      out.push_back(InsertOutcome{true, Normalized(r), seq->second});
    } else {
      out.push_back(InsertOutcome{false, {}});
      missing.Text(r.id);
      any_missing = true;
    }
  }
  if (!any_missing) return out;

  auto stored = conn_.Run(kSelectReports, Params().Text(missing.Finish()));
  if (!stored.ok()) return stored.error();
  std::unordered_map<std::string, Report> by_id;
  for (int i = 0; i < stored->size(); ++i) {
    auto r = ReadReport(*stored, i);
    if (!r.ok()) return r.error();
    by_id.emplace(r->id, std::move(*r));
  }
  for (std::size_t i = 0; i < batch.size(); ++i) {
    // Inserted, or a repeat of a report inserted earlier in this batch: already answered.
    if (out[i].inserted || new_ids.contains(batch[i].id)) continue;
    auto it = by_id.find(batch[i].id);
    if (it == by_id.end()) {
      return Error::Internal("store_error",
                             "report " + batch[i].id + " was neither inserted nor found");
    }
    out[i].stored = it->second;
  }
  return out;
}

Status PostgresStore::InsertAuditRows(const std::vector<AuditEntry>& entries) {
  if (entries.empty()) return {};
  ArrayParam at, actor, role, client, action, station, detail;
  for (const AuditEntry& e : entries) {
    at.Int(pg::ToMillis(e.at));
    actor.Text(e.actor);
    role.Text(e.role);
    client.Text(e.client);
    action.Text(e.action);
    station.Text(e.station);
    detail.Text(e.detail);
  }
  auto r = conn_.Run(kInsertAudit, Params()
                                       .Text(at.Finish())
                                       .Text(actor.Finish())
                                       .Text(role.Finish())
                                       .Text(client.Finish())
                                       .Text(action.Finish())
                                       .Text(station.Finish())
                                       .Text(detail.Finish()));
  if (!r.ok()) return r.error();
  return {};
}

Status PostgresStore::CloseUnlocks(const std::vector<ReportBatch::UnlockUse>& uses) {
  if (uses.empty()) return {};
  ArrayParam id, closed, report;
  for (const auto& use : uses) {
    id.Int(use.unlock_id);
    closed.Int(pg::ToMillis(use.closed_at));
    report.Text(use.report_id);
  }
  auto rows = conn_.Query(
      "UPDATE turnout_unlocks AS u SET closed_at = c.closed_at, report_id = c.report_id, "
      "seq = nextval('psm_change_seq') FROM unnest($1::bigint[], $2::bigint[], $3::text[]) "
      "AS c(id, closed_at, report_id) WHERE u.id = c.id AND u.closed_at IS NULL RETURNING u.id",
      Params().Text(id.Finish()).Text(closed.Finish()).Text(report.Finish()));
  if (!rows.ok()) return rows.error();
  // Each use must close one open unlock; one used twice closes it once.
  std::unordered_set<std::int64_t> closed_ids;
  for (int i = 0; i < rows->size(); ++i)
    closed_ids.insert(rows->Int(i, 0));
  for (const auto& use : uses) {
    if (closed_ids.erase(use.unlock_id) == 0) return UnlockClosed(use.unlock_id);
  }
  return {};
}

Result<std::vector<InsertOutcome>> PostgresStore::CommitReports(const ReportBatch& batch) {
  auto tx = pg::Transaction::Begin(conn_);
  if (!tx.ok()) return tx.error();
  if (auto fence = CheckWriterFence(); !fence.ok()) return fence.error();
  auto out = InsertReportRows(batch.reports);
  if (!out.ok()) return out.error();
  if (auto s = InsertAuditRows(batch.audit); !s.ok()) return s.error();
  if (auto s = CloseUnlocks(batch.used_unlocks); !s.ok()) return s.error();
  if (auto s = tx->Commit(); !s.ok()) return s.error();
  return out;
}

Status PostgresStore::ForEachReport(const std::function<bool(const Report&)>& fn) {
  return ForEachRow(std::string("SELECT ") + kReportColumns + " FROM reports ORDER BY seq",
                    [&](const Rows& rows, int i) -> Result<bool> {
                      auto r = ReadReport(rows, i);
                      if (!r.ok()) return r.error();
                      return fn(*r);
                    });
}

Result<std::optional<Report>> PostgresStore::FindReport(std::string_view id) {
  auto rows = conn_.Query(std::string("SELECT ") + kReportColumns + " FROM reports WHERE id = $1",
                          Params().Text(id));
  if (!rows.ok()) return rows.error();
  if (rows->empty()) return std::optional<Report>();
  auto r = ReadReport(*rows, 0);
  if (!r.ok()) return r.error();
  return std::optional<Report>(std::move(*r));
}

Result<std::int64_t> PostgresStore::OpenTurnoutUnlock(const TurnoutUnlock& u,
                                                      const std::vector<AuditEntry>& audit) {
  auto tx = pg::Transaction::Begin(conn_);
  if (!tx.ok()) return tx.error();
  if (auto fence = CheckWriterFence(); !fence.ok()) return fence.error();
  // The partial unique index allows one open unlock per station; a second one is skipped
  // (returns no row) rather than failing, so it is told apart from an unknown station.
  auto rows = conn_.Query(
      "INSERT INTO turnout_unlocks (station, opened_at, opened_by, reason) "
      "VALUES ($1, $2::bigint, $3, $4) ON CONFLICT (station) WHERE closed_at IS NULL "
      "DO NOTHING RETURNING id",
      Params()
          .Text(u.station.ToString())
          .Int(pg::ToMillis(u.opened_at))
          .Text(u.opened_by)
          .Text(u.reason));
  if (!rows.ok()) return rows.error();
  if (rows->empty()) {
    return Error::Conflict(
        "unlock_open", "station " + u.station.ToString() + " already has an open turnout unlock");
  }
  const std::int64_t id = rows->Int(0, 0);
  if (auto s = InsertAuditRows(audit); !s.ok()) return s.error();
  if (auto s = tx->Commit(); !s.ok()) return s.error();
  return id;
}

Result<std::vector<TurnoutUnlock>> PostgresStore::LoadTurnoutUnlocks() {
  auto rows = conn_.Query(std::string("SELECT ") + pg::kUnlockColumns +
                          " FROM turnout_unlocks ORDER BY id");
  if (!rows.ok()) return rows.error();
  std::vector<TurnoutUnlock> out;
  out.reserve(static_cast<std::size_t>(rows->size()));
  for (int i = 0; i < rows->size(); ++i) {
    auto u = pg::ReadUnlock(*rows, i);
    if (!u.ok()) return u.error();
    out.push_back(std::move(*u));
  }
  return out;
}

Status PostgresStore::SaveAlerts(const std::vector<Alert>& alerts,
                                 const std::vector<AuditEntry>& audit) {
  auto tx = pg::Transaction::Begin(conn_);
  if (!tx.ok()) return tx.error();
  if (auto fence = CheckWriterFence(); !fence.ok()) return fence.error();
  if (!alerts.empty()) {
    // One row per id, the last given winning, as one upsert after another would leave it.
    std::unordered_map<std::int64_t, std::size_t> last;
    for (std::size_t i = 0; i < alerts.size(); ++i)
      last[alerts[i].id] = i;
    ArrayParam id, station, kind, state, opened, acked_by, acked_at, resolved, detail, subject;
    for (std::size_t i = 0; i < alerts.size(); ++i) {
      const Alert& a = alerts[i];
      if (last[a.id] != i) continue;
      id.Int(a.id);
      station.Text(a.station.ToString());
      kind.Text(ToString(a.kind));
      state.Text(ToString(a.state));
      opened.Int(pg::ToMillis(a.opened_at));
      if (a.acknowledged_by.empty()) {
        acked_by.Null();
      } else {
        acked_by.Text(a.acknowledged_by);
      }
      AddOptionalTime(acked_at, a.acknowledged_at);
      AddOptionalTime(resolved, a.resolved_at);
      detail.Text(a.detail);
      subject.Text(a.subject);
    }
    auto r = conn_.Query(
        "INSERT INTO alerts (id, station, kind, state, opened_at, acknowledged_by, "
        "acknowledged_at, resolved_at, detail, subject) "
        "SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::bigint[], "
        "$6::text[], $7::bigint[], $8::bigint[], $9::text[], $10::text[]) "
        "ON CONFLICT (id) DO UPDATE SET station = excluded.station, kind = excluded.kind, "
        "state = excluded.state, opened_at = excluded.opened_at, "
        "acknowledged_by = excluded.acknowledged_by, acknowledged_at = excluded.acknowledged_at, "
        "resolved_at = excluded.resolved_at, detail = excluded.detail, "
        "subject = excluded.subject, seq = excluded.seq",
        Params()
            .Text(id.Finish())
            .Text(station.Finish())
            .Text(kind.Finish())
            .Text(state.Finish())
            .Text(opened.Finish())
            .Text(acked_by.Finish())
            .Text(acked_at.Finish())
            .Text(resolved.Finish())
            .Text(detail.Finish())
            .Text(subject.Finish()));
    if (!r.ok()) return r.error();
  }
  if (auto s = InsertAuditRows(audit); !s.ok()) return s;
  return tx->Commit();
}

Result<std::vector<Alert>> PostgresStore::LoadAlerts() {
  auto rows = conn_.Query(std::string("SELECT ") + pg::kAlertColumns + " FROM alerts ORDER BY id");
  if (!rows.ok()) return rows.error();
  std::vector<Alert> out;
  out.reserve(static_cast<std::size_t>(rows->size()));
  for (int i = 0; i < rows->size(); ++i) {
    auto a = pg::ReadAlert(*rows, i);
    if (!a.ok()) return a.error();
    out.push_back(std::move(*a));
  }
  return out;
}

}  // namespace psm
