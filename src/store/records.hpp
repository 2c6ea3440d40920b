// The records the store keeps besides the model's (core/model.hpp): electors, users, sessions,
// audit entries, turnout unlocks, and what one writer batch commits.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/alert.hpp"
#include "core/model.hpp"
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
  // The store's sequence number of an inserted report where the store has a change feed
  // (PostgreSQL), else 0.
  std::int64_t seq = 0;
};

}  // namespace psm
