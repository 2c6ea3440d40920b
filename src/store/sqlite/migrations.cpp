// The SQLite schema, one migration per version, and the runner that applies them.
#include "store/sqlite/migrations.hpp"

#include <array>
#include <string>

namespace psm::sqlite {
namespace {

// Version 1: the whole initial schema. Enum columns hold their text names (model.cpp).
// Reports and audit rows are append-only; triggers refuse UPDATE and DELETE so a bug elsewhere
// cannot rewrite history. Times are integer milliseconds since the Unix epoch.
constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE constituencies (
  number   INTEGER PRIMARY KEY,
  name     TEXT NOT NULL,
  reserved TEXT NOT NULL DEFAULT '',
  district TEXT NOT NULL DEFAULT ''
);
CREATE TABLE stations (
  id              TEXT PRIMARY KEY,
  ac              INTEGER NOT NULL REFERENCES constituencies(number),
  part            INTEGER NOT NULL,
  name            TEXT NOT NULL,
  building        TEXT NOT NULL DEFAULT '',
  locality        TEXT NOT NULL DEFAULT '',
  lat             REAL NOT NULL,
  lon             REAL NOT NULL,
  electors_men    INTEGER NOT NULL DEFAULT 0,
  electors_women  INTEGER NOT NULL DEFAULT 0,
  electors_others INTEGER NOT NULL DEFAULT 0,
  UNIQUE (ac, part)
) WITHOUT ROWID;
CREATE TABLE electors (
  epic    TEXT PRIMARY KEY,
  station TEXT NOT NULL REFERENCES stations(id)
) WITHOUT ROWID;
CREATE TABLE reports (
  seq                      INTEGER PRIMARY KEY AUTOINCREMENT,
  id                       TEXT UNIQUE NOT NULL,
  station                  TEXT NOT NULL REFERENCES stations(id),
  kind                     TEXT NOT NULL CHECK (kind IN ('queue', 'turnout', 'event')),
  observed_at              INTEGER NOT NULL,
  received_at              INTEGER NOT NULL,
  men                      INTEGER NOT NULL DEFAULT 0,
  women                    INTEGER NOT NULL DEFAULT 0,
  others                   INTEGER NOT NULL DEFAULT 0,
  event                    TEXT CHECK (event IN ('party_arrived', 'mock_poll_done',
                             'poll_started', 'interrupted', 'resumed', 'poll_closed')),
  reason                   TEXT NOT NULL DEFAULT '',
  voters_in_queue_at_close INTEGER NOT NULL DEFAULT 0,
  actor                    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX reports_station_observed ON reports (station, observed_at);
CREATE TRIGGER reports_no_update BEFORE UPDATE ON reports
  BEGIN SELECT RAISE(ABORT, 'reports are append-only'); END;
CREATE TRIGGER reports_no_delete BEFORE DELETE ON reports
  BEGIN SELECT RAISE(ABORT, 'reports are append-only'); END;
CREATE TABLE station_pins (
  station    TEXT PRIMARY KEY REFERENCES stations(id),
  pin_hash   TEXT NOT NULL,
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE users (
  name          TEXT PRIMARY KEY,
  role          TEXT NOT NULL CHECK (role IN ('officer', 'sector', 'admin')),
  password_hash TEXT NOT NULL,
  disabled      INTEGER NOT NULL DEFAULT 0,
  created_at    INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE user_stations (
  user_name TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
  station   TEXT NOT NULL REFERENCES stations(id),
  PRIMARY KEY (user_name, station)
) WITHOUT ROWID;
CREATE TABLE sessions (
  token_hash TEXT PRIMARY KEY,
  role       TEXT NOT NULL CHECK (role IN ('officer', 'sector', 'admin')),
  station    TEXT REFERENCES stations(id),
  user_name  TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_expires ON sessions (expires_at);
CREATE TABLE alerts (
  id              INTEGER PRIMARY KEY,
  station         TEXT NOT NULL REFERENCES stations(id),
  kind            TEXT NOT NULL,
  state           TEXT NOT NULL,
  opened_at       INTEGER NOT NULL,
  acknowledged_by TEXT,
  acknowledged_at INTEGER,
  resolved_at     INTEGER,
  detail          TEXT NOT NULL DEFAULT ''
);
CREATE INDEX alerts_station ON alerts (station);
CREATE INDEX alerts_state ON alerts (state);
CREATE TABLE audit (
  seq     INTEGER PRIMARY KEY AUTOINCREMENT,
  at      INTEGER NOT NULL,
  actor   TEXT NOT NULL,
  role    TEXT NOT NULL,
  client  TEXT NOT NULL DEFAULT '',
  action  TEXT NOT NULL,
  station TEXT NOT NULL DEFAULT '',
  detail  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_actor ON audit (actor);
CREATE INDEX audit_station ON audit (station);
CREATE INDEX audit_at ON audit (at);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
  BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
  BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;
)sql";

// Version 2: the control room. Turnout unlocks (an admin's permission for one lower turnout
// value; at most one open per station), and the refused report kind a rejected_report alert is
// waiting for.
constexpr const char* kSchemaV2 = R"sql(
CREATE TABLE turnout_unlocks (
  id        INTEGER PRIMARY KEY AUTOINCREMENT,
  station   TEXT NOT NULL REFERENCES stations(id),
  opened_at INTEGER NOT NULL,
  opened_by TEXT NOT NULL,
  reason    TEXT NOT NULL,
  closed_at INTEGER,
  report_id TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX turnout_unlocks_one_open ON turnout_unlocks (station) WHERE closed_at IS NULL;
ALTER TABLE alerts ADD COLUMN subject TEXT NOT NULL DEFAULT '';
CREATE INDEX sessions_station ON sessions (station);
CREATE INDEX sessions_user ON sessions (user_name);
)sql";

// Version 3: the write path's indexes. Every report writes a report row and an audit row in the
// writer's transaction; an index whose key is not monotonic (station, actor) takes each insert to
// a different page, and at peak those pages dominate the commit (measured in
// docs/benchmarks.md, "What limits each scenario", Writes). Nothing reads reports by station
// (the ledgers hold them); audit filters by actor or station scan newest-first from the end of
// the table instead, which an occasional control-room query can afford.
constexpr const char* kSchemaV3 = R"sql(
DROP INDEX reports_station_observed;
DROP INDEX audit_actor;
DROP INDEX audit_station;
)sql";

// Version 4: reports and audit without AUTOINCREMENT. Both tables are append-only (triggers
// forbid UPDATE and DELETE), so a plain INTEGER PRIMARY KEY already hands out ever-growing seqs;
// AUTOINCREMENT only added a read and a write of sqlite_sequence to every insert statement, two
// per report in the writer's transaction. The tables are rebuilt with the same columns, rows and
// seqs; dropping the old ones drops their triggers and their sqlite_sequence rows.
constexpr const char* kSchemaV4 = R"sql(
CREATE TABLE reports_v4 (
  seq                      INTEGER PRIMARY KEY,
  id                       TEXT UNIQUE NOT NULL,
  station                  TEXT NOT NULL REFERENCES stations(id),
  kind                     TEXT NOT NULL CHECK (kind IN ('queue', 'turnout', 'event')),
  observed_at              INTEGER NOT NULL,
  received_at              INTEGER NOT NULL,
  men                      INTEGER NOT NULL DEFAULT 0,
  women                    INTEGER NOT NULL DEFAULT 0,
  others                   INTEGER NOT NULL DEFAULT 0,
  event                    TEXT CHECK (event IN ('party_arrived', 'mock_poll_done',
                             'poll_started', 'interrupted', 'resumed', 'poll_closed')),
  reason                   TEXT NOT NULL DEFAULT '',
  voters_in_queue_at_close INTEGER NOT NULL DEFAULT 0,
  actor                    TEXT NOT NULL DEFAULT ''
);
INSERT INTO reports_v4 (seq, id, station, kind, observed_at, received_at, men, women, others,
                        event, reason, voters_in_queue_at_close, actor)
  SELECT seq, id, station, kind, observed_at, received_at, men, women, others, event, reason,
         voters_in_queue_at_close, actor FROM reports ORDER BY seq;
DROP TABLE reports;
ALTER TABLE reports_v4 RENAME TO reports;
CREATE TRIGGER reports_no_update BEFORE UPDATE ON reports
  BEGIN SELECT RAISE(ABORT, 'reports are append-only'); END;
CREATE TRIGGER reports_no_delete BEFORE DELETE ON reports
  BEGIN SELECT RAISE(ABORT, 'reports are append-only'); END;
CREATE TABLE audit_v4 (
  seq     INTEGER PRIMARY KEY,
  at      INTEGER NOT NULL,
  actor   TEXT NOT NULL,
  role    TEXT NOT NULL,
  client  TEXT NOT NULL DEFAULT '',
  action  TEXT NOT NULL,
  station TEXT NOT NULL DEFAULT '',
  detail  TEXT NOT NULL DEFAULT ''
);
INSERT INTO audit_v4 (seq, at, actor, role, client, action, station, detail)
  SELECT seq, at, actor, role, client, action, station, detail FROM audit ORDER BY seq;
DROP TABLE audit;
ALTER TABLE audit_v4 RENAME TO audit;
CREATE INDEX audit_at ON audit (at);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
  BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
  BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;
)sql";

// Version 5: the reports CHECKs as comparisons. SQLite evaluates `x IN ('a', 'b', ...)` in a
// CHECK by building a temporary b-tree of the list for every row it inserts: for kind and event
// that was two ephemeral tables opened, filled and freed per report, a large part of the
// writer's time at peak (measured in docs/benchmarks.md, "What limits each scenario", Writes).
// `x = 'a' OR x = 'b' ...` accepts exactly the same values (and NULL, as before) with plain
// comparisons. A CHECK cannot be altered in place, so the table is rebuilt again.
constexpr const char* kSchemaV5 = R"sql(
CREATE TABLE reports_v5 (
  seq                      INTEGER PRIMARY KEY,
  id                       TEXT UNIQUE NOT NULL,
  station                  TEXT NOT NULL REFERENCES stations(id),
  kind                     TEXT NOT NULL
                             CHECK (kind = 'queue' OR kind = 'turnout' OR kind = 'event'),
  observed_at              INTEGER NOT NULL,
  received_at              INTEGER NOT NULL,
  men                      INTEGER NOT NULL DEFAULT 0,
  women                    INTEGER NOT NULL DEFAULT 0,
  others                   INTEGER NOT NULL DEFAULT 0,
  event                    TEXT CHECK (event = 'party_arrived' OR event = 'mock_poll_done' OR
                                       event = 'poll_started' OR event = 'interrupted' OR
                                       event = 'resumed' OR event = 'poll_closed'),
  reason                   TEXT NOT NULL DEFAULT '',
  voters_in_queue_at_close INTEGER NOT NULL DEFAULT 0,
  actor                    TEXT NOT NULL DEFAULT ''
);
INSERT INTO reports_v5 (seq, id, station, kind, observed_at, received_at, men, women, others,
                        event, reason, voters_in_queue_at_close, actor)
  SELECT seq, id, station, kind, observed_at, received_at, men, women, others, event, reason,
         voters_in_queue_at_close, actor FROM reports ORDER BY seq;
DROP TABLE reports;
ALTER TABLE reports_v5 RENAME TO reports;
CREATE TRIGGER reports_no_update BEFORE UPDATE ON reports
  BEGIN SELECT RAISE(ABORT, 'reports are append-only'); END;
CREATE TRIGGER reports_no_delete BEFORE DELETE ON reports
  BEGIN SELECT RAISE(ABORT, 'reports are append-only'); END;
)sql";

constexpr std::array kMigrations = {
    Migration{1, "initial schema", kSchemaV1},
    Migration{2, "control room: turnout unlocks, alert subjects", kSchemaV2},
    Migration{3, "write path: no random-order indexes on reports and audit", kSchemaV3},
    Migration{4, "write path: reports and audit without AUTOINCREMENT", kSchemaV4},
    Migration{5, "write path: reports CHECKs without IN lists", kSchemaV5},
};

constexpr const char* kCreateTracking =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)";

constexpr const char* kMaxVersion = "SELECT coalesce(max(version), 0) FROM schema_migrations";

}  // namespace

std::span<const Migration> StoreMigrations() {
  return kMigrations;
}

Result<int> AppliedVersion(Connection& conn) {
  auto exists = conn.QueryInt(
      "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'");
  if (!exists.ok()) return exists.error();
  if (*exists == 0) return 0;
  auto v = conn.QueryInt(kMaxVersion);
  if (!v.ok()) return v.error();
  return static_cast<int>(*v);
}

Status RunMigrations(Connection& conn, std::span<const Migration> migrations) {
  const int newest = migrations.empty() ? 0 : migrations.back().version;
  {
    auto tx = Transaction::Begin(conn);
    if (!tx.ok()) return tx.error();
    if (auto s = conn.Exec(kCreateTracking); !s.ok()) return s;
    if (auto s = tx->Commit(); !s.ok()) return s;
  }
  for (const Migration& m : migrations) {
    auto tx = Transaction::Begin(conn);
    if (!tx.ok()) return tx.error();
    auto applied = conn.QueryInt(kMaxVersion);
    if (!applied.ok()) return applied.error();
    if (*applied > newest) {
      return Error::Internal("schema_too_new", "database schema version " +
                                                   std::to_string(*applied) +
                                                   " is newer than this program knows (" +
                                                   std::to_string(newest) + ")");
    }
    if (*applied >= m.version) continue;  // the destructor ends the read-only transaction
    if (auto s = conn.Exec(m.sql); !s.ok()) {
      return Error{
          s.error().code, s.error().reason,
          "migration " + std::to_string(m.version) + " (" + m.name + "): " + s.error().detail};
    }
    auto ins = conn.Prepare(
        "INSERT INTO schema_migrations (version, applied_at) VALUES "
        "(?1, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER))");
    if (!ins.ok()) return ins.error();
    ins->BindInt(1, m.version);
    if (auto s = ins->Run(); !s.ok()) return s;
    if (auto s = tx->Commit(); !s.ok()) return s;
  }
  return {};
}

}  // namespace psm::sqlite
