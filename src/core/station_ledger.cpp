// StationLedger: recording reports and deriving the station's status.
#include "core/station_ledger.hpp"

#include <algorithm>
#include <utility>

#include "core/percent.hpp"
#include "core/wait_estimate.hpp"

namespace psm {
namespace {

bool CountsInRange(const Counts& c) {
  for (std::int64_t v : {c.men, c.women, c.others}) {
    if (v < 0 || v > StationLedger::kMaxCount) return false;
  }
  return true;
}

bool KnownEvent(EventKind k) {
  return k >= EventKind::kPartyArrived && k <= EventKind::kPollClosed;
}

// Inserts after any report with the same observed_at, so equal times keep arrival order.
void InsertSorted(std::vector<Report>& v, const Report& r) {
  const auto at = std::upper_bound(v.begin(), v.end(), r.observed_at,
                                   [](Instant t, const Report& x) { return t < x.observed_at; });
  v.insert(at, r);
}

}  // namespace

StationLedger::StationLedger(Station station) : station_(std::move(station)) {}

std::vector<Report>& StationLedger::TimelineOf(ReportKind kind) {
  switch (kind) {
    case ReportKind::kTurnout:
      return turnout_;
    case ReportKind::kEvent:
      return events_;
    case ReportKind::kQueue:
      break;
  }
  return queue_;
}

bool StationLedger::Apply(const Report& r) {
  if (r.station != station_.id) return false;
  // Ids are unique in the store; a repeat here is a replay overlap, not a second report.
  if (!r.id.empty() && ids_.count(r.id)) return false;
  switch (r.kind) {
    case ReportKind::kQueue:
    case ReportKind::kTurnout:
      if (!CountsInRange(r.counts)) return false;
      break;
    case ReportKind::kEvent:
      if (!KnownEvent(r.event)) return false;
      break;
    default:
      return false;
  }
  if (trial_) trial_->applied.emplace_back(r.kind, r.id);
  if (!r.id.empty()) ids_.insert(r.id);
  if (r.kind == ReportKind::kTurnout && IsCorrection(r)) unlock_.reset();  // one lower value
  InsertSorted(TimelineOf(r.kind), r);
  if (r.kind == ReportKind::kEvent) {
    // A day has a handful of events; replaying them all keeps one source of truth for order.
    // The offset only formats violation details, which are not kept here.
    poll_ = ReplayEvents(events_, std::chrono::minutes(0)).summary;
  }
  return true;
}

void StationLedger::BeginTrial() {
  if (!trial_) trial_ = Trial{{}, poll_, unlock_};
}

void StationLedger::KeepTrial() {
  trial_.reset();
}

void StationLedger::UndoTrial() {
  if (!trial_) return;
  // Newest first; a report is almost always found at the end of its timeline, since reports
  // mostly arrive in observation order.
  for (auto it = trial_->applied.rbegin(); it != trial_->applied.rend(); ++it) {
    std::vector<Report>& v = TimelineOf(it->first);
    const auto found =
        std::find_if(v.rbegin(), v.rend(), [&](const Report& x) { return x.id == it->second; });
    if (found != v.rend()) v.erase(std::next(found).base());
    ids_.erase(it->second);
  }
  poll_ = trial_->poll;
  unlock_ = trial_->unlock;
  trial_.reset();
}

StationStatus StationLedger::Status(Instant now, const StatusOptions& opts) const {
  StationStatus s;
  s.state = poll_.state;
  const bool closed = s.state == PollState::kClosed;

  if (!queue_.empty()) {
    const Report& latest = queue_.back();
    s.queue = latest.counts;
    s.reported_at = latest.observed_at;
    const auto age = std::chrono::floor<std::chrono::seconds>(now - latest.observed_at);
    s.age_seconds = std::max<std::int64_t>(0, age.count());
  }

  if (!closed) {
    if (s.reported_at) {
      s.stale = now - *s.reported_at > opts.stale_after;
    } else if (s.state == PollState::kOpen && poll_.started_at) {
      s.stale = now - *poll_.started_at > opts.stale_after;
    }
  }

  const ServiceRate rate = EstimateServiceRate(turnout_, now, opts);
  s.service_rate_per_min = rate.per_min;
  if (s.queue && !closed) s.wait = EstimateWait(s.queue->Total(), rate);

  if (!turnout_.empty()) {
    s.votes_polled = turnout_.back().counts;
    s.turnout_pct = Percent(s.votes_polled->Total(), station_.electors.Total());
  }

  s.trend = EstimateTrend(queue_, now, opts);
  if (closed) s.voters_in_queue_at_close = poll_.voters_in_queue_at_close;
  if (s.state == PollState::kInterrupted) s.interruption_reason = poll_.interruption_reason;
  return s;
}

bool StationLedger::IsCorrection(const Report& r) const {
  if (!unlock_ || r.kind != ReportKind::kTurnout || turnout_.empty()) return false;
  const Counts& latest = turnout_.back().counts;
  const bool lower =
      r.counts.men < latest.men || r.counts.women < latest.women || r.counts.others < latest.others;
  return lower && r.observed_at >= turnout_.back().observed_at;
}

std::optional<Counts> StationLedger::TurnoutAtOrBefore(Instant t) const {
  const auto after = std::upper_bound(turnout_.begin(), turnout_.end(), t,
                                      [](Instant x, const Report& r) { return x < r.observed_at; });
  if (after == turnout_.begin()) return std::nullopt;
  return std::prev(after)->counts;
}

std::optional<Instant> StationLedger::LastReportAt() const {
  std::optional<Instant> last;
  for (const auto* v : {&queue_, &turnout_, &events_}) {
    if (!v->empty() && (!last || v->back().observed_at > *last)) last = v->back().observed_at;
  }
  return last;
}

}  // namespace psm
