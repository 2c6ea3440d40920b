// The embedded SQLite backend of Store: one connection per instance, WAL journal,
// synchronous=FULL so a commit returns only after fsync.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "store/sqlite/statement.hpp"
#include "store/store.hpp"

namespace psm {

struct SqliteOptions {
  // How long any call waits for another connection's write lock before failing with
  // kUnavailable. This is the timeout on every store call.
  std::chrono::milliseconds busy_timeout{5000};
};

// The connection settings actually in effect, for health checks and tests.
struct SqliteSettings {
  std::string journal_mode;  // "wal" for a file database
  int synchronous = 0;       // 2 = FULL
  bool foreign_keys = false;
  int busy_timeout_ms = 0;
};

// Thread-compatible: one instance per thread; instances on the same file share it safely
// through SQLite's locking. Every call blocks on disk I/O for up to the busy timeout.
class SqliteStore final : public Store {
 public:
  // Opens or creates the database at `path` (":memory:" for a private in-memory database) and
  // configures the connection. Does not migrate: call Migrate() before anything else.
  static Result<std::unique_ptr<SqliteStore>> Open(const std::string& path,
                                                   const SqliteOptions& options = {});

  Result<SqliteSettings> Settings();

  Status Migrate() override;
  Result<int> SchemaVersion() override;

  Status UpsertConstituencies(const std::vector<Constituency>& rows) override;
  Status UpsertStations(const std::vector<Station>& rows) override;
  Status UpsertElectors(const std::vector<Elector>& rows) override;
  Result<std::vector<Constituency>> LoadConstituencies() override;
  Result<std::vector<Station>> LoadStations() override;
  Status ForEachElector(const std::function<bool(const Elector&)>& fn) override;
  Result<std::int64_t> CountElectors() override;

  Status ForEachReport(const std::function<bool(const Report&)>& fn) override;
  Result<std::optional<Report>> FindReport(std::string_view id) override;
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

 private:
  explicit SqliteStore(sqlite::Connection conn) : conn_(std::move(conn)) {}

  // Every user, or only the one named; each with its stations.
  Result<std::vector<User>> QueryUsers(std::optional<std::string_view> name);
  Result<std::vector<StationId>> UserStations(const std::string& name);
  // The row writes of CommitReports and AppendAudit, inside the caller's transaction.
  Result<std::vector<InsertOutcome>> InsertReportRows(const std::vector<Report>& batch);
  Status InsertAuditRows(const std::vector<AuditEntry>& entries);
  // The statement in `slot`, prepared from `sql` on first use and kept for the connection's
  // life: the report path runs these for every batch. Reset (bindings cleared) before return.
  Result<sqlite::Statement*> Cached(std::optional<sqlite::Statement>& slot, std::string_view sql);

  sqlite::Connection conn_;
  // Declared after conn_, so they are finalized before it closes.
  std::optional<sqlite::Statement> insert_report_;
  std::optional<sqlite::Statement> select_report_;
  std::optional<sqlite::Statement> insert_audit_;
};

namespace sqlite {

// Row codecs shared by the SQLite store's files. Each returns kInternal ("store_corrupt_row")
// for a row it cannot decode, so odd data in the file becomes an error, never a crash.
inline std::int64_t ToMillis(Instant t) {
  return t.time_since_epoch().count();
}
inline Instant FromMillis(std::int64_t ms) {
  return Instant(Millis(ms));
}
Result<StationId> StationColumn(const Statement& stmt, int col);
Error CorruptRow(std::string_view table, std::string_view detail);

}  // namespace sqlite
}  // namespace psm
