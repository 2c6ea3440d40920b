// PostgreSQL store: the cluster's change feed (store/changes.hpp) and the writer role, a
// session advisory lock held by the writer's own store session, which fences its commits.
#include <limits>
#include <string>

#include "store/postgres/postgres_rows.hpp"
#include "store/postgres/postgres_store.hpp"

namespace psm {
namespace {

using pg::Params;
using pg::Rows;

// pg_try_advisory_lock's key for psm's writer role: "psmwritr" as a big-endian 64-bit integer.
constexpr std::int64_t kWriterLockKey = 0x70736d7772697472;

// Reads `rows` (seq first, then the columns `read` decodes) into `out`; returns the newest seq.
template <class T, class Read>
Result<std::int64_t> AppendSequenced(const Rows& rows, Read read, std::vector<Sequenced<T>>& out,
                                     std::int64_t newest) {
  out.reserve(out.size() + static_cast<std::size_t>(rows.size()));
  for (int i = 0; i < rows.size(); ++i) {
    auto value = read(rows, i, 1);
    if (!value.ok()) return value.error();
    out.push_back(Sequenced<T>{rows.Int(i, 0), std::move(*value)});
    newest = std::max(newest, rows.Int(i, 0));
  }
  return newest;
}

}  // namespace

Result<FeedCursor> PostgresStore::FeedHead() {
  auto rows = conn_.Query(
      "SELECT greatest(coalesce((SELECT max(seq) FROM reports), 0), "
      "coalesce((SELECT max(seq) FROM alerts), 0), "
      "coalesce((SELECT max(seq) FROM turnout_unlocks), 0)), "
      "greatest(coalesce((SELECT max(seq) FROM sessions), 0), "
      "coalesce((SELECT max(seq) FROM ended_sessions), 0))");
  if (!rows.ok()) return rows.error();
  return FeedCursor{rows->Int(0, 0), rows->Int(0, 1)};
}

Result<ChangeBatch> PostgresStore::ChangesSince(const FeedCursor& after, std::size_t report_limit) {
  // One snapshot for every table, so the unlocks and alerts read belong with the reports read.
  auto tx = pg::Transaction::Begin(conn_, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  if (!tx.ok()) return tx.error();
  ChangeBatch out;
  auto reports =
      conn_.Query(std::string("SELECT seq, ") + pg::kReportColumns +
                      " FROM reports WHERE seq > $1::bigint ORDER BY seq "
                      "LIMIT $2::bigint",
                  Params().Int(after.writer).Int(static_cast<std::int64_t>(report_limit)));
  if (!reports.ok()) return reports.error();
  auto newest = AppendSequenced(*reports, pg::ReadReport, out.reports, after.writer);
  if (!newest.ok()) return newest.error();
  out.more = static_cast<std::size_t>(reports->size()) >= report_limit;
  // With the limit reached, the unlocks and alerts after the last report read wait for the
  // next call, so the writer feed is always read as one prefix of its seq order.
  const std::int64_t upper = out.more ? *newest : std::numeric_limits<std::int64_t>::max();
  const Params range = Params().Int(after.writer).Int(upper);
  auto unlocks = conn_.Query(std::string("SELECT seq, ") + pg::kUnlockColumns +
                                 " FROM turnout_unlocks WHERE seq > $1::bigint AND "
                                 "seq <= $2::bigint ORDER BY seq",
                             range);
  if (!unlocks.ok()) return unlocks.error();
  newest = AppendSequenced(*unlocks, pg::ReadUnlock, out.unlocks, *newest);
  if (!newest.ok()) return newest.error();
  auto alerts = conn_.Query(std::string("SELECT seq, ") + pg::kAlertColumns +
                                " FROM alerts WHERE seq > $1::bigint AND seq <= $2::bigint "
                                "ORDER BY seq",
                            range);
  if (!alerts.ok()) return alerts.error();
  newest = AppendSequenced(*alerts, pg::ReadAlert, out.alerts, *newest);
  if (!newest.ok()) return newest.error();
  out.writer_seq = *newest;

  auto sessions = conn_.Query(std::string("SELECT seq, ") + pg::kSessionColumns +
                                  " FROM sessions WHERE seq > $1::bigint ORDER BY seq",
                              Params().Int(after.sessions));
  if (!sessions.ok()) return sessions.error();
  auto newest_session = AppendSequenced(*sessions, pg::ReadSession, out.sessions, after.sessions);
  if (!newest_session.ok()) return newest_session.error();
  auto ended =
      conn_.Query("SELECT seq, token_hash FROM ended_sessions WHERE seq > $1::bigint ORDER BY seq",
                  Params().Int(after.sessions));
  if (!ended.ok()) return ended.error();
  newest_session = AppendSequenced(
      *ended, [](const Rows& r, int i, int col) -> Result<std::string> { return r.Text(i, col); },
      out.ended_sessions, *newest_session);
  if (!newest_session.ok()) return newest_session.error();
  out.sessions_seq = *newest_session;
  if (auto s = tx->Commit(); !s.ok()) return s.error();
  return out;
}

Result<bool> PostgresStore::TakeWriterRole() {
  auto rows = conn_.Query("SELECT pg_try_advisory_lock($1::bigint)", Params().Int(kWriterLockKey));
  if (!rows.ok()) return rows.error();
  if (!rows->Bool(0, 0)) return false;
  role_session_ = conn_.session();
  return true;
}

Result<bool> PostgresStore::HoldsWriterRole() {
  if (role_session_ == 0) return false;
  // Any statement would do: it fails on a broken session, and the next one runs in a new
  // session (Ready() reconnects), which no longer holds the lock.
  auto rows = conn_.Query("SELECT 1");
  if (!rows.ok()) return rows.error();
  return conn_.session() == role_session_;
}

Status PostgresStore::CheckWriterFence() const {
  if (role_session_ != 0 && conn_.session() != role_session_) return NotWriterError();
  return {};
}

}  // namespace psm
