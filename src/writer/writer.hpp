// Writer: the single thread that owns every StationLedger. It batches submitted reports,
// validates them, commits each batch in one durable transaction, then updates the Board,
// publishes to the Bus and completes the waiting requests — in that order. In a cluster it
// commits only while it holds the writer role, and otherwise follows the writer's commits.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "board/board.hpp"
#include "bus/bus.hpp"
#include "core/alert_rules.hpp"
#include "core/clock.hpp"
#include "core/clock_condition.hpp"
#include "core/result.hpp"
#include "core/station_ledger.hpp"
#include "core/status_options.hpp"
#include "store/store.hpp"
#include "writer/alert_desk.hpp"
#include "writer/report_id_set.hpp"
#include "writer/station_json.hpp"
#include "writer/summary.hpp"

namespace psm {

struct SubmitOutcome {
  enum class Kind { kCreated, kRepeated, kRejected };
  Kind kind = Kind::kRejected;
  Report stored;  // the stored report (kCreated, kRepeated)
  Error error;    // why it was refused (kRejected)
};
using SubmitCallback = std::function<void(SubmitOutcome)>;
using UnlockCallback = std::function<void(Result<TurnoutUnlock>)>;
using AlertCallback = std::function<void(Result<Alert>)>;

struct WriterOptions {
  // Longest a report waits for others to join its batch. A batch is committed as soon as it is
  // as large as the last one (a lone officer, or a crowd that resubmits as soon as it is
  // answered, never waits), else when its oldest report has waited this long. Under a steady
  // stream the batches grow until this wait bounds them, so each commit's fixed cost (the WAL's
  // fdatasync, the wake-ups around it) is shared by more reports.
  std::chrono::milliseconds flush_interval{10};
  std::size_t max_batch = 512;
  // A batch this large is committed without waiting for more, whatever the last one was: the
  // commit's fixed cost is shared well enough, and starting it at once keeps the writer working
  // beside the loops instead of in turns with them, which a crowd of officers all waiting for
  // each other otherwise causes (measured in docs/benchmarks.md, "What limits each scenario",
  // Mix: the cap of 32).
  std::size_t enough_batch = 32;
  std::size_t max_queue = 100000;                    // beyond this Submit refuses (503)
  std::chrono::milliseconds refresh_interval{5000};  // re-render ages and summaries
  // The district summary (every station) and a station's timeline (every report of the day)
  // cost far more than a batch; after a batch each is rebuilt at once if the last rebuild is at
  // least this old, else once this much time has passed since it. Zero: after every batch.
  std::chrono::milliseconds summary_interval{250};
  std::chrono::milliseconds timeline_interval{1000};
  // Every station's alerts are re-evaluated this often (on the clock's SteadyNow(), real time in
  // production: `psm serve` sets 30 s of the server's clock, i.e. 30 s / clock speed) and after
  // every batch for the stations it touched.
  std::chrono::milliseconds alert_interval{30000};
  // While the store refuses writes (a full disk), the writer tries this often to append the
  // outage's audit entry: the first that succeeds ends the outage (the store_unwritable alert
  // resolves) even when no report arrives to show it.
  std::chrono::milliseconds store_probe_interval{2000};
  AlertOptions alerts;
  // How the writer fingerprints report ids (see ReportIdSet). Tests make every id collide, to
  // check that a collision never turns a new report away as a retry.
  ReportIdSet::FingerprintFn report_id_fingerprint = &ReportIdSet::Fingerprint;
  // A cluster (a store with a change feed; writer_follow.cpp): this often a node without the
  // writer role tries to take it and reads the feed, and the writer checks that its session
  // still holds the role. Poke() makes a reader read the feed at once.
  std::chrono::milliseconds follow_interval{250};
  // A Poke reads the feed at once, but at most once per this: at peak the writer commits a few
  // hundred batches a second, and a reader need not read the feed for each.
  std::chrono::milliseconds min_follow_spacing{20};
  std::size_t follow_batch = 5000;  // reports per feed read
  // Sessions are written by every node at once, so their feed is read again from the position
  // it had this long ago (see FeedCursor): a login committed late is still seen.
  std::chrono::milliseconds sessions_lookback{3000};
  // Called on the writer thread with every feed read that has session changes (logins, and
  // logouts, PIN resets, disabled users on any node), for the node's session cache.
  std::function<void(const ChangeBatch&)> on_session_changes;
  // Called on the writer thread when this node becomes (true) or stops being (false) the writer.
  std::function<void(bool)> on_role_change;
  // Called on the writer thread after each commit with its newest sequence number, so other
  // nodes can be told at once (Redis). Must not block.
  std::function<void(std::int64_t)> on_committed;
};

// Hooks for metrics; every call happens on the writer thread.
class WriterObserver {
 public:
  virtual ~WriterObserver() = default;
  virtual void OnBatch(std::size_t size, std::chrono::microseconds commit_latency) = 0;
  virtual void OnAccepted(const Report& r) = 0;
  virtual void OnRejected(const Report& r, const Error& e) = 0;
  // A batch's commit failed in the store (`e`: store_full, store_io, ...); its reports were
  // refused with it.
  virtual void OnStoreWriteFailed(const Error& /*e*/) {}
};

class Writer {
 public:
  // `store` is used only by the writer thread after Start(). Board, bus and clock must outlive
  // this. Every interval of WriterOptions is measured on clock.SteadyNow(), so a FakeClock's
  // Advance() runs the writer's timers in a test.
  Writer(std::unique_ptr<Store> store, Board& board, Bus& bus, const Clock& clock, PollingDay day,
         StatusOptions status_options, WriterOptions options, WriterObserver* observer);
  ~Writer();

