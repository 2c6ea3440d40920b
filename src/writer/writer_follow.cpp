// Writer in a cluster: holding the writer role, and following the writer's commits when it does
// not (docs/architecture.md, "One writer" and "Every node current").
#include <spdlog/spdlog.h>

#include <limits>

#include "writer/writer.hpp"

namespace psm {

void Writer::Poke(std::int64_t seq) {
  if (seq > heard_seq_.load()) heard_seq_.store(seq);
  if (is_writer_.load()) return;
  {
    std::lock_guard lock(mu_);
    poked_ = true;
  }
  cv_.NotifyOne();
}

void Writer::TendCluster() {
  if (is_writer_.load()) {
    auto held = store_->HoldsWriterRole();
    if (!held.ok()) {
      LoseRole("the store cannot be reached (" + held.error().detail + ")");
    } else if (!*held) {
      LoseRole("its PostgreSQL session ended");
    }
  } else {
    auto taken = store_->TakeWriterRole();
    if (taken.ok() && *taken) GainRole();
  }
  Follow();
}

void Writer::GainRole() {
  // Nobody else commits now: what the last writer committed is all in the store. Applying it
  // all before the first commit keeps the ledgers the one source of the rules.
  if (!Follow()) return;  // the role stays untaken here; the next tick tries again
  const Instant now = clock_.Now();
  if (Status loaded = desk_->Load(now); !loaded.ok()) {
    spdlog::error("writer role: loading the alerts failed ({}); trying again",
                  loaded.error().detail);
    return;
  }
  is_writer_.store(true);
  desk_->set_may_write(true);
  desk_->EvaluateAll(ledgers_, now);
  desk_->Flush();
  spdlog::info("writer role taken at seq {}: this node now commits", cursor_.writer);
  if (options_.on_role_change) options_.on_role_change(true);
}

void Writer::LoseRole(const std::string& why) {
  is_writer_.store(false);
  desk_->set_may_write(false);
  spdlog::error("writer role lost: {}; committing nothing more, following the new writer", why);
  if (options_.on_role_change) options_.on_role_change(false);
}

std::int64_t Writer::SessionsFrom(SteadyTime now) {
  while (!sessions_seen_.empty() &&
         sessions_seen_.front().first <= now - options_.sessions_lookback) {
    sessions_base_ = std::max(sessions_base_, sessions_seen_.front().second);
    sessions_seen_.pop_front();
  }
  return sessions_base_;
}

bool Writer::Follow() {
  const SteadyTime now = clock_.SteadyNow();
  // The writer reads only the sessions: everything in the writer feed since it took the role is
  // its own (its cursor moves with its commits).
  const bool writer = is_writer_.load();
  FeedCursor ask{writer ? std::numeric_limits<std::int64_t>::max() : cursor_.writer,
                 SessionsFrom(now)};
  for (;;) {
    auto changes = store_->ChangesSince(ask, options_.follow_batch);
    if (!changes.ok()) {
      if (store_reachable_.exchange(false)) {
        spdlog::error("reading the change feed failed: {}; retrying", changes.error().detail);
      }
      return false;
    }
    if (!store_reachable_.exchange(true)) spdlog::info("the change feed is readable again");
    if (!writer) {
      ApplyFollowed(*changes);
      cursor_.writer = changes->writer_seq;
      applied_seq_.store(cursor_.writer);
      if (cursor_.writer > heard_seq_.load()) heard_seq_.store(cursor_.writer);
    }
    if (!changes->sessions.empty() || !changes->ended_sessions.empty()) {
      if (options_.on_session_changes) options_.on_session_changes(*changes);
    }
    sessions_seen_.emplace_back(now, changes->sessions_seq);
    if (!changes->more) {
      caught_up_.store(true);
      return true;
    }
    ask = FeedCursor{cursor_.writer, changes->sessions_seq};
  }
}

void Writer::ApplyFollowed(const ChangeBatch& changes) {
  if (changes.reports.empty() && changes.unlocks.empty() && changes.alerts.empty()) return;
  event_seq_ = std::max(event_seq_, static_cast<std::uint64_t>(changes.writer_seq));
  const Instant now = clock_.Now();
  const SteadyTime real_now = clock_.SteadyNow();
  std::vector<std::uint32_t> touched;
  for (const auto& [seq, r] : changes.reports) {
    ids_.Add(r.id);
    const auto idx = board_.IndexOf(r.station);
    if (!idx) {
      ++orphan_reports_;
      continue;
    }
    // Apply refuses an id the station already has (loaded at start, then read again here).
    if (ledgers_[*idx].Apply(r)) touched.push_back(*idx);
  }
  for (const auto& [seq, u] : changes.unlocks) {
    const auto idx = board_.IndexOf(u.station);
    if (!idx) continue;
    StationLedger& ledger = ledgers_[*idx];
    if (!u.closed_at) {
      ledger.SetTurnoutUnlock(u.id);
    } else if (ledger.turnout_unlock() == u.id) {
      ledger.SetTurnoutUnlock(std::nullopt);
    }
  }
  std::vector<Alert> alerts;
  alerts.reserve(changes.alerts.size());
  for (const auto& a : changes.alerts)
    alerts.push_back(a.value);
  desk_->ApplyStored(alerts);
  std::sort(touched.begin(), touched.end());
  touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
  for (const std::uint32_t idx : touched) {
    RenderChanged(idx, now, real_now);
    PublishStatus(idx);
  }
  if (touched.empty()) return;
  if (real_now - summary_built_ >= options_.summary_interval) {
    RenderSummary(now);
  } else {
    summary_stale_ = true;
  }
}

void Writer::PublishStatus(std::uint32_t index) {
  const auto view = board_.Get(index);
  bus_.Publish(
      BusEvent{"status", view->station.id.ToString(), view->station.id.ac, view->body, event_seq_});
}

}  // namespace psm
