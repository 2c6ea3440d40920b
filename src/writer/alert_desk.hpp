// AlertDesk: the writer thread's keeper of exception alerts. It evaluates the alert rules against
// the ledgers, persists every change (with its audit entries) through the writer's store, then
// publishes `alert` events and an immutable snapshot that handlers read without blocking.
#pragma once

#include <atomic>
#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "board/board.hpp"
#include "bus/bus.hpp"
#include "core/alert_tracker.hpp"
#include "core/station_ledger.hpp"
#include "store/store.hpp"

namespace psm {

// Who asked for a control-room action, for the audit log.
struct RequestOrigin {
  std::string actor;   // "user:alice", "officer:34-112"
  std::string role;    // "admin", "sector", "officer"
  std::string client;  // client address
};

using AlertList = std::vector<Alert>;

// Every method but Snapshot() runs on the writer thread only (or before it starts). The store,
// bus and board must outlive the desk, and so must `event_seq`: the sequence number stamped on
// the alert events (BusEvent::seq), kept by the writer.
class AlertDesk {
 public:
  AlertDesk(Store& store, Bus& bus, const Board& board, PollingDay day, StatusOptions status,
            AlertOptions options, const std::uint64_t& event_seq);

  // Whether Flush may write (the cluster's writer only; always on a single node). A desk that
  // may not keeps its changes queued.
  void set_may_write(bool may) { may_write_ = may; }
  // Alerts as the cluster's writer stored them (a node following the feed): taken as they are
  // and published. Nothing is written.
  void ApplyStored(const std::vector<Alert>& alerts);

  // Reads every stored alert (ids continue after the largest), dropping the changes not yet
  // written, and publishes the snapshot.
  Status Load(Instant now);

  // Re-evaluates the state-derived alerts of the stations at `indexes` (board order):
  // opens, keeps or resolves them. Changes are queued until Flush().
  void Evaluate(const std::vector<StationLedger>& ledgers,
                const std::vector<std::uint32_t>& indexes, Instant now);
  void EvaluateAll(const std::vector<StationLedger>& ledgers, Instant now);
  // A refused report: opens a rejected_report alert when the reason needs a person.
  void OnRejected(const Report& r, const Error& e, Instant now);
  // An accepted (committed) report: may resolve a rejected_report alert.
  void OnAccepted(const Report& r, Instant now);
  // A wrong PIN for `station`, which `addresses` client addresses have now sent wrong PINs for:
  // from AlertOptions::pin_guessing_addresses on, opens a pin_guessing alert. Every call counts
  // as the station's latest wrong PIN, which the quiet rule measures from.
  void OnPinFailure(const StationId& station, std::size_t addresses, Instant now);
  // The station's PIN was reset: the guesses are against a PIN that no longer exists, so its
  // pin_guessing alert is resolved.
  void OnPinReset(const StationId& station, Instant now);

  // The store refused a write (`e`, e.g. store_full): opens the district-wide store_unwritable
  // alert unless one is open, and publishes it at once. It is kept in memory only (the store is
  // what fails), so it is not acknowledgeable and a restart forgets it; the writer's audit entry
  // written once the store takes writes again records the outage.
  void OnStoreUnwritable(const Error& e, Instant now);
  // A write succeeded: resolves the open store_unwritable alert, if any.
  void OnStoreWritable(Instant now);

  // Persists the queued changes in one transaction, then publishes each as an `alert` event and
  // swaps the snapshot. On a store failure the changes stay queued for the next Flush (alerts are
  // only shown once durable). Blocks on the store.
  void Flush();

  // Acknowledges alert `id` for `who` (audited), durably, then publishes it. kNotFound,
  // kConflict (resolved / already acknowledged) or the store's error. Blocks on the store.
  Result<Alert> Acknowledge(std::int64_t id, const RequestOrigin& who, Instant now);

  // Every alert (id order), as last published. Thread-safe, never blocks, never null.
  std::shared_ptr<const AlertList> Snapshot() const {
    return snapshot_.load(std::memory_order_acquire);
  }

 private:
  void Queue(std::vector<Alert> changed);
  // Resolves the pin_guessing alerts with no wrong PIN for AlertOptions::pin_guessing_quiet.
  void ResolveQuietPinGuessing(Instant now);
  void Publish(const std::vector<Alert>& changed);
  // Gives a store_unwritable alert whose id the tracker now uses (an alert another writer
  // stored, or one loaded again) a fresh one: the ids it reserved never reached the store.
  void KeepStoreAlertIdsApart();
  // The tracker's alerts and the store_unwritable ones, in id order.
  std::shared_ptr<const AlertList> Combined() const;

  Store& store_;
  Bus& bus_;
  const Board& board_;
  PollingDay day_;
  StatusOptions status_;
  AlertOptions options_;
  AlertTracker tracker_;
  std::vector<Alert> pending_;  // changed since the last successful Flush, latest version last
  const std::uint64_t& event_seq_;
  bool may_write_ = true;
  // The latest wrong PIN per station with a pin_guessing alert (an alert loaded from the store
  // without one here counts from when it opened).
  std::map<StationId, Instant> last_pin_failure_;
  // The store_unwritable alerts of this process (memory only), the last one possibly active.
  std::vector<Alert> store_alerts_;
  std::atomic<std::shared_ptr<const AlertList>> snapshot_;
};

}  // namespace psm
