// PostgreSQL store: connecting, session settings, migrations and the reference data
// (constituencies, stations, electors). Reports and the control room live in
// postgres_reports.cpp, auth and audit in postgres_auth.cpp.
#include "store/postgres/postgres_store.hpp"

#include <algorithm>
#include <charconv>
#include <numeric>
#include <string>
#include <unordered_map>

#include "store/postgres/migrations.hpp"

namespace psm {

using pg::ArrayParam;
using pg::Params;
using pg::Transaction;

namespace pg {

Error CorruptRow(std::string_view table, std::string_view detail) {
  return Error::Internal("store_corrupt_row", std::string(table) + ": " + std::string(detail));
}

Result<StationId> StationColumn(const Rows& rows, int row, int col) {
  const std::string_view text = rows.View(row, col);
  auto id = StationId::Parse(text);
  if (!id) return CorruptRow("station", "bad station id '" + std::string(text) + "'");
  return *id;
}

}  // namespace pg

namespace {

// Every session's settings. synchronous_commit is the store's promise (a call returns after its
// commit is on disk), so it is set here whatever the server's or the URL's default. lock_timeout
// bounds how long a call waits for another session's lock, like SQLite's busy timeout.
constexpr const char* kSessionSetup =
    "SET synchronous_commit TO on; SET client_encoding TO 'UTF8'; SET lock_timeout TO '5s'; "
    "SET client_min_messages TO warning";

// The positions of the last row for each key, in order: an upsert of a key given twice keeps
// the last, as row-by-row upserts would (one INSERT ... ON CONFLICT DO UPDATE may not touch a
// row twice).
template <class Row, class KeyOf>
std::vector<std::size_t> LastOfEachKey(const std::vector<Row>& rows, KeyOf key_of) {
  std::unordered_map<decltype(key_of(rows[0])), std::size_t> last;
  for (std::size_t i = 0; i < rows.size(); ++i)
    last[key_of(rows[i])] = i;
  std::vector<std::size_t> out;
  out.reserve(last.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (last[key_of(rows[i])] == i) out.push_back(i);
  }
  return out;
}

// Appends `v` as one field of COPY's text format.
void AppendCopyField(std::string& out, std::string_view v) {
  for (const char c : v) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        out += c;
    }
  }
}

}  // namespace

Result<std::unique_ptr<PostgresStore>> PostgresStore::Open(const std::string& url) {
  auto conn = pg::Connection::Open(url, kSessionSetup);
  if (!conn.ok()) return conn.error();
  // Text is UTF-8 everywhere in psm; another server encoding would refuse or mangle names.
  const char* encoding = PQparameterStatus(conn->get(), "server_encoding");
  if (encoding == nullptr || std::string_view(encoding) != "UTF8") {
    return Error::Internal("store_encoding",
                           std::string("the database's encoding is ") +
                               (encoding != nullptr ? encoding : "unknown") +
                               "; psm needs UTF8 (CREATE DATABASE ... ENCODING 'UTF8')");
  }
  return std::unique_ptr<PostgresStore>(new PostgresStore(std::move(*conn)));
}

Result<PostgresSettings> PostgresStore::Settings() {
  auto rows = conn_.Query(
      "SELECT current_setting('synchronous_commit'), current_setting('server_encoding'), "
      "current_setting('lock_timeout'), current_setting('server_version_num')::integer");
  if (!rows.ok()) return rows.error();
  return PostgresSettings{rows->Text(0, 0), rows->Text(0, 1), rows->Text(0, 2),
                          static_cast<int>(rows->Int(0, 3))};
}

Status PostgresStore::Migrate() {
  return pg::RunMigrations(conn_, pg::StoreMigrations());
}

Result<int> PostgresStore::SchemaVersion() {
  return pg::AppliedVersion(conn_);
}

