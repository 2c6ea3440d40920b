// Group commit: one transaction per batch, acknowledgements only after it is durable.
#include "writer/writer.hpp"

#include <algorithm>
#include <utility>

#include "core/fnv.hpp"
#include "core/thread_name.hpp"
#include "writer/station_json.hpp"
#include "writer/summary.hpp"

namespace psm {

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
      observer_(observer),
      ids_(options.report_id_fingerprint),
      cluster_(store_->HasChangeFeed()),
      is_writer_(!cluster_),
      caught_up_(!cluster_) {
  desk_ = std::make_unique<AlertDesk>(*store_, bus_, board_, day_, status_options_, options_.alerts,
                                      event_seq_);
  desk_->set_may_write(!cluster_);
  ledgers_.reserve(board_.size());
  for (const auto& s : board_.stations())
    ledgers_.emplace_back(s);
  timeline_stale_.assign(board_.size(), 0);
  timeline_rendered_.assign(board_.size(), SteadyTime{});
  timelines_.resize(board_.size());
  heads_.reserve(board_.size());
  for (const auto& s : board_.stations())
    heads_.push_back(StationHead(s));
}

Writer::~Writer() {
  Stop();
}

Status Writer::Load() {
  if (cluster_) {
    auto taken = store_->TakeWriterRole();
    if (!taken.ok()) return taken.error();
    is_writer_.store(*taken);
    desk_->set_may_write(*taken);
    // Read before the state: following from here may see some loaded changes again (applied
    // once), but misses none committed while the state was read.
    auto head = store_->FeedHead();
    if (!head.ok()) return head.error();
    cursor_ = *head;
    sessions_base_ = head->sessions;
    event_seq_ = static_cast<std::uint64_t>(head->writer);
    applied_seq_.store(head->writer);
    heard_seq_.store(head->writer);
  }
  Status st = store_->ForEachReport([&](const Report& r) {
    ids_.Add(r.id);
    if (const auto idx = board_.IndexOf(r.station)) {
      ledgers_[*idx].Apply(r);
    } else {
      ++orphan_reports_;  // a station removed from the roll after it reported; kept in the store
    }
    return true;
  });
  if (!st.ok()) return st;
  // Open unlocks are set after the replay, so replayed corrections cannot consume them.
  auto unlocks = store_->LoadTurnoutUnlocks();
  if (!unlocks.ok()) return unlocks.error();
  for (const TurnoutUnlock& u : *unlocks) {
    const auto idx = board_.IndexOf(u.station);
    if (idx && !u.closed_at) ledgers_[*idx].SetTurnoutUnlock(u.id);
  }
  const Instant now = clock_.Now();
  if (Status loaded = desk_->Load(now); !loaded.ok()) return loaded;
  if (HoldsRole()) {  // a follower takes the writer's alerts as they are
    desk_->EvaluateAll(ledgers_, now);
    desk_->Flush();
  }
  RefreshAll(false);
  return Status();
}

void Writer::Start() {
  thread_ = std::thread([this] {
    NameThisThread("psm-writer");
    Run();
  });
}

void Writer::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  cv_.NotifyAll();
  if (thread_.joinable()) thread_.join();
}

bool Writer::Submit(Report report, SubmitCallback done) {
  return Submit(std::move(report), RequestOrigin{}, std::move(done));
}

bool Writer::Submit(Report report, RequestOrigin origin, SubmitCallback done) {
  bool wake = false;
  const SteadyTime now = clock_.SteadyNow();  // read before the lock, not under it
  {
    std::lock_guard lock(mu_);
    if (stopping_ || queue_.size() >= options_.max_queue) return false;
    queue_.push_back(Pending{std::move(report), std::move(done), std::move(origin), now});
    // The writer sleeps until the queue stops being empty, and while it gathers a batch, until
    // the batch reaches its target. Waking it for any other report costs a context switch per
    // report and only sends it back to sleep.
    wake = queue_.size() == 1 || queue_.size() == batch_target_;
  }
  if (wake) cv_.NotifyOne();
  return true;
}

