// StationLedger::Check: the rules a new report must pass against the station's day so far.
#include <algorithm>
#include <string>

#include "core/local_format.hpp"
#include "core/station_ledger.hpp"
#include "core/text.hpp"

namespace psm {
namespace {

Error Invalid(std::string reason, std::string detail) {
  return Error::Invalid(std::move(reason), std::move(detail));
}

Error Conflict(std::string reason, std::string detail) {
  return Error::Conflict(std::move(reason), std::move(detail));
}

bool AnyNegative(const Counts& c) {
  return c.men < 0 || c.women < 0 || c.others < 0;
}

// True when some component of `a` is below the same component of `b`.
bool AnyBelow(const Counts& a, const Counts& b) {
  return a.men < b.men || a.women < b.women || a.others < b.others;
}

}  // namespace

Status StationLedger::Check(const Report& r, Instant now, const PollingDay& day,
                            const StatusOptions& opts) const {
  const auto offset = day.utc_offset;
  if (r.station != station_.id) {
    return Invalid("wrong_station", "this report names station " + r.station.ToString() +
                                        " but was sent for station " + station_.id.ToString());
  }
  if (!day.Contains(r.observed_at)) {
    return Invalid("observed_at_not_polling_day",
                   "the report was observed on " +
                       FormatDate(PollingDay::LocalDateOf(r.observed_at, offset)) + " at " +
                       FormatLocalTime(r.observed_at, offset) + ", not on the polling day " +
                       FormatDate(day.date));
  }
  if (r.observed_at > now + opts.max_future_skew) {
    return Invalid("observed_at_in_future", "the report says it was observed at " +
                                                FormatLocalTime(r.observed_at, offset) +
                                                " but it is only " + FormatLocalTime(now, offset) +
                                                " now; check the phone's clock");
  }
  switch (r.kind) {
    case ReportKind::kQueue:
      return CheckQueue(r, offset);
    case ReportKind::kTurnout:
      return CheckTurnout(r, offset);
    case ReportKind::kEvent:
      return CheckEvent(r, offset);
  }
  return Invalid("unknown_kind", "the report kind must be queue, turnout or event");
}

Status StationLedger::CheckQueue(const Report& r, std::chrono::minutes offset) const {
  const Counts& q = r.counts;
  if (AnyNegative(q)) {
    return Invalid("negative_count", "people in the queue may not be negative: men " +
                                         std::to_string(q.men) + ", women " +
                                         std::to_string(q.women) + ", others " +
                                         std::to_string(q.others));
  }
  const std::int64_t electors = station_.electors.Total();
  // Components first: each bounded by the electors, their sum cannot overflow.
  const struct {
    const char* name;
    std::int64_t people;
  } parts[] = {{"men", q.men}, {"women", q.women}, {"others", q.others}};
  for (const auto& p : parts) {
    if (p.people > electors) {
      return Invalid("queue_exceeds_electors", "a queue of " + std::to_string(p.people) + " " +
                                                   p.name + " is more than the station's " +
                                                   std::to_string(electors) + " electors");
    }
  }
  if (q.Total() > electors) {
    return Invalid("queue_exceeds_electors", "a queue of " + std::to_string(q.Total()) +
                                                 " is more than the station's " +
                                                 std::to_string(electors) + " electors");
  }
  if (poll_.closed_at && r.observed_at > *poll_.closed_at) {
    return Conflict("event_order", "queue reports end at `poll_closed` (" +
                                       FormatLocalTime(*poll_.closed_at, offset) +
                                       "); this one was observed at " +
                                       FormatLocalTime(r.observed_at, offset));
  }
  return {};
}

Status StationLedger::CheckTurnout(const Report& r, std::chrono::minutes offset) const {
  const Counts& v = r.counts;
  if (AnyNegative(v)) {
    return Invalid("negative_count",
                   "votes polled may not be negative: men " + std::to_string(v.men) + ", women " +
                       std::to_string(v.women) + ", others " + std::to_string(v.others));
  }
  const Counts& e = station_.electors;
  const struct {
    const char* name;
    std::int64_t votes;
    std::int64_t electors;
  } parts[] = {{"men", v.men, e.men}, {"women", v.women, e.women}, {"others", v.others, e.others}};
  for (const auto& p : parts) {
    if (p.votes > p.electors) {
      return Invalid("turnout_exceeds_electors",
                     "votes polled by " + std::string(p.name) + " (" + std::to_string(p.votes) +
                         ") exceed the station's " + std::to_string(p.electors) + " " + p.name +
                         " electors");
    }
  }
  if (v.Total() > e.Total()) {
    return Invalid("turnout_exceeds_electors", "votes polled (" + std::to_string(v.Total()) +
                                                   ") exceed the station's " +
                                                   std::to_string(e.Total()) + " electors");
  }
  if (IsCorrection(r)) {
    if (Trim(r.reason).empty()) {
      return Invalid("reason_required",
                     "a turnout correction needs a reason, e.g. \"typing error at 11:00\"");
    }
    return {};
  }
  // Cumulative counts must be non-decreasing by observed_at, including for a report that
  // arrives late and lands between two others.
  const auto after = std::upper_bound(turnout_.begin(), turnout_.end(), r.observed_at,
                                      [](Instant t, const Report& x) { return t < x.observed_at; });
  if (after != turnout_.begin()) {
    const Report& prev = *std::prev(after);
    if (AnyBelow(v, prev.counts)) {
      return Conflict("turnout_decreased",
                      "votes polled may not decrease: the report observed at " +
                          FormatLocalTime(prev.observed_at, offset) + " had " +
                          FormatCounts(prev.counts) + ", this one has " + FormatCounts(v) +
                          (unlock_ ? "; a correction must be observed at or after the latest "
                                     "turnout report"
                                   : "; a correction needs an admin's turnout unlock"));
    }
  }
  if (after != turnout_.end() && AnyBelow(after->counts, v)) {
    return Conflict("turnout_decreased",
                    "votes polled may not decrease: the later report observed at " +
                        FormatLocalTime(after->observed_at, offset) + " had " +
                        FormatCounts(after->counts) + ", fewer than this one's " + FormatCounts(v));
  }
  return {};
}

Status StationLedger::CheckEvent(const Report& r, std::chrono::minutes offset) const {
  if (r.event < EventKind::kPartyArrived || r.event > EventKind::kPollClosed) {
    return Invalid("unknown_event",
                   "the event must be party_arrived, mock_poll_done, poll_started, interrupted, "
                   "resumed or poll_closed");
  }
  if (r.event == EventKind::kInterrupted && Trim(r.reason).empty()) {
    return Invalid("reason_required", "an `interrupted` report needs a reason, e.g. \"EVM fault\"");
  }
  if (r.event == EventKind::kPollClosed) {
    if (r.voters_in_queue_at_close < 0) {
      return Invalid("negative_count", "voters in the queue at close may not be negative (" +
                                           std::to_string(r.voters_in_queue_at_close) + ")");
    }
    if (r.voters_in_queue_at_close > station_.electors.Total()) {
      return Invalid("queue_exceeds_electors",
                     "voters in the queue at close (" + std::to_string(r.voters_in_queue_at_close) +
                         ") are more than the station's " +
                         std::to_string(station_.electors.Total()) + " electors");
    }
  }

  std::vector<Report> merged = events_;
  merged.insert(std::upper_bound(merged.begin(), merged.end(), r.observed_at,
                                 [](Instant t, const Report& x) { return t < x.observed_at; }),
                r);
  // The stored events may already hold violations (replayed without Check); refuse only what
  // this event adds.
  const EventReplay before = ReplayEvents(events_, offset);
  const EventReplay with = ReplayEvents(merged, offset);
  for (const EventViolation& v : with.violations) {
    const bool known = std::any_of(before.violations.begin(), before.violations.end(),
                                   [&v](const EventViolation& b) { return b.detail == v.detail; });
    if (!known) return Conflict("event_order", v.detail);
  }

  if (r.event == EventKind::kPollClosed && with.summary.closed_at == r.observed_at &&
      !queue_.empty() && queue_.back().observed_at > r.observed_at) {
    return Conflict("event_order", "a queue report was observed at " +
                                       FormatLocalTime(queue_.back().observed_at, offset) +
                                       ", after this `poll_closed` at " +
                                       FormatLocalTime(r.observed_at, offset));
  }
  return {};
}

}  // namespace psm
