// SQLite store: officer PINs, control-room users, login sessions and the audit log.
#include <algorithm>
#include <limits>
#include <string>

#include "store/sqlite/sqlite_store.hpp"

namespace psm {
namespace {

using sqlite::Statement;

Result<Role> RoleColumn(const Statement& stmt, int col, std::string_view table) {
  const std::string text = stmt.Text(col);
  auto role = ParseRole(text);
  if (!role) return sqlite::CorruptRow(table, "bad role '" + text + "'");
  return *role;
}

}  // namespace

Status SqliteStore::SetStationPinHash(const StationId& station, const std::string& hash) {
  auto stmt = conn_.Prepare(
      "INSERT INTO station_pins (station, pin_hash, updated_at) VALUES (?1, ?2, "
      "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)) ON CONFLICT (station) "
      "DO UPDATE SET pin_hash = excluded.pin_hash, updated_at = excluded.updated_at");
  if (!stmt.ok()) return stmt.error();
  stmt->BindText(1, station.ToString());
  stmt->BindText(2, hash, false);
  return stmt->Run();
}

Status SqliteStore::SetStationPinHashes(
    const std::vector<std::pair<StationId, std::string>>& hashes) {
  auto tx = sqlite::Transaction::Begin(conn_);
  if (!tx.ok()) return tx.error();
  for (const auto& [station, hash] : hashes) {
    if (Status st = SetStationPinHash(station, hash); !st.ok()) return st;  // rolls back
  }
  return tx->Commit();
}

Result<std::optional<std::string>> SqliteStore::StationPinHash(const StationId& station) {
  auto stmt = conn_.Prepare("SELECT pin_hash FROM station_pins WHERE station = ?1");
  if (!stmt.ok()) return stmt.error();
  stmt->BindText(1, station.ToString());
  auto row = stmt->Step();
  if (!row.ok()) return row.error();
  if (!*row) return std::optional<std::string>();
  return std::optional<std::string>(stmt->Text(0));
}

Status SqliteStore::UpsertUser(const User& user) {
  auto tx = sqlite::Transaction::Begin(conn_);
  if (!tx.ok()) return tx.error();
  // created_at is kept from the first insert: an update changes the account, not its age.
  auto stmt = conn_.Prepare(
      "INSERT INTO users (name, role, password_hash, disabled, created_at) "
      "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (name) DO UPDATE SET role = excluded.role, "
      "password_hash = excluded.password_hash, disabled = excluded.disabled");
  if (!stmt.ok()) return stmt.error();
  stmt->BindText(1, user.name, false);
  stmt->BindText(2, ToString(user.role), false);
  stmt->BindText(3, user.password_hash, false);
  stmt->BindInt(4, user.disabled ? 1 : 0);
  stmt->BindInt(5, sqlite::ToMillis(user.created_at));
  if (auto s = stmt->Run(); !s.ok()) return s;

  auto clear = conn_.Prepare("DELETE FROM user_stations WHERE user_name = ?1");
  if (!clear.ok()) return clear.error();
  clear->BindText(1, user.name, false);
  if (auto s = clear->Run(); !s.ok()) return s;
  auto add = conn_.Prepare(
      "INSERT INTO user_stations (user_name, station) VALUES (?1, ?2) ON CONFLICT DO NOTHING");
  if (!add.ok()) return add.error();
  for (const StationId& st : user.stations) {
    add->BindText(1, user.name, false);
    add->BindText(2, st.ToString());
    if (auto s = add->Run(); !s.ok()) return s;
    add->Reset();
  }
  return tx->Commit();
}

Result<std::vector<StationId>> SqliteStore::UserStations(const std::string& name) {
  auto stmt = conn_.Prepare("SELECT station FROM user_stations WHERE user_name = ?1");
  if (!stmt.ok()) return stmt.error();
  stmt->BindText(1, name, false);
  auto out =
      stmt->CollectRows([](const sqlite::Statement& row) { return sqlite::StationColumn(row, 0); });
  if (out.ok()) std::sort(out->begin(), out->end());  // numeric (ac, part) order, not text order
  return out;
}

Result<std::vector<User>> SqliteStore::QueryUsers(std::optional<std::string_view> name) {
  std::string sql = "SELECT name, role, password_hash, disabled, created_at FROM users";
  sql += name ? " WHERE name = ?1" : " ORDER BY name";
  auto stmt = conn_.Prepare(sql);
  if (!stmt.ok()) return stmt.error();
  if (name) stmt->BindText(1, *name, false);
  auto out = stmt->CollectRows([](const sqlite::Statement& row) -> Result<User> {
    User u;
    u.name = row.Text(0);
    auto role = RoleColumn(row, 1, "users");
    if (!role.ok()) return role.error();
    u.role = *role;
    u.password_hash = row.Text(2);
    u.disabled = row.Int(3) != 0;
    u.created_at = sqlite::FromMillis(row.Int(4));
    return u;
  });
  if (!out.ok()) return out.error();
  for (User& u : *out) {
    auto stations = UserStations(u.name);
    if (!stations.ok()) return stations.error();
    u.stations = std::move(*stations);
  }
  return out;
}

Result<std::optional<User>> SqliteStore::FindUser(std::string_view name) {
  auto users = QueryUsers(name);
  if (!users.ok()) return users.error();
  if (users->empty()) return std::optional<User>();
  return std::optional<User>(std::move(users->front()));
}

Result<std::vector<User>> SqliteStore::ListUsers() {
  return QueryUsers(std::nullopt);
}

Status SqliteStore::InsertSession(const SessionRecord& s) {
  auto stmt = conn_.Prepare(
      "INSERT INTO sessions (token_hash, role, station, user_name, created_at, expires_at) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
  if (!stmt.ok()) return stmt.error();
  stmt->BindText(1, s.token_hash, false);
  stmt->BindText(2, ToString(s.role), false);
  if (s.station) {
    stmt->BindText(3, s.station->ToString());
  } else {
    stmt->BindNull(3);
  }
  stmt->BindText(4, s.user, false);
  stmt->BindInt(5, sqlite::ToMillis(s.created_at));
  stmt->BindInt(6, sqlite::ToMillis(s.expires_at));
  return stmt->Run();
}

namespace {

Result<SessionRecord> SessionRow(const sqlite::Statement& stmt) {
  SessionRecord s;
  s.token_hash = stmt.Text(0);
  auto role = RoleColumn(stmt, 1, "sessions");
  if (!role.ok()) return role.error();
  s.role = *role;
  if (!stmt.IsNull(2)) {
    auto id = sqlite::StationColumn(stmt, 2);
    if (!id.ok()) return id.error();
    s.station = *id;
  }
  s.user = stmt.Text(3);
  s.created_at = sqlite::FromMillis(stmt.Int(4));
  s.expires_at = sqlite::FromMillis(stmt.Int(5));
  return s;
}

}  // namespace

Result<std::vector<SessionRecord>> SqliteStore::LiveSessions(Instant now) {
  auto stmt = conn_.Prepare(
      "SELECT token_hash, role, station, user_name, created_at, expires_at FROM sessions "
      "WHERE expires_at > ?1 ORDER BY created_at");
  if (!stmt.ok()) return stmt.error();
  stmt->BindInt(1, sqlite::ToMillis(now));
  return stmt->CollectRows([](const sqlite::Statement& row) { return SessionRow(row); });
}

Status SqliteStore::DeleteSession(std::string_view token_hash) {
  auto stmt = conn_.Prepare("DELETE FROM sessions WHERE token_hash = ?1");
  if (!stmt.ok()) return stmt.error();
  stmt->BindText(1, token_hash, false);
  return stmt->Run();
}

Status SqliteStore::DeleteExpiredSessions(Instant now) {
  auto stmt = conn_.Prepare("DELETE FROM sessions WHERE expires_at <= ?1");
  if (!stmt.ok()) return stmt.error();
  stmt->BindInt(1, sqlite::ToMillis(now));
  return stmt->Run();
}

Status SqliteStore::AppendAudit(const std::vector<AuditEntry>& entries) {
  auto tx = sqlite::Transaction::Begin(conn_);
  if (!tx.ok()) return tx.error();
  if (auto s = InsertAuditRows(entries); !s.ok()) return s;
  return tx->Commit();
}

Status SqliteStore::InsertAuditRows(const std::vector<AuditEntry>& entries) {
  if (entries.empty()) return {};
  auto cached = Cached(insert_audit_,
                       "INSERT INTO audit (at, actor, role, client, action, station, detail) "
                       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  if (!cached.ok()) return cached.error();
  sqlite::Statement* stmt = *cached;
  struct ResetOnExit {
    sqlite::Statement* s;
    ~ResetOnExit() { s->Reset(); }
  } reset_on_exit{stmt};
  for (const AuditEntry& e : entries) {
    stmt->BindInt(1, sqlite::ToMillis(e.at));
    stmt->BindText(2, e.actor, false);
    stmt->BindText(3, e.role, false);
    stmt->BindText(4, e.client, false);
    stmt->BindText(5, e.action, false);
    stmt->BindText(6, e.station, false);
    stmt->BindText(7, e.detail, false);
    if (auto s = stmt->Run(); !s.ok()) return s;
    stmt->Reset();
  }
  return {};
}

Status SqliteStore::DeleteStationSessions(const StationId& station) {
  auto stmt = conn_.Prepare("DELETE FROM sessions WHERE station = ?1");
  if (!stmt.ok()) return stmt.error();
  stmt->BindText(1, station.ToString());
  return stmt->Run();
}

Status SqliteStore::DeleteUserSessions(std::string_view user) {
  auto stmt = conn_.Prepare("DELETE FROM sessions WHERE user_name = ?1 AND station IS NULL");
  if (!stmt.ok()) return stmt.error();
  stmt->BindText(1, user, false);
  return stmt->Run();
}

Result<std::vector<AuditEntry>> SqliteStore::QueryAudit(const AuditFilter& filter) {
  // Only the filters in use go into the WHERE clause. Actor and station have no index (see
  // migration 3): the scan runs newest-first and stops at the limit.
  std::string sql =
      "SELECT seq, at, actor, role, client, action, station, detail FROM audit WHERE 1";
  if (!filter.actor.empty()) sql += " AND actor = ?1";
  if (!filter.station.empty()) sql += " AND station = ?2";
  if (filter.since) sql += " AND at >= ?3";
  sql += " ORDER BY seq DESC LIMIT ?4";
  auto stmt = conn_.Prepare(sql);
  if (!stmt.ok()) return stmt.error();
  if (!filter.actor.empty()) stmt->BindText(1, filter.actor, false);
  if (!filter.station.empty()) stmt->BindText(2, filter.station, false);
  if (filter.since) stmt->BindInt(3, sqlite::ToMillis(*filter.since));
  constexpr auto kMax = static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max());
  stmt->BindInt(4, static_cast<std::int64_t>(std::min(filter.limit, kMax)));
  return stmt->CollectRows([](const sqlite::Statement& row) {
    return AuditEntry{row.Int(0),  sqlite::FromMillis(row.Int(1)),
                      row.Text(2), row.Text(3),
                      row.Text(4), row.Text(5),
                      row.Text(6), row.Text(7)};
  });
}

}  // namespace psm