std::size_t Writer::queued() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

void Writer::Run() {
  SteadyTime next_refresh = clock_.SteadyNow() + options_.refresh_interval;
  SteadyTime next_alerts = clock_.SteadyNow() + options_.alert_interval;
  std::vector<Pending> batch;
  std::deque<std::function<void()>> tasks;
  next_follow_ = clock_.SteadyNow() + options_.follow_interval;
  for (;;) {
    SteadyTime due = std::min({next_refresh, next_alerts, NextDeferred(), next_probe_});
    if (cluster_) {
      due =
          std::min(due, poke_pending_ ? last_follow_ + options_.min_follow_spacing : next_follow_);
    }
    const bool stop = TakeWork(batch, tasks, due);
    if (cluster_ && !stop) {
      {
        std::lock_guard lock(mu_);
        poke_pending_ = std::exchange(poked_, false) || poke_pending_;
      }
      const SteadyTime now = clock_.SteadyNow();
      if (now >= next_follow_ ||
          (poke_pending_ && now >= last_follow_ + options_.min_follow_spacing)) {
        poke_pending_ = false;
        TendCluster();
        last_follow_ = clock_.SteadyNow();
        next_follow_ = last_follow_ + options_.follow_interval;
      }
    }
    if (!batch.empty()) {
      ProcessBatch(batch);
      batch.clear();
    }
    for (auto& task : tasks)
      task();
    const bool commands = !tasks.empty();
    tasks.clear();
    if (clock_.SteadyNow() >= next_probe_) ProbeStore();
    // A follower's alert timer moves on too: left in the past, every wait would return at once.
    const bool alerts_due = clock_.SteadyNow() >= next_alerts;
    if (alerts_due) next_alerts = clock_.SteadyNow() + options_.alert_interval;
    if (alerts_due && HoldsRole()) {
      desk_->EvaluateAll(ledgers_, clock_.Now());
      desk_->Flush();
      NotifyCommitted();
    } else if (commands) {
      NotifyCommitted();
    }
    if (clock_.SteadyNow() >= next_refresh) {
      RefreshAll(true);
      next_refresh = clock_.SteadyNow() + options_.refresh_interval;
    }
    FlushDeferred(stop);
    if (stop) return;
  }
}

