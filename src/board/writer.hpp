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

#include "board/board.hpp"
#include "bus/bus.hpp"
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

struct WriterOptions {
  std::chrono::milliseconds flush_interval{5};  // longest a report waits for its batch
  std::size_t max_batch = 512;
  std::size_t max_queue = 100000;                    // beyond this Submit refuses (503)
  std::chrono::milliseconds refresh_interval{5000};  // re-render ages and summaries
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

  std::size_t queued() const;
  // Stored reports Load() skipped because their station is no longer on the roll.
  std::size_t orphan_reports() const { return orphan_reports_; }

 private:
  struct Pending {
    Report report;
    SubmitCallback done;
  };
  void Run();
  void ProcessBatch(std::vector<Pending>& batch);
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
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace psm
