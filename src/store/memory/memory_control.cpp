// In-memory Store: the control room's state, with the SQLite backend's rules (one open unlock
// per station, all-or-nothing batches, alerts upserted by id).
#include "store/memory/memory_store.hpp"

namespace psm {

Result<std::vector<InsertOutcome>> MemoryStore::CommitReports(const ReportBatch& batch) {
  std::lock_guard lock(mu_);
  if (auto s = CheckWrite(); !s.ok()) return s.error();
  // Check the unlocks before writing anything, so a refusal leaves no trace.
  for (const auto& use : batch.used_unlocks) {
    const auto i = use.unlock_id - 1;
    if (use.unlock_id <= 0 || i >= static_cast<std::int64_t>(unlocks_.size()) ||
        unlocks_[static_cast<std::size_t>(i)].closed_at) {
      return Error::Conflict("unlock_closed", "turnout unlock " + std::to_string(use.unlock_id) +
                                                  " is unknown or already closed");
    }
  }
  auto out = InsertReportsLocked(batch.reports);
  if (!out.ok()) return out.error();
  AppendAuditLocked(batch.audit);
  for (const auto& use : batch.used_unlocks) {
    TurnoutUnlock& u = unlocks_[static_cast<std::size_t>(use.unlock_id - 1)];
    u.closed_at = use.closed_at;
    u.report_id = use.report_id;
  }
  return out;
}

Result<std::int64_t> MemoryStore::OpenTurnoutUnlock(const TurnoutUnlock& unlock,
                                                    const std::vector<AuditEntry>& audit) {
  std::lock_guard lock(mu_);
  if (auto s = CheckWrite(); !s.ok()) return s.error();
  if (auto s = CheckStation(unlock.station); !s.ok()) return s.error();
  for (const TurnoutUnlock& u : unlocks_) {
    if (u.station == unlock.station && !u.closed_at) {
      return Error::Conflict("unlock_open", "station " + unlock.station.ToString() +
                                                " already has an open turnout unlock");
    }
  }
  TurnoutUnlock stored = unlock;
  stored.id = static_cast<std::int64_t>(unlocks_.size()) + 1;
  stored.closed_at.reset();
  stored.report_id.clear();
  unlocks_.push_back(stored);
  AppendAuditLocked(audit);
  return stored.id;
}

Result<std::vector<TurnoutUnlock>> MemoryStore::LoadTurnoutUnlocks() {
  std::lock_guard lock(mu_);
  if (auto s = CheckRead(); !s.ok()) return s.error();
  return unlocks_;
}

Status MemoryStore::SaveAlerts(const std::vector<Alert>& alerts,
                               const std::vector<AuditEntry>& audit) {
  std::lock_guard lock(mu_);
  if (auto s = CheckWrite(); !s.ok()) return s;
  for (const Alert& a : alerts) {
    if (auto s = CheckStation(a.station); !s.ok()) return s;
  }
  for (const Alert& a : alerts)
    alerts_[a.id] = a;
  AppendAuditLocked(audit);
  return {};
}

Result<std::vector<Alert>> MemoryStore::LoadAlerts() {
  std::lock_guard lock(mu_);
  if (auto s = CheckRead(); !s.ok()) return s.error();
  std::vector<Alert> out;
  out.reserve(alerts_.size());
  for (const auto& [id, a] : alerts_)
    out.push_back(a);
  return out;
}

Status MemoryStore::DeleteStationSessions(const StationId& station) {
  std::lock_guard lock(mu_);
  if (auto s = CheckWrite(); !s.ok()) return s;
  std::erase_if(sessions_, [&](const auto& kv) { return kv.second.station == station; });
  return {};
}

Status MemoryStore::DeleteUserSessions(std::string_view user) {
  std::lock_guard lock(mu_);
  if (auto s = CheckWrite(); !s.ok()) return s;
  std::erase_if(sessions_,
                [&](const auto& kv) { return !kv.second.station && kv.second.user == user; });
  return {};
}

}  // namespace psm