  // Replays every stored report into the ledgers and renders the Board. Call before Start().
  // In a cluster it first tries to take the writer role, then loads the state as of the feed
  // position it reads first (FeedCursor), from which it follows.
  Status Load();
  void Start();
  // Stops accepting, commits what is queued, completes every waiting request, joins. Idempotent.
  void Stop();

  // Queues one report. Thread-safe, never blocks on I/O. `done` runs exactly once, on the
  // writer thread, after the report's batch is durable (or refused). Returns false (and does
  // not call `done`) when the writer is stopping or its queue is full.
  bool Submit(Report report, SubmitCallback done);
  // The same, naming who sent it (role and client address) for the audit log. Every accepted
  // and every refused report is audited in its batch's transaction.
  bool Submit(Report report, RequestOrigin origin, SubmitCallback done);

  // Control-room commands. Each is queued to the writer thread (so it is ordered with the reports
  // around it), made durable with its audit entry, then `done` runs on the writer thread. Return
  // false (without calling `done`) when the writer is stopping. Thread-safe, never block.
  //
  // Opens a turnout unlock for `station`: its officer may then submit one lower turnout value,
  // with a reason. kNotFound "unknown_station", kConflict "unlock_open".
  bool UnlockTurnout(StationId station, std::string reason, RequestOrigin who, UnlockCallback done);
  // Acknowledges alert `id` (see AlertDesk::Acknowledge).
  bool AcknowledgeAlert(std::int64_t id, RequestOrigin who, AlertCallback done);

  // Wrong PINs and PIN resets, for the pin_guessing alert (AlertDesk::OnPinFailure, OnPinReset):
  // queued to the writer thread and acted on only while this node holds the writer role (where
  // logins are answered). Return false when the writer is stopping. Thread-safe, never block.
  bool NotePinFailure(StationId station, std::size_t failing_addresses);
  bool NotePinReset(StationId station);

  // Every alert as last published (id order). Thread-safe, never blocks.
  std::shared_ptr<const AlertList> Alerts() const { return desk_->Snapshot(); }

