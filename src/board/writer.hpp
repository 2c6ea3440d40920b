// Writer: the single thread that owns every StationLedger. It batches submitted reports,
// validates them, commits each batch in one durable transaction, then updates the Board,
// publishes to the Bus and completes the waiting requests — in that order.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "board/alert_desk.hpp"
#include "board/board.hpp"
#include "bus/bus.hpp"
#include "core/alert_rules.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "core/station_ledger.hpp"
#include "core/status_options.hpp"
#include "store/store.hpp"

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
  std::chrono::milliseconds flush_interval{5};  // longest a report waits for its batch
  std::size_t max_batch = 512;
  std::size_t max_queue = 100000;                    // beyond this Submit refuses (503)
  std::chrono::milliseconds refresh_interval{5000};  // re-render ages and summaries
  // Every station's alerts are re-evaluated this often (real time; `psm serve` sets 30 s of the
  // server's clock, i.e. 30 s / clock speed) and after every batch for the stations it touched.
  std::chrono::milliseconds alert_interval{30000};
  AlertOptions alerts;
};

// Hooks for metrics; every call happens on the writer thread.
class WriterObserver {
 public:
  virtual ~WriterObserver() = default;
  virtual void OnBatch(std::size_t size, std::chrono::microseconds commit_latency) = 0;
  virtual void OnAccepted(const Report& r) = 0;
  virtual void OnRejected(const Report& r, const Error& e) = 0;
};

class Writer {
 public:
  // `store` is used only by the writer thread after Start(). Board and bus must outlive this.
  Writer(std::unique_ptr<Store> store, Board& board, Bus& bus, const Clock& clock, PollingDay day,
         StatusOptions status_options, WriterOptions options, WriterObserver* observer);
  ~Writer();

  // Replays every stored report into the ledgers and renders the Board. Call before Start().
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

  // Every alert as last published (id order). Thread-safe, never blocks.
  std::shared_ptr<const AlertList> Alerts() const { return desk_->Snapshot(); }

  std::size_t queued() const;
  // Stored reports Load() skipped because their station is no longer on the roll.
  std::size_t orphan_reports() const { return orphan_reports_; }

 private:
  struct Pending {
    Report report;
    SubmitCallback done;
    RequestOrigin origin;
  };
  void Run();
  void ProcessBatch(std::vector<Pending>& batch);
  bool PostTask(std::function<void()> task);
  void AnswerRetries(std::vector<Pending>& batch, const std::vector<bool>& answered);
  void RenderStation(std::uint32_t index, Instant now);
  void RefreshAll(bool publish_changes);
  void RenderSummary(Instant now);

  std::unique_ptr<Store> store_;
  Board& board_;
  Bus& bus_;
  const Clock& clock_;
  PollingDay day_;
  StatusOptions status_options_;
  WriterOptions options_;
  WriterObserver* observer_;

  std::vector<StationLedger> ledgers_;   // writer thread only (and Load before Start)
  std::unordered_set<std::string> ids_;  // every stored report id
  std::chrono::steady_clock::time_point last_summary_publish_{};
  std::size_t orphan_reports_ = 0;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Pending> queue_;
  std::deque<std::function<void()>> tasks_;  // control-room commands, run on the writer thread
  bool stopping_ = false;
  std::unique_ptr<AlertDesk> desk_;  // uses *store_; writer thread only (Snapshot: any thread)
  std::thread thread_;
};

}  // namespace psm
