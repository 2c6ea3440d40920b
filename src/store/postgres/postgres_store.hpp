// The PostgreSQL backend of Store, the store of record for a cluster: one libpq connection per
// instance, synchronous_commit on, the same semantics as the SQLite backend (the store suite
// runs on both).
#pragma once

#include <memory>
#include <string>

#include "store/postgres/connection.hpp"
#include "store/store.hpp"

namespace psm {

// The session settings actually in effect, for health checks and tests.
struct PostgresSettings {
  std::string synchronous_commit;  // "on": a commit returns after its WAL is flushed
  std::string server_encoding;     // "UTF8"
  std::string lock_timeout;        // "5s"
  int server_version = 0;          // e.g. 150018
};

// Thread-compatible: one instance (one connection, one server session) per thread. Every call
// is a round trip or a few; a call that finds the connection broken since the last one
// reconnects first (to the first host of the URL that answers), and a call that loses it is
// kUnavailable ("store_unavailable"): its transaction did not happen, or for a commit in
// flight, its outcome is unknown, which the callers' idempotent retries cover. A call waits at
// most 5 s for another session's lock (lock_timeout), then fails with kUnavailable, and at most
// 30 s for any answer (pg::kCallTimeout: a server that stopped answering), then drops the
// session, fails with kUnavailable, and the next call reconnects.
// The callbacks of ForEachElector and ForEachReport run between fetches of a cursor in a read
// transaction: they must not call back into the same instance.
class PostgresStore final : public Store {
 public:
  // Connects with `url` (postgresql://USER@HOST:PORT/DB or postgres://..., passed to libpq as
  // given: several hosts, target_session_attrs=read-write and other parameters work).
  // kInvalid for a URL libpq cannot parse, kUnavailable when no server accepts the connection,
  // kInternal for a database whose encoding is not UTF8. Does not migrate: call Migrate() first.
  static Result<std::unique_ptr<PostgresStore>> Open(const std::string& url);

  Result<PostgresSettings> Settings();

  Status Migrate() override;
  Result<int> SchemaVersion() override;

  Status UpsertConstituencies(const std::vector<Constituency>& rows) override;
  Status UpsertStations(const std::vector<Station>& rows) override;
  // COPY into a temporary table, then one UPDATE of the electors whose station changed and one
  // INSERT of the new ones: re-importing identical rows writes no row of `electors`. One import
  // at a time (a table lock); readers are not held up.
  Status UpsertElectors(const std::vector<Elector>& rows) override;
  Result<std::vector<Constituency>> LoadConstituencies() override;
  Result<std::vector<Station>> LoadStations() override;
  Status ForEachElector(const std::function<bool(const Elector&)>& fn) override;
  Result<std::int64_t> CountElectors() override;

  Status ForEachReport(const std::function<bool(const Report&)>& fn) override;
  Result<std::optional<Report>> FindReport(std::string_view id) override;
  // One transaction of prepared statements: one multi-row INSERT for the reports, one for the
  // audit rows, one UPDATE for the unlocks used, and one SELECT when some ids already existed.
  Result<std::vector<InsertOutcome>> CommitReports(const ReportBatch& batch) override;

  Result<std::int64_t> OpenTurnoutUnlock(const TurnoutUnlock& unlock,
                                         const std::vector<AuditEntry>& audit) override;
  Result<std::vector<TurnoutUnlock>> LoadTurnoutUnlocks() override;
  Status SaveAlerts(const std::vector<Alert>& alerts,
                    const std::vector<AuditEntry>& audit) override;
  Result<std::vector<Alert>> LoadAlerts() override;

  Status SetStationPinHash(const StationId& station, const std::string& hash) override;
  Status SetStationPinHashes(const std::vector<std::pair<StationId, std::string>>& hashes) override;
  Result<std::optional<std::string>> StationPinHash(const StationId& station) override;

  Status UpsertUser(const User& user) override;
  Result<std::optional<User>> FindUser(std::string_view name) override;
  Result<std::vector<User>> ListUsers() override;

  Status InsertSession(const SessionRecord& session) override;
  Status DeleteSession(std::string_view token_hash) override;
  Result<std::vector<SessionRecord>> LiveSessions(Instant now) override;
  Status DeleteExpiredSessions(Instant now) override;
  Status DeleteStationSessions(const StationId& station) override;
  Status DeleteUserSessions(std::string_view user) override;

  Status AppendAudit(const std::vector<AuditEntry>& entries) override;
  Result<std::vector<AuditEntry>> QueryAudit(const AuditFilter& filter) override;

  // The change feed and the writer role (postgres_feed.cpp). The role is a session advisory
  // lock on this store's own connection: the commits it fences run in the session that holds
  // it, so a lost session loses the role and its commits together.
  bool HasChangeFeed() const override { return true; }
  Result<FeedCursor> FeedHead() override;
  Result<ChangeBatch> ChangesSince(const FeedCursor& after, std::size_t report_limit) override;
  Result<bool> TakeWriterRole() override;
  Result<bool> HoldsWriterRole() override;

 private:
  explicit PostgresStore(pg::Connection conn) : conn_(std::move(conn)) {}

  // Every user, or only the one named; each with its stations.
  Result<std::vector<User>> QueryUsers(std::optional<std::string_view> name);
  // The row writes of CommitReports and AppendAudit, inside the caller's transaction.
  Result<std::vector<InsertOutcome>> InsertReportRows(const std::vector<Report>& batch);
  Status InsertAuditRows(const std::vector<AuditEntry>& entries);
  Status CloseUnlocks(const std::vector<ReportBatch::UnlockUse>& uses);
  // Runs `select_sql` (no parameters) as a cursor in a read-only transaction and hands every
  // row to `on_row` in batches; on_row returns false to stop early, or an error.
  Status ForEachRow(std::string_view select_sql,
                    const std::function<Result<bool>(const pg::Rows&, int)>& on_row);

  // Inside a writing transaction (CommitReports, OpenTurnoutUnlock, SaveAlerts): NotWriterError
  // when this store took the writer role in a session that has ended since.
  Status CheckWriterFence() const;

  pg::Connection conn_;
  std::uint64_t role_session_ = 0;  // the session that took the writer role; 0: never taken
};

namespace pg {

// Row codecs shared by the PostgreSQL store's files. Each returns kInternal
// ("store_corrupt_row") for a row it cannot decode, so odd data becomes an error, never a crash.
inline std::int64_t ToMillis(Instant t) {
  return t.time_since_epoch().count();
}
inline Instant FromMillis(std::int64_t ms) {
  return Instant(Millis(ms));
}
Result<StationId> StationColumn(const Rows& rows, int row, int col);
Error CorruptRow(std::string_view table, std::string_view detail);

}  // namespace pg
}  // namespace psm
