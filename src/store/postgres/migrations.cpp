// The PostgreSQL schema, one migration per version, and the runner that applies them.
#include "store/postgres/migrations.hpp"

#include <array>
#include <string>

namespace psm::pg {
namespace {

// Version 1: the whole schema, the SQLite schema's version 5 in PostgreSQL's types.
//
// - Times are bigint milliseconds since the Unix epoch, as in SQLite: the same numbers in both
//   backends, no time zone in play, and an Instant converts without rounding.
// - Enum columns hold their text names (model.cpp), checked by CHECK constraints.
// - Keys compared or ordered as text (EPIC, station id, user name, token hash, report id) use
//   the "C" collation: byte order as in SQLite and std::string, whatever the database's locale,
//   and the cheapest comparisons.
// - psm_change_seq numbers every committed change to what other nodes of a cluster must follow:
//   reports, alerts, turnout unlocks, sessions, users and station PINs take the next value on
//   insert and on every update, so a node can catch up with "seq > the last it saw". One
//   sequence for all of them puts their changes in one order. A sequence is not transactional:
//   values are handed out at insert, so seq order is commit order only while one writer
//   commits, and rolled-back inserts leave gaps. The reports' seq is their primary key and
//   insertion order (ForEachReport), as in SQLite.
// - Reports and audit rows are append-only: a trigger refuses UPDATE, DELETE and TRUNCATE, so a
//   bug elsewhere cannot rewrite history. Audit rows have their own seq (an identity column).
// - The write path keeps only monotonic or unique indexes on reports and audit (the SQLite
//   schema's version 3 explains why).
// - An elector's station is checked once per statement, not by a foreign key: the key's
//   per-row trigger took 11.6 of 17 s of a district import (1.65 M rows), the statement
//   trigger's one join over the new rows' distinct stations 0.5 s. A station with electors
//   cannot be deleted or renamed (a row trigger on stations), so the reference holds as a
//   foreign key would hold it.
constexpr const char* kSchemaV1 = R"sql(
CREATE SEQUENCE psm_change_seq AS bigint;
CREATE TABLE constituencies (
  number   integer PRIMARY KEY,
  name     text NOT NULL,
  reserved text NOT NULL DEFAULT '',
  district text NOT NULL DEFAULT ''
);
CREATE TABLE stations (
  id              text COLLATE "C" PRIMARY KEY,
  ac              integer NOT NULL REFERENCES constituencies (number),
  part            integer NOT NULL,
  name            text NOT NULL,
  building        text NOT NULL DEFAULT '',
  locality        text NOT NULL DEFAULT '',
  lat             double precision NOT NULL,
  lon             double precision NOT NULL,
  electors_men    bigint NOT NULL DEFAULT 0,
  electors_women  bigint NOT NULL DEFAULT 0,
  electors_others bigint NOT NULL DEFAULT 0,
  UNIQUE (ac, part)
);
CREATE TABLE electors (
  epic    text COLLATE "C" PRIMARY KEY,
  station text COLLATE "C" NOT NULL
);
CREATE FUNCTION psm_electors_station_check() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  unknown text;
BEGIN
  SELECT d.station INTO unknown FROM (SELECT DISTINCT station FROM new_rows) AS d
    WHERE NOT EXISTS (SELECT 1 FROM stations AS s WHERE s.id = d.station) LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'electors: no polling station %', unknown
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER electors_station_inserted AFTER INSERT ON electors
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION psm_electors_station_check();
CREATE TRIGGER electors_station_updated AFTER UPDATE ON electors
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION psm_electors_station_check();
CREATE FUNCTION psm_station_in_use() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM electors WHERE station = OLD.id) THEN
    RAISE EXCEPTION 'stations: % has electors', OLD.id USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
END
$$;
CREATE TRIGGER stations_keep_electors BEFORE DELETE OR UPDATE OF id ON stations
  FOR EACH ROW EXECUTE FUNCTION psm_station_in_use();
CREATE TABLE reports (
  seq                      bigint PRIMARY KEY DEFAULT nextval('psm_change_seq'),
  id                       text COLLATE "C" NOT NULL UNIQUE,
  station                  text COLLATE "C" NOT NULL REFERENCES stations (id),
  kind                     text NOT NULL CHECK (kind IN ('queue', 'turnout', 'event')),
  observed_at              bigint NOT NULL,
  received_at              bigint NOT NULL,
  men                      bigint NOT NULL DEFAULT 0,
  women                    bigint NOT NULL DEFAULT 0,
  others                   bigint NOT NULL DEFAULT 0,
  event                    text CHECK (event IN ('party_arrived', 'mock_poll_done',
                             'poll_started', 'interrupted', 'resumed', 'poll_closed')),
  reason                   text NOT NULL DEFAULT '',
  voters_in_queue_at_close bigint NOT NULL DEFAULT 0,
  actor                    text NOT NULL DEFAULT ''
);
CREATE TABLE station_pins (
  station    text COLLATE "C" PRIMARY KEY REFERENCES stations (id),
  pin_hash   text NOT NULL,
  updated_at bigint NOT NULL,
  seq        bigint NOT NULL DEFAULT nextval('psm_change_seq')
);
CREATE TABLE users (
  name          text COLLATE "C" PRIMARY KEY,
  role          text NOT NULL CHECK (role IN ('officer', 'sector', 'admin')),
  password_hash text NOT NULL,
  disabled      boolean NOT NULL DEFAULT false,
  created_at    bigint NOT NULL,
  seq           bigint NOT NULL DEFAULT nextval('psm_change_seq')
);
CREATE TABLE user_stations (
  user_name text COLLATE "C" NOT NULL REFERENCES users (name) ON DELETE CASCADE,
  station   text COLLATE "C" NOT NULL REFERENCES stations (id),
  PRIMARY KEY (user_name, station)
);
CREATE TABLE sessions (
  token_hash text COLLATE "C" PRIMARY KEY,
  role       text NOT NULL CHECK (role IN ('officer', 'sector', 'admin')),
  station    text COLLATE "C" REFERENCES stations (id),
  user_name  text COLLATE "C" NOT NULL DEFAULT '',
  created_at bigint NOT NULL,
  expires_at bigint NOT NULL,
  seq        bigint NOT NULL DEFAULT nextval('psm_change_seq')
);
CREATE INDEX sessions_expires ON sessions (expires_at);
CREATE INDEX sessions_station ON sessions (station);
CREATE INDEX sessions_user ON sessions (user_name);
CREATE TABLE alerts (
  id              bigint PRIMARY KEY,
  station         text COLLATE "C" NOT NULL REFERENCES stations (id),
  kind            text NOT NULL,
  state           text NOT NULL,
  opened_at       bigint NOT NULL,
  acknowledged_by text,
  acknowledged_at bigint,
  resolved_at     bigint,
  detail          text NOT NULL DEFAULT '',
  subject         text NOT NULL DEFAULT '',
  seq             bigint NOT NULL DEFAULT nextval('psm_change_seq')
);
CREATE INDEX alerts_station ON alerts (station);
CREATE INDEX alerts_state ON alerts (state);
CREATE TABLE turnout_unlocks (
  id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  station   text COLLATE "C" NOT NULL REFERENCES stations (id),
  opened_at bigint NOT NULL,
  opened_by text NOT NULL,
  reason    text NOT NULL,
  closed_at bigint,
  report_id text NOT NULL DEFAULT '',
  seq       bigint NOT NULL DEFAULT nextval('psm_change_seq')
);
CREATE UNIQUE INDEX turnout_unlocks_one_open ON turnout_unlocks (station) WHERE closed_at IS NULL;
CREATE TABLE audit (
  seq     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at      bigint NOT NULL,
  actor   text NOT NULL,
  role    text NOT NULL,
  client  text NOT NULL DEFAULT '',
  action  text NOT NULL,
  station text NOT NULL DEFAULT '',
  detail  text NOT NULL DEFAULT ''
);
CREATE INDEX audit_at ON audit (at);
CREATE FUNCTION psm_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END
$$;
CREATE TRIGGER reports_append_only BEFORE UPDATE OR DELETE ON reports
  FOR EACH ROW EXECUTE FUNCTION psm_append_only();
CREATE TRIGGER reports_no_truncate BEFORE TRUNCATE ON reports
  FOR EACH STATEMENT EXECUTE FUNCTION psm_append_only();
CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit
  FOR EACH ROW EXECUTE FUNCTION psm_append_only();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit
  FOR EACH STATEMENT EXECUTE FUNCTION psm_append_only();
)sql";

