// SQLite store: opening, pragmas, migrations and the reference data (constituencies,
// stations, electors). Reports live in sqlite_reports.cpp, auth and audit in sqlite_auth.cpp.
#include "store/sqlite/sqlite_store.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <numeric>
#include <string>

#include "store/sqlite/migrations.hpp"

namespace psm {

using sqlite::Statement;
using sqlite::Transaction;

namespace sqlite {

Error CorruptRow(std::string_view table, std::string_view detail) {
  return Error::Internal("store_corrupt_row", std::string(table) + ": " + std::string(detail));
}

Result<StationId> StationColumn(const Statement& stmt, int col) {
  const std::string text = stmt.Text(col);
  auto id = StationId::Parse(text);
  if (!id) return CorruptRow("station", "bad station id '" + text + "'");
  return *id;
}

}  // namespace sqlite

Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(const std::string& path,
                                                       const SqliteOptions& options) {
  auto conn = sqlite::Connection::Open(path);
  if (!conn.ok()) return conn.error();
  sqlite3_busy_timeout(conn->get(), static_cast<int>(options.busy_timeout.count()));
  // journal_mode returns the mode now in effect; anything but WAL on a file means the pragma
  // did not take (e.g. a read-only directory), and then commits would not be what we promise.
  auto mode = conn->QueryText("PRAGMA journal_mode=WAL");
  if (!mode.ok()) return mode.error();
  if (*mode != "wal" && path != ":memory:") {
    return Error::Internal("store_wal",
                           "could not enable WAL on " + path + " (journal_mode=" + *mode + ")");
  }
  // FULL: every commit fsyncs the WAL, so no acknowledged report is lost on power failure.
  if (auto s = conn->Exec("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON"); !s.ok()) {
    return s.error();
  }
  // The committing connection copies the WAL back into the database once it holds this many
  // pages (SQLite's default is 1,000). Under a stream of commits each checkpoint rewrites the
  // same hot index pages, and it runs on the committing thread, so checkpointing 10× less
  // often costs that thread far less; the WAL file grows to about 40 MB instead of 4 MB.
  if (auto s = conn->Exec("PRAGMA wal_autocheckpoint=10000"); !s.ok()) return s.error();
  return std::unique_ptr<SqliteStore>(new SqliteStore(std::move(*conn)));
}

Result<sqlite::Statement*> SqliteStore::Cached(std::optional<sqlite::Statement>& slot,
                                               std::string_view sql) {
  if (!slot) {
    auto stmt = conn_.Prepare(sql);
    if (!stmt.ok()) return stmt.error();
    slot.emplace(std::move(*stmt));
  }
  slot->Reset();  // a use that ended early may have left it mid-step or bound
  return &*slot;
}

Result<SqliteSettings> SqliteStore::Settings() {
  SqliteSettings out;
  auto mode = conn_.QueryText("PRAGMA journal_mode");
  if (!mode.ok()) return mode.error();
  out.journal_mode = *mode;
  auto sync = conn_.QueryInt("PRAGMA synchronous");
  if (!sync.ok()) return sync.error();
  out.synchronous = static_cast<int>(*sync);
  auto fk = conn_.QueryInt("PRAGMA foreign_keys");
  if (!fk.ok()) return fk.error();
  out.foreign_keys = *fk != 0;
  auto busy = conn_.QueryInt("PRAGMA busy_timeout");
  if (!busy.ok()) return busy.error();
  out.busy_timeout_ms = static_cast<int>(*busy);
  return out;
}

Status SqliteStore::Migrate() {
  return sqlite::RunMigrations(conn_, sqlite::StoreMigrations());
}

Result<int> SqliteStore::SchemaVersion() {
  return sqlite::AppliedVersion(conn_);
}

Status SqliteStore::UpsertConstituencies(const std::vector<Constituency>& rows) {
  auto tx = Transaction::Begin(conn_);
  if (!tx.ok()) return tx.error();
  auto stmt = conn_.Prepare(
      "INSERT INTO constituencies (number, name, reserved, district) VALUES (?1, ?2, ?3, ?4) "
      "ON CONFLICT (number) DO UPDATE SET name = excluded.name, reserved = excluded.reserved, "
      "district = excluded.district WHERE name IS NOT excluded.name OR reserved IS NOT "
      "excluded.reserved OR district IS NOT excluded.district");
  if (!stmt.ok()) return stmt.error();
  for (const Constituency& c : rows) {
    stmt->BindInt(1, c.number);
    stmt->BindText(2, c.name, false);
    stmt->BindText(3, c.reserved, false);
    stmt->BindText(4, c.district, false);
    if (auto s = stmt->Run(); !s.ok()) return s;
    stmt->Reset();
  }
  return tx->Commit();
}

Status SqliteStore::UpsertStations(const std::vector<Station>& rows) {
  auto tx = Transaction::Begin(conn_);
  if (!tx.ok()) return tx.error();
  // The WHERE clause skips identical rows, so a re-import writes no pages at all.
  auto stmt = conn_.Prepare(
      "INSERT INTO stations (id, ac, part, name, building, locality, lat, lon, electors_men, "
      "electors_women, electors_others) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) "
      "ON CONFLICT (id) DO UPDATE SET name = excluded.name, building = excluded.building, "
      "locality = excluded.locality, lat = excluded.lat, lon = excluded.lon, "
      "electors_men = excluded.electors_men, electors_women = excluded.electors_women, "
      "electors_others = excluded.electors_others "
      "WHERE (name, building, locality, lat, lon, electors_men, electors_women, "
      "electors_others) IS NOT (excluded.name, excluded.building, excluded.locality, "
      "excluded.lat, excluded.lon, excluded.electors_men, excluded.electors_women, "
      "excluded.electors_others)");
  if (!stmt.ok()) return stmt.error();
  for (const Station& st : rows) {
    stmt->BindText(1, st.id.ToString());
    stmt->BindInt(2, st.id.ac);
    stmt->BindInt(3, st.id.part);
    stmt->BindText(4, st.name, false);
    stmt->BindText(5, st.building, false);
    stmt->BindText(6, st.locality, false);
    stmt->BindDouble(7, st.lat);
    stmt->BindDouble(8, st.lon);
    stmt->BindInt(9, st.electors.men);
    stmt->BindInt(10, st.electors.women);
    stmt->BindInt(11, st.electors.others);
    if (auto s = stmt->Run(); !s.ok()) return s;
    stmt->Reset();
  }
  return tx->Commit();
}

Status SqliteStore::UpsertElectors(const std::vector<Elector>& rows) {
  // Inserting keys in B-tree order touches each page once instead of at random, which more
  // than halves a full-roll load. stable_sort keeps a repeated EPIC's last row winning, as it
  // would in input order.
  std::vector<std::size_t> order;
  const bool sorted = std::is_sorted(rows.begin(), rows.end(),
                                     [](const auto& a, const auto& b) { return a.epic < b.epic; });
  if (!sorted) {
    order.resize(rows.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(),
                     [&rows](std::size_t a, std::size_t b) { return rows[a].epic < rows[b].epic; });
  }
  // A bigger page cache while the load runs keeps the tree's pages resident; restored after.
  auto old_cache = conn_.QueryInt("PRAGMA cache_size");
  if (!old_cache.ok()) return old_cache.error();
  const bool bulk = rows.size() > 10000;
  if (bulk) {
    if (auto s = conn_.Exec("PRAGMA cache_size=-131072"); !s.ok()) return s;
  }
  Status result = [&]() -> Status {
    auto tx = Transaction::Begin(conn_);
    if (!tx.ok()) return tx.error();
    auto stmt = conn_.Prepare(
        "INSERT INTO electors (epic, station) VALUES (?1, ?2) ON CONFLICT (epic) DO UPDATE "
        "SET station = excluded.station WHERE station <> excluded.station");
    if (!stmt.ok()) return stmt.error();
    char station[24];  // "AC-PART" without a heap allocation per row
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const Elector& e = sorted ? rows[i] : rows[order[i]];
      auto end = std::to_chars(station, station + 11, e.station.ac).ptr;
      *end++ = '-';
      end = std::to_chars(end, station + sizeof station, e.station.part).ptr;
      stmt->BindText(1, e.epic, false);
      stmt->BindText(2, std::string_view(station, static_cast<std::size_t>(end - station)), false);
      if (auto s = stmt->Run(); !s.ok()) return s;
      stmt->Reset();
    }
    return tx->Commit();
  }();
  if (bulk) {
    (void)conn_.Exec("PRAGMA cache_size=" + std::to_string(*old_cache));
  }
  return result;
}