bool Writer::TakeWork(std::vector<Pending>& batch, std::deque<std::function<void()>>& tasks,
                      SteadyTime timers_due) {
  std::unique_lock lock(mu_);
  cv_.WaitUntil(lock, timers_due,
                [&] { return stopping_ || !queue_.empty() || !tasks_.empty() || poked_; });
  if (!queue_.empty()) {
    // Wait for the batch to be as large as the last one, or for its oldest report to have
    // waited flush_interval. Officers answered by the last commit resubmit at once, so a
    // closed crowd is committed as soon as it is back, and a lone officer at once; a steady
    // stream ratchets the target up until the interval bounds it.
    cv_.WaitUntil(lock, queue_.front().queued_at + options_.flush_interval,
                  [&] { return stopping_ || queue_.size() >= batch_target_; });
  }
  const std::size_t n = std::min(queue_.size(), options_.max_batch);
  if (n > 0) batch_target_ = std::min(n, options_.enough_batch);
  for (std::size_t i = 0; i < n; ++i) {
    batch.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  tasks.swap(tasks_);
  return stopping_ && queue_.empty();
}

void Writer::RenderStation(std::uint32_t index, Instant now, bool timeline) {
  const StationLedger& ledger = ledgers_[index];
  auto view = std::make_shared<StationView>();
  view->station = ledger.station();
  view->status = ledger.Status(now, status_options_);
  view->last_report_at = ledger.LastReportAt();
  auto body = std::make_shared<std::string>(StationJsonText(heads_[index], view->status));
  view->etag = EtagOf(*body);
  view->body = std::move(body);
  const auto before = timeline ? nullptr : board_.Get(index);
  if (before && before->timeline) {
    view->timeline = before->timeline;
  } else {
    view->timeline =
        timelines_[index].Render(ledger.queue_reports(), ledger.turnout_reports(), ledger.events());
  }
  board_.Set(index, std::move(view));
}

void Writer::RenderChanged(std::uint32_t index, Instant now, SteadyTime real_now) {
  // A timeline holds every report of the station's day, so re-rendering it per batch would cost
  // O(reports) per report at peak. The first change after a quiet spell shows at once.
  const bool timeline_now = real_now - timeline_rendered_[index] >= options_.timeline_interval;
  RenderStation(index, now, timeline_now);
  if (timeline_now) {
    timeline_rendered_[index] = real_now;
  } else if (!timeline_stale_[index]) {
    timeline_stale_[index] = 1;
    stale_timelines_.push_back(index);
    timelines_due_ = std::min(timelines_due_, real_now + options_.timeline_interval);
  }
}

SteadyTime Writer::NextDeferred() const {
  SteadyTime due = timelines_due_;
  if (summary_stale_) due = std::min(due, summary_built_ + options_.summary_interval);
  if (summary_unpublished_) due = std::min(due, last_summary_publish_ + kSummaryPublishInterval);
  return due;
}

void Writer::FlushDeferred(bool all) {
  const SteadyTime real_now = clock_.SteadyNow();
  if (summary_stale_ && (all || real_now >= summary_built_ + options_.summary_interval)) {
    RenderSummary(clock_.Now());
  }
  PublishSummaryIfDue(real_now);
  if (stale_timelines_.empty() || (!all && real_now < timelines_due_)) return;
  for (const std::uint32_t index : stale_timelines_) {
    const StationLedger& ledger = ledgers_[index];
    auto view = std::make_shared<StationView>(*board_.Get(index));
    view->timeline =
        timelines_[index].Render(ledger.queue_reports(), ledger.turnout_reports(), ledger.events());
    board_.Set(index, std::move(view));
    timeline_stale_[index] = 0;
    timeline_rendered_[index] = real_now;
  }
  stale_timelines_.clear();
  timelines_due_ = SteadyTime::max();
}

void Writer::RefreshAll(bool publish_changes) {
  const Instant now = clock_.Now();
  for (std::uint32_t i = 0; i < ledgers_.size(); ++i) {
    const auto before = board_.Get(i);
    // Timelines do not age: only the first render (Load) needs them; stale ones wait for
    // FlushDeferred.
    RenderStation(i, now, before == nullptr);
    if (!publish_changes || !before) continue;
    const auto after = board_.Get(i);
    // Ages change every second; only a change a viewer must notice is pushed.
    if (before->status.state != after->status.state ||
        before->status.stale != after->status.stale) {
      PublishStatus(i);
    }
  }
  RenderSummary(now);
}

void Writer::RenderSummary(Instant now) {
  auto summary = summary_builder_.Build(board_, ledgers_, day_, now);
  summary_built_ = clock_.SteadyNow();
  summary_stale_ = false;
  board_.SetSummary(std::move(summary));
  summary_unpublished_ = true;
  PublishSummaryIfDue(summary_built_);
}

void Writer::PublishSummaryIfDue(SteadyTime real_now) {
  // Viewers need the district totals live, but not once per batch at peak write rates. A build
  // inside the interval is published when it ends, so the last totals always go out.
  if (!summary_unpublished_ || real_now - last_summary_publish_ < kSummaryPublishInterval) return;
  const auto summary = board_.summary();
  if (!summary) return;
  last_summary_publish_ = real_now;
  summary_unpublished_ = false;
  bus_.Publish(BusEvent{"summary", "", 0, summary->district_json, event_seq_});
}

}  // namespace psm