// Version 2: what the change feed needs (store/changes.hpp). A deleted session (logout, PIN
// reset, disabled user, expiry) leaves an ended_sessions row with the next seq, so other nodes
// drop it from their caches; rows older than a day are purged with the expired sessions (a node
// away that long loads the live sessions afresh). The feed reads alerts, unlocks and sessions by
// seq, hence their indexes.
constexpr const char* kSchemaV2 = R"sql(
CREATE TABLE ended_sessions (
  seq        bigint PRIMARY KEY DEFAULT nextval('psm_change_seq'),
  token_hash text COLLATE "C" NOT NULL,
  ended_at   bigint NOT NULL
);
CREATE FUNCTION psm_session_ended() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO ended_sessions (token_hash, ended_at)
    VALUES (OLD.token_hash, (extract(epoch FROM clock_timestamp()) * 1000)::bigint);
  RETURN NULL;
END
$$;
CREATE TRIGGER sessions_ended AFTER DELETE ON sessions
  FOR EACH ROW EXECUTE FUNCTION psm_session_ended();
CREATE INDEX ended_sessions_at ON ended_sessions (ended_at);
CREATE INDEX alerts_seq ON alerts (seq);
CREATE INDEX turnout_unlocks_seq ON turnout_unlocks (seq);
CREATE INDEX sessions_seq ON sessions (seq);
)sql";

