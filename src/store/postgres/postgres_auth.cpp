// PostgreSQL store: officer PINs, control-room users, login sessions and the audit log.
#include <algorithm>
#include <limits>
#include <map>
#include <string>
#include <unordered_map>

#include "store/postgres/postgres_rows.hpp"
#include "store/postgres/postgres_store.hpp"

namespace psm {
namespace {

using pg::ArrayParam;
using pg::Params;
using pg::Rows;

constexpr const char* kNowMillis = "(extract(epoch FROM clock_timestamp()) * 1000)::bigint";

Status Done(const Result<Rows>& r) {
  if (!r.ok()) return r.error();
  return {};
}

}  // namespace

Status PostgresStore::SetStationPinHash(const StationId& station, const std::string& hash) {
  return SetStationPinHashes({{station, hash}});
}

Status PostgresStore::SetStationPinHashes(
    const std::vector<std::pair<StationId, std::string>>& hashes) {
  std::unordered_map<std::string, std::size_t> last;  // a station given twice: the last wins
  for (std::size_t i = 0; i < hashes.size(); ++i)
    last[hashes[i].first.ToString()] = i;
  ArrayParam station, hash;
  for (std::size_t i = 0; i < hashes.size(); ++i) {
    if (last[hashes[i].first.ToString()] != i) continue;
    station.Text(hashes[i].first.ToString());
    hash.Text(hashes[i].second);
  }
  // One statement: all stations or none (an unknown one fails the foreign key).
  return Done(conn_.Query(std::string("INSERT INTO station_pins (station, pin_hash, updated_at) "
                                      "SELECT station, pin_hash, ") +
                              kNowMillis +
                              " FROM unnest($1::text[], $2::text[]) AS p(station, pin_hash) "
                              "ON CONFLICT (station) DO UPDATE SET pin_hash = excluded.pin_hash, "
                              "updated_at = excluded.updated_at, seq = excluded.seq",
                          Params().Text(station.Finish()).Text(hash.Finish())));
}

Result<std::optional<std::string>> PostgresStore::StationPinHash(const StationId& station) {
  auto rows = conn_.Query("SELECT pin_hash FROM station_pins WHERE station = $1",
                          Params().Text(station.ToString()));
  if (!rows.ok()) return rows.error();
  if (rows->empty()) return std::optional<std::string>();
  return std::optional<std::string>(rows->Text(0, 0));
}

Status PostgresStore::UpsertUser(const User& user) {
  auto tx = pg::Transaction::Begin(conn_);
  if (!tx.ok()) return tx.error();
  // created_at is kept from the first insert: an update changes the account, not its age.
  auto upsert = conn_.Query(
      "INSERT INTO users (name, role, password_hash, disabled, created_at) "
      "VALUES ($1, $2, $3, $4::boolean, $5::bigint) ON CONFLICT (name) DO UPDATE SET "
      "role = excluded.role, password_hash = excluded.password_hash, "
      "disabled = excluded.disabled, seq = excluded.seq",
      Params()
          .Text(user.name)
          .Text(ToString(user.role))
          .Text(user.password_hash)
          .Bool(user.disabled)
          .Int(pg::ToMillis(user.created_at)));
  if (!upsert.ok()) return upsert.error();
  if (auto s = Done(
          conn_.Query("DELETE FROM user_stations WHERE user_name = $1", Params().Text(user.name)));
      !s.ok()) {
    return s;
  }
  if (!user.stations.empty()) {
    ArrayParam stations;
    for (const StationId& st : user.stations)
      stations.Text(st.ToString());
    if (auto s = Done(conn_.Query("INSERT INTO user_stations (user_name, station) SELECT $1, s "
                                  "FROM unnest($2::text[]) AS s ON CONFLICT DO NOTHING",
                                  Params().Text(user.name).Text(stations.Finish())));
        !s.ok()) {
      return s;
    }
  }
  return tx->Commit();
}

Result<std::vector<User>> PostgresStore::QueryUsers(std::optional<std::string_view> name) {
  // Both reads in one snapshot, so a user's stations match the user row.
  auto tx = pg::Transaction::Begin(conn_, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  if (!tx.ok()) return tx.error();
  Params params;
  if (name) params.Text(*name);
  auto rows =
      conn_.Query(std::string("SELECT name, role, password_hash, disabled, created_at FROM users") +
                      (name ? " WHERE name = $1" : " ORDER BY name"),
                  params);
  if (!rows.ok()) return rows.error();
  std::vector<User> out;
  std::map<std::string, std::size_t, std::less<>> index;
  for (int i = 0; i < rows->size(); ++i) {
    User u;
    u.name = rows->Text(i, 0);
    auto role = pg::ReadRole(*rows, i, 1, "users");
    if (!role.ok()) return role.error();
    u.role = *role;
    u.password_hash = rows->Text(i, 2);
    u.disabled = rows->Bool(i, 3);
    u.created_at = pg::FromMillis(rows->Int(i, 4));
    index.emplace(u.name, out.size());
    out.push_back(std::move(u));
  }
  auto stations = conn_.Query(std::string("SELECT user_name, station FROM user_stations") +
                                  (name ? " WHERE user_name = $1" : ""),
                              params);
  if (!stations.ok()) return stations.error();
  for (int i = 0; i < stations->size(); ++i) {
    auto it = index.find(stations->View(i, 0));
    if (it == index.end()) continue;
    auto id = pg::StationColumn(*stations, i, 1);
    if (!id.ok()) return id.error();
    out[it->second].stations.push_back(*id);
  }
  for (User& u : out)
    std::sort(u.stations.begin(), u.stations.end());  // numeric (ac, part) order
  if (auto s = tx->Commit(); !s.ok()) return s.error();
  return out;
}

Result<std::optional<User>> PostgresStore::FindUser(std::string_view name) {
  auto users = QueryUsers(name);
  if (!users.ok()) return users.error();
  if (users->empty()) return std::optional<User>();
  return std::optional<User>(std::move(users->front()));
}

Result<std::vector<User>> PostgresStore::ListUsers() {
  return QueryUsers(std::nullopt);
}

Status PostgresStore::InsertSession(const SessionRecord& s) {
  Params params;
  params.Text(s.token_hash).Text(ToString(s.role));
  if (s.station) {
    params.Text(s.station->ToString());
  } else {
    params.Null();
  }
  params.Text(s.user).Int(pg::ToMillis(s.created_at)).Int(pg::ToMillis(s.expires_at));
  return Done(conn_.Query(
      "INSERT INTO sessions (token_hash, role, station, user_name, created_at, expires_at) "
      "VALUES ($1, $2, $3, $4, $5::bigint, $6::bigint)",
      params));
}

Result<std::vector<SessionRecord>> PostgresStore::LiveSessions(Instant now) {
  auto rows = conn_.Query(std::string("SELECT ") + pg::kSessionColumns +
                              " FROM sessions WHERE expires_at > $1::bigint "
                              "ORDER BY created_at, token_hash",
                          Params().Int(pg::ToMillis(now)));
  if (!rows.ok()) return rows.error();
  std::vector<SessionRecord> out;
  out.reserve(static_cast<std::size_t>(rows->size()));
  for (int i = 0; i < rows->size(); ++i) {
    auto s = pg::ReadSession(*rows, i);
    if (!s.ok()) return s.error();
    out.push_back(std::move(*s));
  }
  return out;
}

Status PostgresStore::DeleteSession(std::string_view token_hash) {
  return Done(conn_.Query("DELETE FROM sessions WHERE token_hash = $1", Params().Text(token_hash)));
}

Status PostgresStore::DeleteExpiredSessions(Instant now) {
  auto tx = pg::Transaction::Begin(conn_);
  if (!tx.ok()) return tx.error();
  if (auto s = Done(conn_.Query("DELETE FROM sessions WHERE expires_at <= $1::bigint",
                                Params().Int(pg::ToMillis(now))));
      !s.ok()) {
    return s;
  }
  // The feed's record of ended sessions is needed only until every node has seen it; `now` is
  // the polling day's (possibly scaled) clock, so the server's own clock dates these rows.
  if (auto s = conn_.Exec(std::string("DELETE FROM ended_sessions WHERE ended_at < ") + kNowMillis +
                          " - 86400000");
      !s.ok()) {
    return s;
  }
  return tx->Commit();
}

Status PostgresStore::DeleteStationSessions(const StationId& station) {
  return Done(
      conn_.Query("DELETE FROM sessions WHERE station = $1", Params().Text(station.ToString())));
}

Status PostgresStore::DeleteUserSessions(std::string_view user) {
  return Done(conn_.Query("DELETE FROM sessions WHERE user_name = $1 AND station IS NULL",
                          Params().Text(user)));
}

Status PostgresStore::AppendAudit(const std::vector<AuditEntry>& entries) {
  // One statement, so one transaction.
  return InsertAuditRows(entries);
}

Result<std::vector<AuditEntry>> PostgresStore::QueryAudit(const AuditFilter& filter) {
  // Only the filters in use go into the WHERE clause; newest first, up to the limit.
  std::string sql = "SELECT seq, at, actor, role, client, action, station, detail FROM audit";
  Params params;
  const char* glue = " WHERE ";
  auto add = [&](const char* condition) {
    sql += glue;
    sql += condition;
    sql += std::to_string(params.size());
    glue = " AND ";
  };
  if (!filter.actor.empty()) {
    params.Text(filter.actor);
    add("actor = $");
  }
  if (!filter.station.empty()) {
    params.Text(filter.station);
    add("station = $");
  }
  if (filter.since) {
    params.Int(pg::ToMillis(*filter.since));
    add("at >= $");
  }
  constexpr auto kMax = static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max());
  params.Int(static_cast<std::int64_t>(std::min(filter.limit, kMax)));
  sql += " ORDER BY seq DESC LIMIT $" + std::to_string(params.size()) + "::bigint";
  auto rows = conn_.Query(sql, params);
  if (!rows.ok()) return rows.error();
  std::vector<AuditEntry> out;
  out.reserve(static_cast<std::size_t>(rows->size()));
  for (int i = 0; i < rows->size(); ++i) {
    out.push_back(AuditEntry{rows->Int(i, 0), pg::FromMillis(rows->Int(i, 1)), rows->Text(i, 2),
                             rows->Text(i, 3), rows->Text(i, 4), rows->Text(i, 5), rows->Text(i, 6),
                             rows->Text(i, 7)});
  }
  return out;
}

}  // namespace psm
