// Group commit: one transaction per batch, acknowledgements only after it is durable.
#include "board/writer.hpp"

#include <algorithm>
#include <cstdio>
#include <map>

#include "board/station_json.hpp"
#include "board/summary.hpp"

namespace psm {
namespace {

std::string EtagOf(const std::string& body) {
  // FNV-1a 64: cheap, stable across runs, and only needs to change when the bytes change.
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : body) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char buf[24];
  std::snprintf(buf, sizeof buf, "\"%016llx\"", static_cast<unsigned long long>(h));
  return buf;
}

}  // namespace

Writer::Writer(std::unique_ptr<Store> store, Board& board, Bus& bus, const Clock& clock,
               PollingDay day, StatusOptions status_options, WriterOptions options,
               WriterObserver* observer)
    : store_(std::move(store)),
      board_(board),
      bus_(bus),
      clock_(clock),
      day_(day),
      status_options_(status_options),
      options_(options),
      observer_(observer) {
  ledgers_.reserve(board_.size());
  for (const auto& s : board_.stations())
    ledgers_.emplace_back(s);
}

Writer::~Writer() {
  Stop();
}

Status Writer::Load() {
  Status st = store_->ForEachReport([&](const Report& r) {
    ids_.insert(r.id);
    if (const auto idx = board_.IndexOf(r.station)) {
      ledgers_[*idx].Apply(r);
    } else {
      ++orphan_reports_;  // a station removed from the roll after it reported; kept in the store
    }
    return true;
  });
  if (!st.ok()) return st;
  RefreshAll(false);
  return Status();
}

void Writer::Start() {
  thread_ = std::thread([this] { Run(); });
}

void Writer::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool Writer::Submit(Report report, SubmitCallback done) {
  {
    std::lock_guard lock(mu_);
    if (stopping_ || queue_.size() >= options_.max_queue) return false;
    queue_.push_back(Pending{std::move(report), std::move(done)});
  }
  cv_.notify_one();
  return true;
}

std::size_t Writer::queued() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

void Writer::Run() {
  auto next_refresh = std::chrono::steady_clock::now() + options_.refresh_interval;
  std::vector<Pending> batch;
  for (;;) {
    bool stop = false;
    {
      std::unique_lock lock(mu_);
      cv_.wait_until(lock, next_refresh, [&] { return stopping_ || !queue_.empty(); });
      if (!queue_.empty() && !stopping_ && queue_.size() < options_.max_batch) {
        // Group commit: give concurrent submitters a moment to join this batch.
        cv_.wait_for(lock, options_.flush_interval,
                     [&] { return stopping_ || queue_.size() >= options_.max_batch; });
      }
      const std::size_t n = std::min(queue_.size(), options_.max_batch);
      for (std::size_t i = 0; i < n; ++i) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      stop = stopping_ && queue_.empty();
    }
    if (!batch.empty()) {
      ProcessBatch(batch);
      batch.clear();
    }
    if (std::chrono::steady_clock::now() >= next_refresh) {
      RefreshAll(true);
      next_refresh = std::chrono::steady_clock::now() + options_.refresh_interval;
    }
    if (stop) return;
  }
}