  // Whether this node commits: always on a single node; in a cluster while it holds the role.
  // Thread-safe.
  bool IsWriter() const { return is_writer_.load(); }
  // Wakes a following node to read the feed now: the writer committed up to `seq` (a Redis
  // notification). The writer itself reads only sessions from the feed, at its own pace, and
  // ignores it. Thread-safe, never blocks.
  void Poke(std::int64_t seq);
  // The newest writer-feed sequence number this node has applied or committed, and the newest
  // it has heard of (Poke): their difference is how far behind it is. Thread-safe.
  std::int64_t applied_seq() const { return applied_seq_.load(); }
  std::int64_t heard_seq() const { return heard_seq_.load(); }
  // Whether the last feed read (or role check) reached the store. Thread-safe.
  bool store_reachable() const { return store_reachable_.load(); }
  // False from a failed commit until the store takes a write again (a commit or the writer's
  // probe, WriterOptions::store_probe_interval). Thread-safe.
  bool store_writable() const { return store_writable_.load(); }
  // Whether this node has read the feed to its end since it started (always on a single
  // node): until then it may not show what was committed while it loaded. Thread-safe.
  bool caught_up() const { return caught_up_.load(); }

  std::size_t queued() const;
  // Stored reports Load() skipped because their station is no longer on the roll.
  std::size_t orphan_reports() const { return orphan_reports_; }

 private:
  struct Pending {
    Report report;
    SubmitCallback done;
    RequestOrigin origin;
    SteadyTime queued_at;
  };
  // What validating a batch decided, for the steps after it (writer_batch.cpp).
  struct CheckedBatch {
    std::vector<std::uint32_t> touched;      // stations with an open trial, in first-touch order
    std::vector<std::size_t> accepted;       // indexes into the batch
    std::vector<std::uint32_t> accepted_at;  // the station index of each accepted report
    ReportBatch write;                       // what the commit writes
    std::vector<std::pair<std::size_t, SubmitOutcome>> refused;  // index into the batch, answer
  };
  void Run();
  // Moves the queued reports and tasks into `batch` and `tasks`, waiting for the batch to grow
  // as WriterOptions says, or until `timers_due`. Returns true when stopping with nothing left.
  bool TakeWork(std::vector<Pending>& batch, std::deque<std::function<void()>>& tasks,
                SteadyTime timers_due);
  void ProcessBatch(std::vector<Pending>& batch);
  // Checks each report of `batch` on a trial of its station's ledger and applies the accepted.
  CheckedBatch CheckBatch(const std::vector<Pending>& batch, Instant now);
  // Checks and applies one report whose station is `idx`, recording the outcome in `checked`.
  void CheckOne(const Pending& p, std::size_t i, std::uint32_t idx, Instant now,
                CheckedBatch& checked);
  // Commits `checked.write`. On failure undoes every trial, refuses the whole batch and returns
  // false.
  bool CommitBatch(std::vector<Pending>& batch, const CheckedBatch& checked);
  // After the commit: keeps the trials and renders and publishes each touched station once.
  void PublishBatch(const CheckedBatch& checked, Instant now, SteadyTime real_now);
  // Opens and resolves alerts for what the batch committed.
  void UpdateAlerts(const std::vector<Pending>& batch, CheckedBatch& checked, Instant now);
  // Runs every report's callback: accepted, refused, then retries from the store.
  void AnswerBatch(std::vector<Pending>& batch, CheckedBatch& checked);
  bool PostTask(std::function<void()> task);
  // The store refused the commit of a batch of `refused` reports, or took one
  // (writer_store_health.cpp): keep store_writable(), the store_unwritable alert and the
  // outage's audit entry in step.
  void NoteStoreFailure(const Error& e, std::size_t refused);
  void NoteStoreWritten();
  // While unwritable: tries to append the outage's audit entry (ends the outage if it can).
  void ProbeStore();
  AuditEntry OutageAudit(Instant now) const;
  bool HoldsRole() const { return is_writer_.load(); }

  // The cluster (writer_follow.cpp), all on the writer thread. TendCluster checks or tries to
  // take the role, then reads the feed; Follow reads it until it is current.
  void TendCluster();
  bool Follow();
  void ApplyFollowed(const ChangeBatch& changes);
  void GainRole();
  void LoseRole(const std::string& why);
  // The sessions feed position to read from: the newest one seen at least sessions_lookback ago.
  std::int64_t SessionsFrom(SteadyTime now);
  // Publishes a status event for station `index` with the current event_seq_.
  void PublishStatus(std::uint32_t index);
  // Tells on_committed that something was committed (up to cursor_.writer). Cluster only.
  void NotifyCommitted() {
    if (cluster_ && is_writer_.load() && options_.on_committed) {
      options_.on_committed(cursor_.writer);
    }
  }
  void AnswerRetries(std::vector<Pending>& batch, const std::vector<bool>& answered);
  // Whether report `id` is already stored, or accepted earlier in the batch being validated.
  bool IsKnownId(const std::string& id, const ReportIdSet& batch_ids, const ReportBatch& write);

