// Versioned schema migrations for the PostgreSQL store, held in code as an ordered list (its
// own, not SQLite's: the two schemas differ in types, not in meaning) and tracked in
// schema_migrations(version, applied_at).
#pragma once

#include <span>

#include "core/result.hpp"
#include "store/postgres/connection.hpp"

namespace psm::pg {

struct Migration {
  int version;       // strictly increasing, starting at 1
  const char* name;  // short description, for humans reading the code
  const char* sql;   // one or more statements
};

// The store's migrations, oldest first. Append only: never edit a migration once released.
std::span<const Migration> StoreMigrations();

// Returns the highest applied version, or 0 when schema_migrations does not exist yet.
Result<int> AppliedVersion(Connection& conn);

// Applies every migration newer than the applied version, each in its own transaction together
// with its schema_migrations row, so a failed migration leaves the previous version intact.
// Each transaction first takes a transaction-level advisory lock (kMigrationLockKey), so two
// processes migrating the same database at once take turns: the second finds the step done.
// Returns kInternal when the database is newer than `migrations` knows.
Status RunMigrations(Connection& conn, std::span<const Migration> migrations);

// The advisory lock key migrations hold ("psm-migr" in ASCII).
inline constexpr long long kMigrationLockKey = 0x70736d2d6d696772LL;

}  // namespace psm::pg