void Writer::ProcessBatch(std::vector<Pending>& batch) {
  const Instant now = clock_.Now();
  // Validate against copies of the touched ledgers, so a failed commit changes nothing.
  std::map<std::uint32_t, StationLedger> touched;
  std::vector<std::size_t> accepted;  // indexes into batch
  std::vector<Report> to_store;
  std::unordered_set<std::string> batch_ids;
  std::vector<std::pair<std::size_t, SubmitOutcome>> results;

  for (std::size_t i = 0; i < batch.size(); ++i) {
    const Report& r = batch[i].report;
    if (ids_.count(r.id) || batch_ids.count(r.id)) {
      continue;  // a retry: answered after the commit, from the stored copy
    }
    const auto idx = board_.IndexOf(r.station);
    if (!idx) {
      results.emplace_back(i, SubmitOutcome{SubmitOutcome::Kind::kRejected,
                                            {},
                                            MakeError(ErrorCode::kNotFound, "unknown_station",
                                                      "no station " + r.station.ToString())});
      continue;
    }
    auto it = touched.find(*idx);
    if (it == touched.end()) it = touched.emplace(*idx, ledgers_[*idx]).first;
    Status st = it->second.Check(r, now, day_, status_options_);
    if (!st.ok()) {
      results.emplace_back(i, SubmitOutcome{SubmitOutcome::Kind::kRejected, {}, st.error()});
      continue;
    }
    it->second.Apply(r);
    batch_ids.insert(r.id);
    accepted.push_back(i);
    to_store.push_back(r);
  }

  const auto t0 = std::chrono::steady_clock::now();
  if (!to_store.empty()) {
    auto outcome = store_->InsertReports(to_store);
    if (!outcome.ok()) {
      // Nothing of this batch is durable: refuse every report in it; clients retry safely.
      Error e = outcome.error();
      e.code = ErrorCode::kUnavailable;
      for (auto& p : batch) {
        if (observer_) observer_->OnRejected(p.report, e);
        p.done(SubmitOutcome{SubmitOutcome::Kind::kRejected, {}, e});
      }
      return;
    }
  }
  const auto latency =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0);
  if (observer_) observer_->OnBatch(to_store.size(), latency);

  for (auto& [idx, ledger] : touched)
    ledgers_[idx] = std::move(ledger);
  for (const auto& r : to_store)
    ids_.insert(r.id);
  for (const auto i : accepted) {
    const auto idx = *board_.IndexOf(batch[i].report.station);
    RenderStation(idx, now);
  }
  for (const auto i : accepted) {
    // Publish each touched station once per batch.
    const auto idx = *board_.IndexOf(batch[i].report.station);
    if (touched.count(idx) == 0) continue;
    touched.erase(idx);
    const auto view = board_.Get(idx);
    bus_.Publish(BusEvent{"status", view->station.id.ToString(), view->station.id.ac, view->body});
  }
  if (!accepted.empty()) RenderSummary(now);

  std::vector<bool> answered(batch.size(), false);
  for (const auto i : accepted) {
    if (observer_) observer_->OnAccepted(batch[i].report);
    batch[i].done(SubmitOutcome{SubmitOutcome::Kind::kCreated, batch[i].report, {}});
    answered[i] = true;
  }
  for (auto& [i, out] : results) {
    if (observer_) observer_->OnRejected(batch[i].report, out.error);
    batch[i].done(std::move(out));
    answered[i] = true;
  }
  // Retries: answer from the store, comparing content.
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (answered[i]) continue;
    const Report& r = batch[i].report;
    auto found = store_->FindReport(r.id);
    if (!found.ok() || !found.value()) {
      Error e = found.ok() ? MakeError(ErrorCode::kInternal, "missing_report",
                                       "report " + r.id + " is indexed but not stored")
                           : found.error();
      batch[i].done(SubmitOutcome{SubmitOutcome::Kind::kRejected, {}, e});
      continue;
    }
    const Report& stored = *found.value();
    if (stored.SameContent(r)) {
      batch[i].done(SubmitOutcome{SubmitOutcome::Kind::kRepeated, stored, {}});
    } else {
      Error e = MakeError(ErrorCode::kConflict, "id_reused",
                          "a different report with id " + r.id + " was already stored");
      if (observer_) observer_->OnRejected(r, e);
      batch[i].done(SubmitOutcome{SubmitOutcome::Kind::kRejected, stored, e});
    }
  }
}

void Writer::RenderStation(std::uint32_t index, Instant now) {
  const StationLedger& ledger = ledgers_[index];
  auto view = std::make_shared<StationView>();
  view->station = ledger.station();
  view->status = ledger.Status(now, status_options_);
  view->last_report_at = ledger.LastReportAt();
  auto body = std::make_shared<std::string>(StationJson(view->station, view->status).dump());
  view->etag = EtagOf(*body);
  view->body = std::move(body);
  view->timeline = std::make_shared<std::string>(
      TimelineJson(ledger.queue_reports(), ledger.turnout_reports(), ledger.events()).dump());
  board_.Set(index, std::move(view));
}

void Writer::RefreshAll(bool publish_changes) {
  const Instant now = clock_.Now();
  for (std::uint32_t i = 0; i < ledgers_.size(); ++i) {
    const auto before = board_.Get(i);
    RenderStation(i, now);
    if (!publish_changes || !before) continue;
    const auto after = board_.Get(i);
    // Ages change every second; only a change a viewer must notice is pushed.
    if (before->status.state != after->status.state ||
        before->status.stale != after->status.stale) {
      bus_.Publish(
          BusEvent{"status", after->station.id.ToString(), after->station.id.ac, after->body});
    }
  }
  RenderSummary(now);
}

void Writer::RenderSummary(Instant now) {
  auto summary = BuildSummary(board_, ledgers_, day_, now);
  // Viewers need the district totals live, but not once per batch at peak write rates.
  const auto real_now = std::chrono::steady_clock::now();
  if (real_now - last_summary_publish_ >= std::chrono::seconds(1)) {
    last_summary_publish_ = real_now;
    bus_.Publish(BusEvent{"summary", "", 0, summary->district_json});
  }
  board_.SetSummary(std::move(summary));
}

}  // namespace psm
