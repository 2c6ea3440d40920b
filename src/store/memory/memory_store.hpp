// An in-memory Store for fast tests of other modules (like leveldb's memenv). Same semantics
// as the SQLite backend, checked by the same suite, plus a switch to inject failures.
#pragma once

#include <map>
#include <mutex>
#include <unordered_map>

#include "store/store.hpp"

namespace psm {

// Thread-safe (one mutex), unlike the Store contract requires, so a test may share one instance
// between a writer thread and its own checks. Never blocks except on that mutex. Callbacks of
// ForEach* run on a snapshot without the lock held, so they may call back into the store.
// Like the SQLite backend it refuses every call but Migrate/SchemaVersion until migrated, and
// it enforces the same references (a station's constituency, a report's station, ...).
class MemoryStore final : public Store {
 public:
  // Makes the next `n` writing calls (Migrate, Upsert*, CommitReports,
  // OpenTurnoutUnlock, SaveAlerts, SetStationPinHash,
  // InsertSession, Delete*, AppendAudit) fail with kUnavailable without changing anything,
  // as an unreachable database would. Reads are unaffected.
  void FailNextWrites(int n);

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
  // Each returns an Error when the call must not proceed; callers hold mu_.
  Status CheckRead() const;
  Status CheckWrite();
  Status CheckStation(const StationId& id) const;
  // The reports of CommitReports after the checks, with mu_ held: all or nothing.
  Result<std::vector<InsertOutcome>> InsertReportsLocked(const std::vector<Report>& batch);
  void AppendAuditLocked(const std::vector<AuditEntry>& entries);

  mutable std::mutex mu_;
  bool migrated_ = false;
  int fail_writes_ = 0;
  std::map<int, Constituency> constituencies_;
  std::map<StationId, Station> stations_;
  std::map<std::string, StationId, std::less<>> electors_;
  std::vector<Report> reports_;  // insertion order
  std::unordered_map<std::string, std::size_t> report_index_;
  std::map<StationId, std::string> pins_;
  std::map<std::string, User, std::less<>> users_;
  std::map<std::string, SessionRecord, std::less<>> sessions_;
  std::vector<AuditEntry> audit_;
  std::vector<TurnoutUnlock> unlocks_;  // id order; id = index + 1
  std::map<std::int64_t, Alert> alerts_;
};

}  // namespace psm
