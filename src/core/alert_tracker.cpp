// AlertTracker: an index of active alerts over an id-ordered vector of every alert of the day.
#include "core/alert_tracker.hpp"

#include <algorithm>

#include "core/local_format.hpp"

namespace psm {

std::vector<Alert> AlertTracker::Load(std::vector<Alert> alerts, Instant now) {
  std::sort(alerts.begin(), alerts.end(),
            [](const Alert& a, const Alert& b) { return a.id < b.id; });
  alerts_ = std::move(alerts);
  active_.clear();
  next_id_ = alerts_.empty() ? 1 : alerts_.back().id + 1;
  std::vector<Alert> fixed;
  for (std::size_t i = 0; i < alerts_.size(); ++i) {
    if (!alerts_[i].Active()) continue;
    const Key key{alerts_[i].station, alerts_[i].kind};
    if (auto it = active_.find(key); it != active_.end()) {
      fixed.push_back(Resolve(it->second, now));  // an older duplicate: keep only the newest
    }
    active_[key] = i;
  }
  return fixed;
}

std::optional<std::size_t> AlertTracker::IndexOf(std::int64_t id) const {
  const auto it = std::lower_bound(alerts_.begin(), alerts_.end(), id,
                                   [](const Alert& a, std::int64_t v) { return a.id < v; });
  if (it == alerts_.end() || it->id != id) return std::nullopt;
  return static_cast<std::size_t>(it - alerts_.begin());
}

const Alert* AlertTracker::Find(std::int64_t id) const {
  const auto i = IndexOf(id);
  return i ? &alerts_[*i] : nullptr;
}

Alert& AlertTracker::Open(const StationId& station, AlertKind kind, std::string detail,
                          Instant now) {
  Alert a;
  a.id = next_id_++;
  a.station = station;
  a.kind = kind;
  a.state = AlertState::kOpen;
  a.opened_at = now;
  a.detail = std::move(detail);
  active_[Key{station, kind}] = alerts_.size();
  alerts_.push_back(std::move(a));
  return alerts_.back();
}

Alert& AlertTracker::Resolve(std::size_t index, Instant now) {
  Alert& a = alerts_[index];
  a.state = AlertState::kResolved;
  a.resolved_at = now;
  return a;
}

std::vector<Alert> AlertTracker::Reconcile(const StationId& station,
                                           const std::vector<AlertCause>& causes, Instant now) {
  std::vector<Alert> changed;
  for (const AlertCause& c : causes) {
    if (IsEventDriven(c.kind)) continue;
    if (active_.count(Key{station, c.kind})) continue;
    changed.push_back(Open(station, c.kind, c.detail, now));
  }
  // Resolve active state-derived alerts of this station whose cause is gone.
  for (auto it = active_.lower_bound(Key{station, AlertKind::kNoReport});
       it != active_.end() && it->first.first == station;) {
    const AlertKind kind = it->first.second;
    const bool holds = std::any_of(causes.begin(), causes.end(),
                                   [kind](const AlertCause& c) { return c.kind == kind; });
    if (IsEventDriven(kind) || holds) {
      ++it;
      continue;
    }
    changed.push_back(Resolve(it->second, now));
    it = active_.erase(it);
  }
  return changed;
}

std::optional<Alert> AlertTracker::OnRejected(const StationId& station, ReportKind kind,
                                              std::string detail, Instant now) {
  if (active_.count(Key{station, AlertKind::kRejectedReport})) return std::nullopt;
  Alert& a = Open(station, AlertKind::kRejectedReport, std::move(detail), now);
  a.subject = std::string(ToString(kind));
  return a;
}

std::optional<Alert> AlertTracker::OnAccepted(const StationId& station, ReportKind kind,
                                              Instant now) {
  const auto it = active_.find(Key{station, AlertKind::kRejectedReport});
  if (it == active_.end() || alerts_[it->second].subject != ToString(kind)) return std::nullopt;
  Alert& a = Resolve(it->second, now);
  active_.erase(it);
  return a;
}

std::optional<Alert> AlertTracker::OnPinGuessing(const StationId& station, std::string detail,
                                                 Instant now) {
  if (active_.count(Key{station, AlertKind::kPinGuessing})) return std::nullopt;
  return Open(station, AlertKind::kPinGuessing, std::move(detail), now);
}

std::optional<Alert> AlertTracker::ResolveActive(const StationId& station, AlertKind kind,
                                                 Instant now) {
  const auto it = active_.find(Key{station, kind});
  if (it == active_.end()) return std::nullopt;
  Alert& a = Resolve(it->second, now);
  active_.erase(it);
  return a;
}

std::vector<const Alert*> AlertTracker::ActiveOfKind(AlertKind kind) const {
  std::vector<const Alert*> out;
  for (const auto& [key, index] : active_) {
    if (key.second == kind) out.push_back(&alerts_[index]);
  }
  return out;
}

Result<Alert> AlertTracker::PrepareAcknowledge(std::int64_t id, const std::string& by, Instant now,
                                               std::chrono::minutes utc_offset) const {
  const Alert* found = Find(id);
  if (!found) {
    return Error::NotFound("unknown_alert", "no alert " + std::to_string(id));
  }
  if (found->state == AlertState::kResolved) {
    return Error::Conflict("alert_resolved", "alert " + std::to_string(id) +
                                                 " was already resolved at " +
                                                 FormatLocalTime(*found->resolved_at, utc_offset));
  }
  if (found->state == AlertState::kAcknowledged) {
    return Error::Conflict("already_acknowledged",
                           "alert " + std::to_string(id) + " was already acknowledged by " +
                               found->acknowledged_by + " at " +
                               FormatLocalTime(*found->acknowledged_at, utc_offset));
  }
  Alert a = *found;
  a.state = AlertState::kAcknowledged;
  a.acknowledged_by = by;
  a.acknowledged_at = now;
  return a;
}

void AlertTracker::Put(const Alert& alert) {
  const auto i = IndexOf(alert.id);
  if (!i) return;
  alerts_[*i] = alert;
  const Key key{alert.station, alert.kind};
  if (alert.Active()) {
    active_[key] = *i;
  } else if (auto it = active_.find(key); it != active_.end() && it->second == *i) {
    active_.erase(it);
  }
}

void AlertTracker::Upsert(const Alert& alert) {
  next_id_ = std::max(next_id_, alert.id + 1);
  if (IndexOf(alert.id)) return Put(alert);
  const auto it = std::lower_bound(alerts_.begin(), alerts_.end(), alert.id,
                                   [](const Alert& a, std::int64_t v) { return a.id < v; });
  const bool last = it == alerts_.end();
  alerts_.insert(it, alert);
  if (last) {
    if (alert.Active()) active_[Key{alert.station, alert.kind}] = alerts_.size() - 1;
    return;
  }
  // An id below others (rare): the indexes after it moved.
  active_.clear();
  for (std::size_t i = 0; i < alerts_.size(); ++i) {
    if (alerts_[i].Active()) active_[Key{alerts_[i].station, alerts_[i].kind}] = i;
  }
}

}  // namespace psm