Status PostgresStore::ForEachRow(std::string_view select_sql,
                                 const std::function<Result<bool>(const pg::Rows&, int)>& on_row) {
  // A cursor in one snapshot, fetched in slices, so the whole roll is never in memory twice.
  auto tx = Transaction::Begin(conn_, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  if (!tx.ok()) return tx.error();
  if (auto s = conn_.Exec("DECLARE psm_rows NO SCROLL CURSOR FOR " + std::string(select_sql));
      !s.ok()) {
    return s;
  }
  for (;;) {
    auto rows = conn_.Query("FETCH 20000 FROM psm_rows");
    if (!rows.ok()) return rows.error();
    if (rows->empty()) break;
    for (int i = 0; i < rows->size(); ++i) {
      auto go_on = on_row(*rows, i);
      if (!go_on.ok()) return go_on.error();
      if (!*go_on) return tx->Commit();
    }
  }
  return tx->Commit();
}

Status PostgresStore::UpsertConstituencies(const std::vector<Constituency>& rows) {
  ArrayParam number, name, reserved, district;
  for (const std::size_t i : LastOfEachKey(rows, [](const Constituency& c) { return c.number; })) {
    number.Int(rows[i].number);
    name.Text(rows[i].name);
    reserved.Text(rows[i].reserved);
    district.Text(rows[i].district);
  }
  // One statement, so one transaction: all rows or none. Identical rows are not rewritten.
  auto r = conn_.Query(
      "INSERT INTO constituencies AS c (number, name, reserved, district) "
      "SELECT * FROM unnest($1::integer[], $2::text[], $3::text[], $4::text[]) "
      "ON CONFLICT (number) DO UPDATE SET name = excluded.name, reserved = excluded.reserved, "
      "district = excluded.district WHERE (c.name, c.reserved, c.district) IS DISTINCT FROM "
      "(excluded.name, excluded.reserved, excluded.district)",
      Params()
          .Text(number.Finish())
          .Text(name.Finish())
          .Text(reserved.Finish())
          .Text(district.Finish()));
  if (!r.ok()) return r.error();
  return {};
}

Status PostgresStore::UpsertStations(const std::vector<Station>& rows) {
  ArrayParam id, ac, part, name, building, locality, lat, lon, men, women, others;
  for (const std::size_t i :
       LastOfEachKey(rows, [](const Station& s) { return s.id.ToString(); })) {
    const Station& st = rows[i];
    id.Text(st.id.ToString());
    ac.Int(st.id.ac);
    part.Int(st.id.part);
    name.Text(st.name);
    building.Text(st.building);
    locality.Text(st.locality);
    lat.Double(st.lat);
    lon.Double(st.lon);
    men.Int(st.electors.men);
    women.Int(st.electors.women);
    others.Int(st.electors.others);
  }
  auto r = conn_.Query(
      "INSERT INTO stations AS s (id, ac, part, name, building, locality, lat, lon, "
      "electors_men, electors_women, electors_others) "
      "SELECT * FROM unnest($1::text[], $2::integer[], $3::integer[], $4::text[], $5::text[], "
      "$6::text[], $7::float8[], $8::float8[], $9::bigint[], $10::bigint[], $11::bigint[]) "
      "ON CONFLICT (id) DO UPDATE SET name = excluded.name, building = excluded.building, "
      "locality = excluded.locality, lat = excluded.lat, lon = excluded.lon, "
      "electors_men = excluded.electors_men, electors_women = excluded.electors_women, "
      "electors_others = excluded.electors_others "
      "WHERE (s.name, s.building, s.locality, s.lat, s.lon, s.electors_men, s.electors_women, "
      "s.electors_others) IS DISTINCT FROM (excluded.name, excluded.building, "
      "excluded.locality, excluded.lat, excluded.lon, excluded.electors_men, "
      "excluded.electors_women, excluded.electors_others)",
      Params()
          .Text(id.Finish())
          .Text(ac.Finish())
          .Text(part.Finish())
          .Text(name.Finish())
          .Text(building.Finish())
          .Text(locality.Finish())
          .Text(lat.Finish())
          .Text(lon.Finish())
          .Text(men.Finish())
          .Text(women.Finish())
          .Text(others.Finish()));
  if (!r.ok()) return r.error();
  return {};
}

Status PostgresStore::UpsertElectors(const std::vector<Elector>& rows) {
  // EPIC order, and for an EPIC given twice its last row, as the SQLite backend keeps.
  std::vector<std::size_t> order(rows.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  const bool sorted = std::is_sorted(rows.begin(), rows.end(),
                                     [](const auto& a, const auto& b) { return a.epic < b.epic; });
  if (!sorted) {
    std::stable_sort(order.begin(), order.end(),
                     [&rows](std::size_t a, std::size_t b) { return rows[a].epic < rows[b].epic; });
  }

  auto tx = Transaction::Begin(conn_);
  if (!tx.ok()) return tx.error();
  // Room for the joins and the sort of a whole district's roll in memory. The lock lets readers
  // go on but makes writers of electors (another import) take turns, so the rows found new
  // below are still new when inserted.
  if (auto s = conn_.Exec("SET LOCAL work_mem TO '256MB'; "
                          "LOCK TABLE electors IN SHARE ROW EXCLUSIVE MODE");
      !s.ok()) {
    return s;
  }
  if (auto s = conn_.Exec("CREATE TEMP TABLE electors_import (epic text COLLATE \"C\" NOT NULL, "
                          "station text COLLATE \"C\" NOT NULL) ON COMMIT DROP");
      !s.ok()) {
    return s;
  }
  if (auto s = conn_.CopyBegin("COPY electors_import (epic, station) FROM STDIN"); !s.ok()) {
    return s;
  }
  Status sent;
  std::string buffer;
  constexpr std::size_t kChunk = 1 << 20;
  buffer.reserve(kChunk + 64);
  char station[24];  // "AC-PART" without a heap allocation per row
  for (std::size_t k = 0; k < order.size() && sent.ok(); ++k) {
    const Elector& e = rows[order[k]];
    if (k + 1 < order.size() && rows[order[k + 1]].epic == e.epic) continue;  // a later row wins
    if (e.epic.find('\0') != std::string::npos) {
      sent = pg::NulInText("elector " + e.epic.substr(0, e.epic.find('\0')));
      break;
    }
    AppendCopyField(buffer, e.epic);
    buffer += '\t';
    auto end = std::to_chars(station, station + 11, e.station.ac).ptr;
    *end++ = '-';
    end = std::to_chars(end, station + sizeof station, e.station.part).ptr;
    buffer.append(station, end);
    buffer += '\n';
    if (buffer.size() >= kChunk) {
      sent = conn_.CopySend(buffer);
      buffer.clear();
    }
  }
  if (sent.ok() && !buffer.empty()) sent = conn_.CopySend(buffer);
  if (auto s = conn_.CopyEnd(sent.ok() ? nullptr : "sending failed"); !s.ok()) {
    return sent.ok() ? s : sent;
  }
  // A temporary table has no statistics until analysed; the joins below need them.
  if (auto s = conn_.Exec("ANALYZE electors_import"); !s.ok()) return s;
  // Only the electors whose station changed are updated, and only new EPICs are inserted: an
  // INSERT ... ON CONFLICT DO UPDATE ... WHERE changed would lock, and so write, every unchanged
  // row, and its speculative insertion doubled the cost of a district's first import (measured
  // 9.5 s against 4.5 s). An unknown station fails the electors' station check (kConflict) and
  // the transaction leaves nothing behind.
  if (auto s = conn_.Exec("UPDATE electors AS e SET station = i.station FROM electors_import AS i "
                          "WHERE e.epic = i.epic AND e.station <> i.station");
      !s.ok()) {
    return s;
  }
  if (auto s = conn_.Exec("INSERT INTO electors (epic, station) SELECT i.epic, i.station "
                          "FROM electors_import AS i WHERE NOT EXISTS "
                          "(SELECT 1 FROM electors AS x WHERE x.epic = i.epic) ORDER BY i.epic");
      !s.ok()) {
    return s;
  }
  return tx->Commit();
}

Result<std::vector<Constituency>> PostgresStore::LoadConstituencies() {
  auto rows =
      conn_.Query("SELECT number, name, reserved, district FROM constituencies ORDER BY number");
  if (!rows.ok()) return rows.error();
  std::vector<Constituency> out;
  out.reserve(static_cast<std::size_t>(rows->size()));
  for (int i = 0; i < rows->size(); ++i) {
    out.push_back(Constituency{static_cast<int>(rows->Int(i, 0)), rows->Text(i, 1),
                               rows->Text(i, 2), rows->Text(i, 3)});
  }
  return out;
}

Result<std::vector<Station>> PostgresStore::LoadStations() {
  auto rows = conn_.Query(
      "SELECT id, name, building, locality, lat, lon, electors_men, electors_women, "
      "electors_others FROM stations ORDER BY ac, part");
  if (!rows.ok()) return rows.error();
  std::vector<Station> out;
  out.reserve(static_cast<std::size_t>(rows->size()));
  for (int i = 0; i < rows->size(); ++i) {
    auto id = pg::StationColumn(*rows, i, 0);
    if (!id.ok()) return id.error();
    out.push_back(Station{*id, rows->Text(i, 1), rows->Text(i, 2), rows->Text(i, 3),
                          rows->Double(i, 4), rows->Double(i, 5),
                          Counts{rows->Int(i, 6), rows->Int(i, 7), rows->Int(i, 8)}});
  }
  return out;
}

Status PostgresStore::ForEachElector(const std::function<bool(const Elector&)>& fn) {
  Elector e;
  return ForEachRow("SELECT epic, station FROM electors ORDER BY epic",
                    [&](const pg::Rows& rows, int i) -> Result<bool> {
                      e.epic.assign(rows.View(i, 0));
                      auto id = pg::StationColumn(rows, i, 1);
                      if (!id.ok()) return id.error();
                      e.station = *id;
                      return fn(e);
                    });
}

Result<std::int64_t> PostgresStore::CountElectors() {
  auto rows = conn_.Query("SELECT count(*) FROM electors");
  if (!rows.ok()) return rows.error();
  return rows->Int(0, 0);
}

}  // namespace psm
