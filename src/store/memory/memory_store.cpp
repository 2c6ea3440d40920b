// In-memory Store: maps and vectors behind one mutex, mirroring the SQLite backend's rules.
#include "store/memory/memory_store.hpp"

#include <algorithm>
#include <set>

namespace psm {
namespace {

constexpr int kMemorySchemaVersion = 2;  // the SQLite schema it mirrors

Error Constraint(std::string detail) {
  return Error::Conflict("store_constraint", std::move(detail));
}

// See sqlite_reports.cpp: `event` is kept only for event reports.
Report Normalized(const Report& r) {
  Report out = r;
  if (out.kind != ReportKind::kEvent) out.event = EventKind{};
  return out;
}

}  // namespace

void MemoryStore::FailNextWrites(int n) {
  std::lock_guard lock(mu_);
  fail_writes_ = n;
}

Status MemoryStore::CheckRead() const {
  if (!migrated_) {
    return Error::Internal("store_not_migrated", "Migrate() was not called");
  }
  return {};
}

Status MemoryStore::CheckWrite() {
  if (fail_writes_ > 0) {
    --fail_writes_;
    return Error::Unavailable("store_injected", "injected failure");
  }
  return CheckRead();
}

Status MemoryStore::CheckStation(const StationId& id) const {
  if (!stations_.contains(id)) return Constraint("unknown station " + id.ToString());
  return {};
}

Status MemoryStore::Migrate() {
  std::lock_guard lock(mu_);
  if (fail_writes_ > 0) {
    --fail_writes_;
    return Error::Unavailable("store_injected", "injected failure");
  }
  migrated_ = true;
  return {};
}

Result<int> MemoryStore::SchemaVersion() {
  std::lock_guard lock(mu_);
  return migrated_ ? kMemorySchemaVersion : 0;
}

Status MemoryStore::UpsertConstituencies(const std::vector<Constituency>& rows) {
  std::lock_guard lock(mu_);
  if (auto s = CheckWrite(); !s.ok()) return s;
  for (const Constituency& c : rows)
    constituencies_[c.number] = c;
  return {};
}

Status MemoryStore::UpsertStations(const std::vector<Station>& rows) {
  std::lock_guard lock(mu_);
  if (auto s = CheckWrite(); !s.ok()) return s;
  for (const Station& st : rows) {  // check all first: all rows or none
    if (!constituencies_.contains(st.id.ac)) {
      return Constraint("station " + st.id.ToString() + ": unknown constituency");
    }
  }
  for (const Station& st : rows)
    stations_[st.id] = st;
  return {};
}

Status MemoryStore::UpsertElectors(const std::vector<Elector>& rows) {
  std::lock_guard lock(mu_);
  if (auto s = CheckWrite(); !s.ok()) return s;
  for (const Elector& e : rows) {
    if (auto s = CheckStation(e.station); !s.ok()) return s;
  }
  for (const Elector& e : rows)
    electors_[e.epic] = e.station;
  return {};
}

Result<std::vector<Constituency>> MemoryStore::LoadConstituencies() {
  std::lock_guard lock(mu_);
  if (auto s = CheckRead(); !s.ok()) return s.error();
  std::vector<Constituency> out;
  for (const auto& [number, c] : constituencies_)
    out.push_back(c);
  return out;
}

Result<std::vector<Station>> MemoryStore::LoadStations() {
  std::lock_guard lock(mu_);
  if (auto s = CheckRead(); !s.ok()) return s.error();
  std::vector<Station> out;
  for (const auto& [id, st] : stations_)
    out.push_back(st);
  return out;
}

Status MemoryStore::ForEachElector(const std::function<bool(const Elector&)>& fn) {
  std::vector<Elector> snapshot;
  {
    std::lock_guard lock(mu_);
    if (auto s = CheckRead(); !s.ok()) return s;
    snapshot.reserve(electors_.size());
    for (const auto& [epic, station] : electors_)
      snapshot.push_back(Elector{epic, station});
  }
  for (const Elector& e : snapshot) {
    if (!fn(e)) break;
  }
  return {};
}

Result<std::int64_t> MemoryStore::CountElectors() {
  std::lock_guard lock(mu_);
  if (auto s = CheckRead(); !s.ok()) return s.error();
  return static_cast<std::int64_t>(electors_.size());
}

Result<std::vector<InsertOutcome>> MemoryStore::InsertReportsLocked(
    const std::vector<Report>& batch) {
  // First decide every outcome without touching state, so a failure leaves nothing behind.
  std::vector<InsertOutcome> out;
  out.reserve(batch.size());
  std::unordered_map<std::string_view, std::size_t> in_batch;  // id → index in `out`
  for (const Report& r : batch) {
    if (auto it = report_index_.find(r.id); it != report_index_.end()) {
      out.push_back(InsertOutcome{false, reports_[it->second]});
      continue;
    }
    if (auto it = in_batch.find(r.id); it != in_batch.end()) {
      out.push_back(InsertOutcome{false, out[it->second].stored});
      continue;
    }
    if (auto s = CheckStation(r.station); !s.ok()) return s.error();
    in_batch.emplace(r.id, out.size());
    out.push_back(InsertOutcome{true, Normalized(r)});
  }
  for (const InsertOutcome& o : out) {
    if (!o.inserted) continue;
    report_index_.emplace(o.stored.id, reports_.size());
    reports_.push_back(o.stored);
  }
  return out;
}

Status MemoryStore::ForEachReport(const std::function<bool(const Report&)>& fn) {
  std::vector<Report> snapshot;
  {
    std::lock_guard lock(mu_);
    if (auto s = CheckRead(); !s.ok()) return s;
    snapshot = reports_;
  }
  for (const Report& r : snapshot) {
    if (!fn(r)) break;
  }
  return {};
}

Result<std::optional<Report>> MemoryStore::FindReport(std::string_view id) {
  std::lock_guard lock(mu_);
  if (auto s = CheckRead(); !s.ok()) return s.error();
  auto it = report_index_.find(std::string(id));
  if (it == report_index_.end()) return std::optional<Report>();
  return std::optional<Report>(reports_[it->second]);
}

Status MemoryStore::SetStationPinHash(const StationId& station, const std::string& hash) {
  std::lock_guard lock(mu_);
  if (auto s = CheckWrite(); !s.ok()) return s;
  if (auto s = CheckStation(station); !s.ok()) return s;
  pins_[station] = hash;
  return {};
}

Status MemoryStore::SetStationPinHashes(
    const std::vector<std::pair<StationId, std::string>>& hashes) {
  std::lock_guard lock(mu_);
  if (auto s = CheckWrite(); !s.ok()) return s;
  for (const auto& [station, hash] : hashes) {
    if (auto s = CheckStation(station); !s.ok()) return s;  // nothing changed yet
  }
  for (const auto& [station, hash] : hashes)
    pins_[station] = hash;
  return {};
}

Result<std::optional<std::string>> MemoryStore::StationPinHash(const StationId& station) {
  std::lock_guard lock(mu_);
  if (auto s = CheckRead(); !s.ok()) return s.error();
  auto it = pins_.find(station);
  if (it == pins_.end()) return std::optional<std::string>();
  return std::optional<std::string>(it->second);
}

Status MemoryStore::UpsertUser(const User& user) {
  std::lock_guard lock(mu_);
  if (auto s = CheckWrite(); !s.ok()) return s;
  for (const StationId& st : user.stations) {
    if (auto s = CheckStation(st); !s.ok()) return s;
  }
  User stored = user;
  // As the SQLite join table does: stations sorted and de-duplicated, created_at kept.
  std::set<StationId> unique(user.stations.begin(), user.stations.end());
  stored.stations.assign(unique.begin(), unique.end());
  if (auto it = users_.find(user.name); it != users_.end()) {
    stored.created_at = it->second.created_at;
  }
  users_[user.name] = std::move(stored);
  return {};
}

Result<std::optional<User>> MemoryStore::FindUser(std::string_view name) {
  std::lock_guard lock(mu_);
  if (auto s = CheckRead(); !s.ok()) return s.error();
  auto it = users_.find(name);
  if (it == users_.end()) return std::optional<User>();
  return std::optional<User>(it->second);
}

Result<std::vector<User>> MemoryStore::ListUsers() {
  std::lock_guard lock(mu_);
  if (auto s = CheckRead(); !s.ok()) return s.error();
  std::vector<User> out;
  for (const auto& [name, u] : users_)
    out.push_back(u);
  return out;
}

Status MemoryStore::InsertSession(const SessionRecord& session) {
  std::lock_guard lock(mu_);
  if (auto s = CheckWrite(); !s.ok()) return s;
  if (session.station) {
    if (auto s = CheckStation(*session.station); !s.ok()) return s;
  }
  if (!sessions_.emplace(session.token_hash, session).second) {
    return Constraint("session " + session.token_hash + " exists");
  }
  return {};
}

Result<std::vector<SessionRecord>> MemoryStore::LiveSessions(Instant now) {
  std::lock_guard lock(mu_);
  if (auto s = CheckRead(); !s.ok()) return s.error();
  std::vector<SessionRecord> out;
  for (const auto& [hash, session] : sessions_) {
    if (session.expires_at > now) out.push_back(session);
  }
  std::sort(out.begin(), out.end(), [](const SessionRecord& a, const SessionRecord& b) {
    return a.created_at < b.created_at;
  });
  return out;
}

Status MemoryStore::DeleteSession(std::string_view token_hash) {
  std::lock_guard lock(mu_);
  if (auto s = CheckWrite(); !s.ok()) return s;
  if (auto it = sessions_.find(token_hash); it != sessions_.end()) sessions_.erase(it);
  return {};
}

Status MemoryStore::DeleteExpiredSessions(Instant now) {
  std::lock_guard lock(mu_);
  if (auto s = CheckWrite(); !s.ok()) return s;
  std::erase_if(sessions_, [now](const auto& kv) { return kv.second.expires_at <= now; });
  return {};
}

Status MemoryStore::AppendAudit(const std::vector<AuditEntry>& entries) {
  std::lock_guard lock(mu_);
  if (auto s = CheckWrite(); !s.ok()) return s;
  AppendAuditLocked(entries);
  return {};
}

void MemoryStore::AppendAuditLocked(const std::vector<AuditEntry>& entries) {
  for (const AuditEntry& e : entries) {
    AuditEntry stored = e;
    stored.seq = static_cast<std::int64_t>(audit_.size()) + 1;
    audit_.push_back(std::move(stored));
  }
}

Result<std::vector<AuditEntry>> MemoryStore::QueryAudit(const AuditFilter& filter) {
  std::lock_guard lock(mu_);
  if (auto s = CheckRead(); !s.ok()) return s.error();
  std::vector<AuditEntry> out;
  for (auto it = audit_.rbegin(); it != audit_.rend() && out.size() < filter.limit; ++it) {
    if (!filter.actor.empty() && it->actor != filter.actor) continue;
    if (!filter.station.empty() && it->station != filter.station) continue;
    if (filter.since && it->at < *filter.since) continue;
    out.push_back(*it);
  }
  return out;
}

}  // namespace psm
