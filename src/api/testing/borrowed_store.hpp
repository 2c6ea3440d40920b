// BorrowedStore: a Store that forwards every call to a store it does not own. The writer and
// each blocking-pool thread own their Store, so tests give each one of these over one MemoryStore.
#pragma once

#include "store/store.hpp"

namespace psm::api::testing {

// As thread-safe as `target` (MemoryStore is). `target` must outlive this object.
class BorrowedStore final : public Store {
 public:
  explicit BorrowedStore(Store& target) : target_(target) {}

  Status Migrate() override { return target_.Migrate(); }
  Result<int> SchemaVersion() override { return target_.SchemaVersion(); }
  Status UpsertConstituencies(const std::vector<Constituency>& rows) override {
    return target_.UpsertConstituencies(rows);
  }
  Status UpsertStations(const std::vector<Station>& rows) override {
    return target_.UpsertStations(rows);
  }
  Status UpsertElectors(const std::vector<Elector>& rows) override {
    return target_.UpsertElectors(rows);
  }
  Result<std::vector<Constituency>> LoadConstituencies() override {
    return target_.LoadConstituencies();
  }
  Result<std::vector<Station>> LoadStations() override { return target_.LoadStations(); }
  Status ForEachElector(const std::function<bool(const Elector&)>& fn) override {
    return target_.ForEachElector(fn);
  }
  Result<std::int64_t> CountElectors() override { return target_.CountElectors(); }
  Status ForEachReport(const std::function<bool(const Report&)>& fn) override {
    return target_.ForEachReport(fn);
  }
  Result<std::optional<Report>> FindReport(std::string_view id) override {
    return target_.FindReport(id);
  }
  Result<std::vector<InsertOutcome>> CommitReports(const ReportBatch& batch) override {
    return target_.CommitReports(batch);
  }
  Result<std::int64_t> OpenTurnoutUnlock(const TurnoutUnlock& unlock,
                                         const std::vector<AuditEntry>& audit) override {
    return target_.OpenTurnoutUnlock(unlock, audit);
  }
  Result<std::vector<TurnoutUnlock>> LoadTurnoutUnlocks() override {
    return target_.LoadTurnoutUnlocks();
  }
  Status SaveAlerts(const std::vector<Alert>& alerts,
                    const std::vector<AuditEntry>& audit) override {
    return target_.SaveAlerts(alerts, audit);
  }
  Result<std::vector<Alert>> LoadAlerts() override { return target_.LoadAlerts(); }
  Status SetStationPinHash(const StationId& station, const std::string& hash) override {
    return target_.SetStationPinHash(station, hash);
  }
  Status SetStationPinHashes(
      const std::vector<std::pair<StationId, std::string>>& hashes) override {
    return target_.SetStationPinHashes(hashes);
  }
  Result<std::optional<std::string>> StationPinHash(const StationId& station) override {
    return target_.StationPinHash(station);
  }
  Status UpsertUser(const User& user) override { return target_.UpsertUser(user); }
  Result<std::optional<User>> FindUser(std::string_view name) override {
    return target_.FindUser(name);
  }
  Result<std::vector<User>> ListUsers() override { return target_.ListUsers(); }
  Status InsertSession(const SessionRecord& session) override {
    return target_.InsertSession(session);
  }
  Status DeleteSession(std::string_view token_hash) override {
    return target_.DeleteSession(token_hash);
  }
  Result<std::vector<SessionRecord>> LiveSessions(Instant now) override {
    return target_.LiveSessions(now);
  }
  Status DeleteExpiredSessions(Instant now) override { return target_.DeleteExpiredSessions(now); }
  Status DeleteStationSessions(const StationId& station) override {
    return target_.DeleteStationSessions(station);
  }
  Status DeleteUserSessions(std::string_view user) override {
    return target_.DeleteUserSessions(user);
  }
  Status AppendAudit(const std::vector<AuditEntry>& entries) override {
    return target_.AppendAudit(entries);
  }
  Result<std::vector<AuditEntry>> QueryAudit(const AuditFilter& filter) override {
    return target_.QueryAudit(filter);
  }

 private:
  Store& target_;
};

}  // namespace psm::api::testing
