// Alerts are persisted before anyone sees them, so a restart never forgets an alert the control
// room was shown, nor shows one twice.
#include "writer/alert_desk.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>

#include "writer/control_json.hpp"

namespace psm {

AlertDesk::AlertDesk(Store& store, Bus& bus, const Board& board, PollingDay day,
                     StatusOptions status, AlertOptions options, const std::uint64_t& event_seq)
    : store_(store),
      bus_(bus),
      board_(board),
      day_(day),
      status_(status),
      options_(options),
      event_seq_(event_seq),
      snapshot_(std::make_shared<const AlertList>()) {}

Status AlertDesk::Load(Instant now) {
  auto stored = store_.LoadAlerts();
  if (!stored.ok()) return stored.error();
  // The store's alerts replace everything, changes not yet written included: a node that takes
  // the writer role again must not write what it decided before another writer's changes.
  pending_.clear();
  Queue(tracker_.Load(std::move(stored).value(), now));
  KeepStoreAlertIdsApart();
  snapshot_.store(Combined(), std::memory_order_release);
  Flush();
  return Status();
}

void AlertDesk::Queue(std::vector<Alert> changed) {
  for (Alert& a : changed)
    pending_.push_back(std::move(a));
}

void AlertDesk::Evaluate(const std::vector<StationLedger>& ledgers,
                         const std::vector<std::uint32_t>& indexes, Instant now) {
  for (const std::uint32_t i : indexes) {
    const StationLedger& ledger = ledgers[i];
    Queue(tracker_.Reconcile(ledger.station().id,
                             StationAlertCauses(ledger, now, day_, status_, options_), now));
  }
}

void AlertDesk::EvaluateAll(const std::vector<StationLedger>& ledgers, Instant now) {
  for (const StationLedger& ledger : ledgers) {
    Queue(tracker_.Reconcile(ledger.station().id,
                             StationAlertCauses(ledger, now, day_, status_, options_), now));
  }
  ResolveQuietPinGuessing(now);
}

void AlertDesk::OnPinFailure(const StationId& station, std::size_t addresses, Instant now) {
  if (!board_.IndexOf(station)) return;
  if (addresses < options_.pin_guessing_addresses) {
    // Below the threshold only an open alert's quiet clock moves.
    if (auto it = last_pin_failure_.find(station); it != last_pin_failure_.end()) it->second = now;
    return;
  }
  last_pin_failure_[station] = now;
  const std::string detail =
      "wrong PINs from " + std::to_string(addresses) +
      " addresses within 3 hours: someone may be guessing the PIN. If the officer has not "
      "mistyped it from several phones, reset the PIN (a new one is unknown to the guesser)";
  if (auto a = tracker_.OnPinGuessing(station, detail, now)) pending_.push_back(std::move(*a));
}

void AlertDesk::OnPinReset(const StationId& station, Instant now) {
  last_pin_failure_.erase(station);
  if (auto a = tracker_.ResolveActive(station, AlertKind::kPinGuessing, now))
    pending_.push_back(std::move(*a));
}

void AlertDesk::ResolveQuietPinGuessing(Instant now) {
  std::vector<StationId> quiet;
  for (const Alert* a : tracker_.ActiveOfKind(AlertKind::kPinGuessing)) {
    const auto it = last_pin_failure_.find(a->station);
    const Instant last = it == last_pin_failure_.end() ? a->opened_at : it->second;
    if (now - last >= options_.pin_guessing_quiet) quiet.push_back(a->station);
  }
  for (const StationId& s : quiet) {
    last_pin_failure_.erase(s);
    if (auto a = tracker_.ResolveActive(s, AlertKind::kPinGuessing, now))
      pending_.push_back(std::move(*a));
  }
}

void AlertDesk::OnRejected(const Report& r, const Error& e, Instant now) {
  if (!RejectionNeedsPerson(e.reason) || !board_.IndexOf(r.station)) return;
  if (auto a = tracker_.OnRejected(r.station, r.kind, e.reason + ": " + e.detail, now))
    pending_.push_back(std::move(*a));
}

void AlertDesk::OnAccepted(const Report& r, Instant now) {
  if (auto a = tracker_.OnAccepted(r.station, r.kind, now)) pending_.push_back(std::move(*a));
}

void AlertDesk::Flush() {
  if (pending_.empty() || !may_write_) return;
  // One row per alert: the latest version wins.
  std::map<std::int64_t, Alert> latest;
  for (Alert& a : pending_)
    latest[a.id] = std::move(a);
  std::vector<Alert> rows;
  rows.reserve(latest.size());
  for (auto& [id, a] : latest)
    rows.push_back(std::move(a));
  if (Status st = store_.SaveAlerts(rows, {}); !st.ok()) {
    spdlog::error("saving {} alert changes failed (retried on the next tick): {}", rows.size(),
                  st.error().detail);
    pending_ = std::move(rows);
    return;
  }
  pending_.clear();
  Publish(rows);
}

void AlertDesk::OnStoreUnwritable(const Error& e, Instant now) {
  if (!store_alerts_.empty() && store_alerts_.back().Active()) return;
  Alert a;
  a.id = tracker_.ReserveId();
  a.station = kDistrictWide;
  a.kind = AlertKind::kStoreUnwritable;
  a.opened_at = now;
  a.detail = "the store refuses writes (" + e.reason + ": " + e.detail +
             "): reports are refused with 503 and officers' phones keep them to resend. Free "
             "space on the store's file system (or fix its disk); writes resume by themselves";
  spdlog::error("store unwritable, reports are refused until it takes writes again: {}: {}",
                e.reason, e.detail);
  store_alerts_.push_back(a);
  Publish({a});
}

void AlertDesk::OnStoreWritable(Instant now) {
  if (store_alerts_.empty() || !store_alerts_.back().Active()) return;
  Alert& a = store_alerts_.back();
  a.state = AlertState::kResolved;
  a.resolved_at = now;
  spdlog::warn("the store takes writes again");
  Publish({a});
}

void AlertDesk::KeepStoreAlertIdsApart() {
  for (Alert& a : store_alerts_) {
    if (tracker_.Find(a.id) != nullptr) a.id = tracker_.ReserveId();
  }
}

std::shared_ptr<const AlertList> AlertDesk::Combined() const {
  if (store_alerts_.empty()) return std::make_shared<const AlertList>(tracker_.alerts());
  AlertList all = tracker_.alerts();
  all.insert(all.end(), store_alerts_.begin(), store_alerts_.end());
  std::sort(all.begin(), all.end(), [](const Alert& x, const Alert& y) { return x.id < y.id; });
  return std::make_shared<const AlertList>(std::move(all));
}

void AlertDesk::Publish(const std::vector<Alert>& changed) {
  snapshot_.store(Combined(), std::memory_order_release);
  for (const Alert& a : changed) {
    bus_.Publish(BusEvent{"alert", a.station.ToString(), a.station.ac,
                          std::make_shared<const std::string>(AlertJson(a, true).dump()),
                          event_seq_});
  }
}

void AlertDesk::ApplyStored(const std::vector<Alert>& alerts) {
  if (alerts.empty()) return;
  for (const Alert& a : alerts)
    tracker_.Upsert(a);
  KeepStoreAlertIdsApart();
  Publish(alerts);
}

Result<Alert> AlertDesk::Acknowledge(std::int64_t id, const RequestOrigin& who, Instant now) {
  for (const Alert& a : store_alerts_) {
    if (a.id == id) {
      return Error::Conflict("not_acknowledgeable",
                             "a store_unwritable alert resolves by itself once the store takes "
                             "writes again; it cannot be acknowledged");
    }
  }
  auto next = tracker_.PrepareAcknowledge(id, who.actor, now, day_.utc_offset);
  if (!next.ok()) return next.error();
  AuditEntry audit{0,
                   now,
                   who.actor,
                   who.role,
                   who.client,
                   "alert_acknowledged",
                   next->station.ToString(),
                   "alert " + std::to_string(id) + " (" + std::string(ToString(next->kind)) + ")"};
  // Earlier queued changes go in the same transaction, so the row written last is the newest.
  std::vector<Alert> rows = pending_;
  rows.push_back(*next);
  if (Status st = store_.SaveAlerts(rows, {audit}); !st.ok()) return st.error();
  pending_.clear();
  tracker_.Put(*next);
  Publish(rows);
  return *next;
}

}  // namespace psm
