// Store: the one interface to durable state. SQLite is the embedded default; a PostgreSQL
// backend implements the same interface and passes the same test suite (store_suite.hpp).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/alert.hpp"
#include "core/model.hpp"
#include "core/result.hpp"
#include "core/role.hpp"

namespace psm {

struct Elector {
  std::string epic;  // 3 letters + 7 digits, upper case
  StationId station;
  bool operator==(const Elector&) const = default;
};

struct User {
  std::string name;
  Role role = Role::kAdmin;
  std::string password_hash;        // Argon2id string from libsodium
  std::vector<StationId> stations;  // for kSector: the stations they cover
  bool disabled = false;
  Instant created_at{};
};

// A login session. Only the SHA-256 of the bearer token is stored.
struct SessionRecord {
  std::string token_hash;  // hex
  Role role = Role::kOfficer;
  std::optional<StationId> station;  // for officers
  std::string user;                  // for admin/sector
  Instant created_at{};
  Instant expires_at{};
};

struct AuditEntry {
  std::int64_t seq = 0;  // assigned by the store
  Instant at{};
  std::string actor;    // "officer:34-112", "user:alice", "anonymous"
  std::string role;     // "officer", "sector", "admin", "public"
  std::string client;   // client address
  std::string action;   // "login", "login_failed", "report", "report_rejected", ...
  std::string station;  // station id or ""
  std::string detail;   // free text or compact JSON
};

struct AuditFilter {
  std::string actor;    // "" = any
  std::string station;  // "" = any
  std::optional<Instant> since;
  std::size_t limit = 1000;
};

// An admin's permission for one lower turnout value at a station (a correction). Open while
// closed_at is unset; the correction report that used it closes it.
struct TurnoutUnlock {
  std::int64_t id = 0;  // assigned by the store
  StationId station;
  Instant opened_at{};
  std::string opened_by;  // "user:alice"
  std::string reason;
  std::optional<Instant> closed_at;
  std::string report_id;  // the correction that used it
  bool operator==(const TurnoutUnlock&) const = default;
};

// One writer batch: the reports, the audit entries they cause (accepted and refused reports,
// corrections) and the unlocks the corrections used, committed together.
struct ReportBatch {
  struct UnlockUse {
    std::int64_t unlock_id = 0;
    std::string report_id;
    Instant closed_at{};
  };
  std::vector<Report> reports;
  std::vector<AuditEntry> audit;
  std::vector<UnlockUse> used_unlocks;
};

// The outcome of inserting one report of a batch.
struct InsertOutcome {
  bool inserted = false;  // false: a report with this id already existed
  Report stored;          // the stored report (the existing one when !inserted)
};

// Thread-compatible, not thread-safe: each thread that uses the store opens its own instance
// (SQLite connections are cheap). Every call blocks on disk I/O, so none may run on an
// event-loop thread. Calls return an Error rather than throw.
class Store {
 public:
  virtual ~Store() = default;

  // Creates or upgrades the schema to the newest version. Idempotent.
  virtual Status Migrate() = 0;
  // Schema version after Migrate().
  virtual Result<int> SchemaVersion() = 0;

  // Reference data. Each call is one transaction: all rows or none. Upserts by key, so
  // re-importing identical rows changes nothing and corrected rows update in place.
  virtual Status UpsertConstituencies(const std::vector<Constituency>& rows) = 0;
  virtual Status UpsertStations(const std::vector<Station>& rows) = 0;
  virtual Status UpsertElectors(const std::vector<Elector>& rows) = 0;
  virtual Result<std::vector<Constituency>> LoadConstituencies() = 0;
  virtual Result<std::vector<Station>> LoadStations() = 0;
  // Streams every elector in EPIC order; stops early (and returns ok) if `fn` returns false.
  virtual Status ForEachElector(const std::function<bool(const Elector&)>& fn) = 0;
  virtual Result<std::int64_t> CountElectors() = 0;

  // Reports are append-only.
  // Every report, in insertion order (used to rebuild in-memory state at start).
  virtual Status ForEachReport(const std::function<bool(const Report&)>& fn) = 0;
  virtual Result<std::optional<Report>> FindReport(std::string_view id) = 0;
  // Commits batch.reports, its audit entries and the closing of its used unlocks in one durable
  // transaction (the call returns only after fsync): all or nothing. Returns one outcome per
  // report, in order: a report whose id already exists (stored before, or earlier in the batch)
  // is not written again and its outcome carries the stored report. An unknown or already
  // closed unlock is kConflict ("unlock_closed") and nothing is written.
  virtual Result<std::vector<InsertOutcome>> CommitReports(const ReportBatch& batch) = 0;

  // Turnout unlocks. OpenTurnoutUnlock stores `unlock` (its id is ignored) with `audit` in one
  // transaction and returns the new id; kConflict "unlock_open" when the station already has an
  // open one, kConflict for an unknown station.
  virtual Result<std::int64_t> OpenTurnoutUnlock(const TurnoutUnlock& unlock,
                                                 const std::vector<AuditEntry>& audit) = 0;
  // Every unlock, open and closed, in id order.
  virtual Result<std::vector<TurnoutUnlock>> LoadTurnoutUnlocks() = 0;

  // Exception alerts, keyed by the id their owner (AlertTracker) assigns: inserts new ids,
  // replaces existing ones, and appends `audit`, in one transaction.
  virtual Status SaveAlerts(const std::vector<Alert>& alerts,
                            const std::vector<AuditEntry>& audit) = 0;
  // Every alert in id order.
  virtual Result<std::vector<Alert>> LoadAlerts() = 0;

  // Officer PINs: only their Argon2id hash is stored.
  virtual Status SetStationPinHash(const StationId& station, const std::string& hash) = 0;
  // Sets many stations' PIN hashes in one transaction: all or none (issue-pins for a district).
  virtual Status SetStationPinHashes(
      const std::vector<std::pair<StationId, std::string>>& hashes) = 0;
  virtual Result<std::optional<std::string>> StationPinHash(const StationId& station) = 0;

  // Users of the control room.
  virtual Status UpsertUser(const User& user) = 0;
  virtual Result<std::optional<User>> FindUser(std::string_view name) = 0;
  virtual Result<std::vector<User>> ListUsers() = 0;

  // Login sessions, keyed by the token's hash.
  virtual Status InsertSession(const SessionRecord& session) = 0;
  virtual Status DeleteSession(std::string_view token_hash) = 0;
  // Every session with expires_at > now (used to warm the session cache at start-up).
  virtual Result<std::vector<SessionRecord>> LiveSessions(Instant now) = 0;
  virtual Status DeleteExpiredSessions(Instant now) = 0;
  // Revocation: every session of an officer's station (PIN reset) or of a user (disabled).
  virtual Status DeleteStationSessions(const StationId& station) = 0;
  virtual Status DeleteUserSessions(std::string_view user) = 0;

  // Audit log: append-only.
  virtual Status AppendAudit(const std::vector<AuditEntry>& entries) = 0;
  virtual Result<std::vector<AuditEntry>> QueryAudit(const AuditFilter& filter) = 0;
};

// Opens a store from a URL: "sqlite:var/psm.db", or "postgresql://USER@HOST:PORT/DB" (also
// "postgres://", several hosts "postgresql://u@h1:5432,h2:5432/db" and libpq's parameters,
// e.g. "?target_session_attrs=read-write"). Does not migrate. Returns kInvalid for an unknown
// scheme or a malformed URL, kUnavailable when the store cannot be reached.
Result<std::unique_ptr<Store>> OpenStore(std::string_view url);

}  // namespace psm