  // Renders a station's view; its timeline too when `timeline`, else the last one is kept.
  void RenderStation(std::uint32_t index, Instant now, bool timeline);
  // After a batch changed `index`: renders it, and its timeline now or at the next flush.
  void RenderChanged(std::uint32_t index, Instant now, SteadyTime real_now);
  // Re-renders the timelines and the summary marked for later whose time has come (all of them
  // when `all`).
  void FlushDeferred(bool all);
  // When FlushDeferred next has work, or SteadyTime::max().
  SteadyTime NextDeferred() const;
  void RefreshAll(bool publish_changes);
  void RenderSummary(Instant now);
  void PublishSummaryIfDue(SteadyTime real_now);

  std::unique_ptr<Store> store_;
  Board& board_;
  Bus& bus_;
  const Clock& clock_;
  PollingDay day_;
  StatusOptions status_options_;
  WriterOptions options_;
  WriterObserver* observer_;

  std::vector<StationLedger> ledgers_;  // writer thread only (and Load before Start)
  ReportIdSet ids_;                     // every stored report id
  SteadyTime last_summary_publish_{};
  // Deferred renders (writer thread only): stations whose timeline is behind their ledger,
  // when each timeline and the summary were last rendered, and whether the summary is behind.
  std::vector<std::uint32_t> stale_timelines_;
  std::vector<char> timeline_stale_;  // per station: listed in stale_timelines_
  std::vector<SteadyTime> timeline_rendered_;
  std::vector<TimelineRenderer> timelines_;  // per station
  std::vector<std::string> heads_;           // per station: StationHead, rendered once
  SteadyTime timelines_due_ = SteadyTime::max();
  SummaryBuilder summary_builder_;
  SteadyTime summary_built_{};
  bool summary_stale_ = false;
  bool summary_unpublished_ = false;  // built but not yet sent as a `summary` event
  static constexpr std::chrono::seconds kSummaryPublishInterval{1};
  std::size_t orphan_reports_ = 0;

  mutable std::mutex mu_;
  ClockCondition cv_{clock_, mu_};  // waits on clock_, so a FakeClock runs the timers in tests
  std::deque<Pending> queue_;
  // The size a batch waits for: the last batch's, at most enough_batch and max_batch (guarded
  // by mu_).
  std::size_t batch_target_ = 1;
  std::deque<std::function<void()>> tasks_;  // control-room commands, run on the writer thread
  bool stopping_ = false;
  // The cluster. event_seq_ is stamped on every event published (BusEvent::seq): the newest
  // writer-feed seq applied or committed (0 on a single node).
  const bool cluster_;
  std::atomic<bool> is_writer_;
  std::atomic<bool> store_reachable_{true};
  std::atomic<bool> store_writable_{true};
  // The current outage (writer thread only): since when, why, how many reports were refused.
  Instant unwritable_since_{};
  Error unwritable_error_;
  std::size_t unwritable_refused_ = 0;
  SteadyTime next_probe_ = SteadyTime::max();
  std::atomic<bool> caught_up_;
  std::atomic<std::int64_t> applied_seq_{0};
  std::atomic<std::int64_t> heard_seq_{0};
  std::uint64_t event_seq_ = 0;                                    // writer thread only
  FeedCursor cursor_;                                              // writer thread only
  std::int64_t sessions_base_ = 0;                                 // writer thread only
  std::deque<std::pair<SteadyTime, std::int64_t>> sessions_seen_;  // writer thread only
  SteadyTime next_follow_{};                                       // writer thread only
  SteadyTime last_follow_{};                                       // writer thread only
  bool poke_pending_ = false;                                      // writer thread only
  bool poked_ = false;                                             // guarded by mu_

  std::unique_ptr<AlertDesk> desk_;  // uses *store_; writer thread only (Snapshot: any thread)
  std::thread thread_;
};

}  // namespace psm