constexpr std::array kMigrations = {
    Migration{1, "initial schema", kSchemaV1},
    Migration{2, "change feed: ended sessions, seq indexes", kSchemaV2},
};

constexpr const char* kCreateTracking =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version integer PRIMARY KEY, applied_at bigint NOT NULL)";

constexpr const char* kMaxVersion = "SELECT coalesce(max(version), 0) FROM schema_migrations";

}  // namespace

std::span<const Migration> StoreMigrations() {
  return kMigrations;
}

Result<int> AppliedVersion(Connection& conn) {
  auto exists = conn.Query("SELECT to_regclass('schema_migrations') IS NOT NULL");
  if (!exists.ok()) return exists.error();
  if (!exists->Bool(0, 0)) return 0;
  auto v = conn.Query(kMaxVersion);
  if (!v.ok()) return v.error();
  return static_cast<int>(v->Int(0, 0));
}

Status RunMigrations(Connection& conn, std::span<const Migration> migrations) {
  const int newest = migrations.empty() ? 0 : migrations.back().version;
  const std::string lock =
      "SELECT pg_advisory_xact_lock(" + std::to_string(kMigrationLockKey) + ")";
  // The first pass makes sure the tracking table exists even with no migrations to apply.
  const std::size_t passes = migrations.empty() ? 1 : migrations.size();
  for (std::size_t i = 0; i < passes; ++i) {
    auto tx = Transaction::Begin(conn);
    if (!tx.ok()) return tx.error();
    // Taken before anything else, CREATE TABLE IF NOT EXISTS included: two sessions creating
    // the same table at once would otherwise collide on the catalog's unique keys.
    if (auto s = conn.Exec(lock); !s.ok()) return s;
    if (auto s = conn.Exec(kCreateTracking); !s.ok()) return s;
    auto applied = conn.Query(kMaxVersion);
    if (!applied.ok()) return applied.error();
    const auto version = applied->Int(0, 0);
    if (version > newest) {
      return Error::Internal("schema_too_new", "database schema version " +
                                                   std::to_string(version) +
                                                   " is newer than this program knows (" +
                                                   std::to_string(newest) + ")");
    }
    if (!migrations.empty()) {
      const Migration& m = migrations[i];
      if (version < m.version) {
        if (auto s = conn.Exec(m.sql); !s.ok()) {
          return Error{
              s.error().code, s.error().reason,
              "migration " + std::to_string(m.version) + " (" + m.name + "): " + s.error().detail};
        }
        auto row = conn.Query(
            "INSERT INTO schema_migrations (version, applied_at) VALUES "
            "($1::integer, (extract(epoch FROM clock_timestamp()) * 1000)::bigint)",
            Params().Int(m.version));
        if (!row.ok()) return row.error();
      }
    }
    if (auto s = tx->Commit(); !s.ok()) return s;
  }
  return {};
}

}  // namespace psm::pg