Result<std::vector<Constituency>> SqliteStore::LoadConstituencies() {
  auto stmt =
      conn_.Prepare("SELECT number, name, reserved, district FROM constituencies ORDER BY number");
  if (!stmt.ok()) return stmt.error();
  return stmt->CollectRows([](const sqlite::Statement& row) {
    return Constituency{static_cast<int>(row.Int(0)), row.Text(1), row.Text(2), row.Text(3)};
  });
}

Result<std::vector<Station>> SqliteStore::LoadStations() {
  auto stmt = conn_.Prepare(
      "SELECT id, name, building, locality, lat, lon, electors_men, electors_women, "
      "electors_others FROM stations ORDER BY ac, part");
  if (!stmt.ok()) return stmt.error();
  return stmt->CollectRows([](const sqlite::Statement& row) -> Result<Station> {
    auto id = sqlite::StationColumn(row, 0);
    if (!id.ok()) return id.error();
    return Station{*id,
                   row.Text(1),
                   row.Text(2),
                   row.Text(3),
                   row.Double(4),
                   row.Double(5),
                   Counts{row.Int(6), row.Int(7), row.Int(8)}};
  });
}

Status SqliteStore::ForEachElector(const std::function<bool(const Elector&)>& fn) {
  auto stmt = conn_.Prepare("SELECT epic, station FROM electors ORDER BY epic");
  if (!stmt.ok()) return stmt.error();
  Elector e;
  return stmt->ForEachRow([&](const sqlite::Statement& row) -> Result<bool> {
    e.epic = row.Text(0);
    auto id = sqlite::StationColumn(row, 1);
    if (!id.ok()) return id.error();
    e.station = *id;
    return fn(e);
  });
}

Result<std::int64_t> SqliteStore::CountElectors() {
  return conn_.QueryInt("SELECT count(*) FROM electors");
}

}  // namespace psm
