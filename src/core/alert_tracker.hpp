// AlertTracker: the lifecycle of every alert (open → acknowledged → resolved), at most one active
// alert per station and kind. A pure state machine: callers persist what it returns.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/alert.hpp"
#include "core/alert_rules.hpp"
#include "core/result.hpp"

namespace psm {

// Not thread-safe: one owner (the writer thread). Ids are assigned here, increasing, continuing
// after the largest loaded id, so a restart never reuses one.
class AlertTracker {
 public:
  // Replaces all state with `alerts` (e.g. from the store). If two active alerts share a station
  // and kind, the newer one is kept active and the older is returned resolved (to be persisted).
  std::vector<Alert> Load(std::vector<Alert> alerts, Instant now);

  // Brings the state-derived kinds (all but the IsEventDriven ones) of `station` in line with
  // `causes`: opens an alert for each cause without an active alert of its kind, resolves each
  // active alert whose cause is gone. An active alert whose cause persists is left alone (no
  // duplicate, and an acknowledgement stays). Returns the new and changed alerts.
  std::vector<Alert> Reconcile(const StationId& station, const std::vector<AlertCause>& causes,
                               Instant now);

  // A refused report that needs a person: opens a kRejectedReport alert with subject
  // ToString(kind), unless one is already active for the station (then nullopt).
  std::optional<Alert> OnRejected(const StationId& station, ReportKind kind, std::string detail,
                                  Instant now);
  // An accepted report resolves the station's active kRejectedReport alert of the same subject:
  // a valid report of that kind has replaced the refused one. Returns the resolved alert.
  std::optional<Alert> OnAccepted(const StationId& station, ReportKind kind, Instant now);

  // Wrong PINs from several addresses: opens a kPinGuessing alert unless one is already active
  // for the station (then nullopt).
  std::optional<Alert> OnPinGuessing(const StationId& station, std::string detail, Instant now);
  // Resolves the station's active alert of `kind`, if any, and returns it.
  std::optional<Alert> ResolveActive(const StationId& station, AlertKind kind, Instant now);
  // The active alerts of `kind` (pointers valid until the next change).
  std::vector<const Alert*> ActiveOfKind(AlertKind kind) const;

  // The alert `id` as it would be once acknowledged by `by` at `now`; the tracker is unchanged
  // until Put (so a failed write changes nothing). kNotFound "unknown_alert", kConflict
  // "alert_resolved" or "already_acknowledged" (the detail says by whom and when).
  Result<Alert> PrepareAcknowledge(std::int64_t id, const std::string& by, Instant now,
                                   std::chrono::minutes utc_offset) const;
  // Replaces the alert with `alert.id` (which must exist).
  void Put(const Alert& alert);
  // Adds or replaces `alert` as the store has it (a node following the cluster's writer); new
  // ids continue after it.
  void Upsert(const Alert& alert);

  const Alert* Find(std::int64_t id) const;
  // Takes the next id for an alert kept outside the tracker (a district-wide kStoreUnwritable
  // alert, which is never stored): no alert of the tracker will have it in this process.
  std::int64_t ReserveId() { return next_id_++; }
  // Every alert, in id order.
  const std::vector<Alert>& alerts() const { return alerts_; }

 private:
  using Key = std::pair<StationId, AlertKind>;
  Alert& Open(const StationId& station, AlertKind kind, std::string detail, Instant now);
  Alert& Resolve(std::size_t index, Instant now);
  std::optional<std::size_t> IndexOf(std::int64_t id) const;

  std::vector<Alert> alerts_;          // ascending id
  std::map<Key, std::size_t> active_;  // station+kind → index of its active alert
  std::int64_t next_id_ = 1;
};

}  // namespace psm
