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
#include "store/changes.hpp"
#include "store/records.hpp"

namespace psm {

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

  // A cluster's store (PostgreSQL) is served by several nodes: one writer, the others
  // following the change feed (docs/architecture.md, "One writer"). A store one server has to
  // itself (SQLite, whose ServeLock keeps a second server off, and the memory fake) has no
  // feed, and its server is always the writer: the defaults say so.
  virtual bool HasChangeFeed() const { return false; }
  // The newest committed position of each feed: a node that loads the state afterwards and
  // then follows from here misses nothing (it may see some changes twice).
  virtual Result<FeedCursor> FeedHead();
  // What was committed after `after`: at most `report_limit` reports (then `more`), and the
  // unlocks and alerts up to the last of them; sessions without a limit.
  virtual Result<ChangeBatch> ChangesSince(const FeedCursor& after, std::size_t report_limit);
  // Tries to take the cluster's writer role, without waiting: true when this store's session
  // now holds it (or already did). Once taken, CommitReports, OpenTurnoutUnlock and SaveAlerts
  // succeed only in the session that took it: after a reconnect they fail with NotWriterError,
  // so a node whose session was lost (and whose role another node may hold by now) commits
  // nothing, whatever it believes.
  virtual Result<bool> TakeWriterRole() { return true; }
  // Whether this store's session still holds the role; asks the server (a cheap query), so a
  // lost session is noticed even while nothing is committed.
  virtual Result<bool> HoldsWriterRole() { return true; }
};

// The error of a write refused because this node is not (or no longer) the cluster's writer:
// kUnavailable "not_writer", which the API answers 503 with Retry-After so the request is
// retried on another node.
Error NotWriterError();

// Opens a store from a URL: "sqlite:var/psm.db", or "postgresql://USER@HOST:PORT/DB" (also
// "postgres://", several hosts "postgresql://u@h1:5432,h2:5432/db" and libpq's parameters,
// e.g. "?target_session_attrs=read-write"). Does not migrate. Returns kInvalid for an unknown
// scheme or a malformed URL, kUnavailable when the store cannot be reached.
Result<std::unique_ptr<Store>> OpenStore(std::string_view url);

}  // namespace psm
