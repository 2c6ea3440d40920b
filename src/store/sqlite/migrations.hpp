// Versioned schema migrations for the SQLite store, held in code as an ordered list and
// tracked in schema_migrations(version, applied_at).
#pragma once

#include <span>

#include "core/result.hpp"
#include "store/sqlite/statement.hpp"

namespace psm::sqlite {

struct Migration {
  int version;       // strictly increasing, starting at 1
  const char* name;  // short description, for humans reading schema_migrations
  const char* sql;   // one or more statements
};

// The store's migrations, oldest first. Append only: never edit a migration once released.
std::span<const Migration> StoreMigrations();

// Returns the highest applied version, or 0 when schema_migrations does not exist yet.
Result<int> AppliedVersion(Connection& conn);

// Applies every migration newer than the applied version, each in its own write transaction
// together with its schema_migrations row, so a failed migration leaves the previous version
// intact. Re-reads the version inside each transaction, so two processes migrating at once do
// not both apply a step. Returns kInternal when the file is newer than `migrations` knows.
Status RunMigrations(Connection& conn, std::span<const Migration> migrations);

}  // namespace psm::sqlite
