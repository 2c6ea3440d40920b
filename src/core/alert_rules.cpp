// Alert causes are derived from the same StationLedger status voters see, so the control room
// and the public page can never disagree about a station's state.
#include "core/alert_rules.hpp"

#include <algorithm>

#include "core/local_format.hpp"

namespace psm {
namespace {

std::string Minutes(Millis d) {
  return std::to_string(std::chrono::duration_cast<std::chrono::minutes>(d).count()) + " min";
}

}  // namespace

std::vector<AlertCause> StationAlertCauses(const StationLedger& ledger, Instant now,
                                           const PollingDay& day, const StatusOptions& status_opts,
                                           const AlertOptions& opts) {
  std::vector<AlertCause> out;
  const StationStatus status = ledger.Status(now, status_opts);
  const auto offset = day.utc_offset;
  const bool open = status.state == PollState::kOpen;

  if (open) {
    std::optional<Instant> last = ledger.poll_started_at();
    if (!ledger.queue_reports().empty()) {
      const Instant q = ledger.queue_reports().back().observed_at;
      if (!last || q > *last) last = q;
    }
    if (last && now - *last >= opts.no_report_after) {
      out.push_back({AlertKind::kNoReport, "no queue report since " +
                                               FormatLocalTime(*last, offset) + " (" +
                                               Minutes(now - *last) + ")"});
    }
  }
  if (status.state == PollState::kNotStarted && now >= day.OpensAt() + opts.not_started_grace) {
    out.push_back({AlertKind::kNotStarted, "the poll has not started; it was due at " +
                                               FormatLocalTime(day.OpensAt(), offset)});
  }
  if (open && status.wait && (status.wait->low + status.wait->high) / 2.0 > opts.long_wait_min) {
    out.push_back({AlertKind::kLongWait, "estimated wait " + std::to_string(status.wait->low) +
                                             "–" + std::to_string(status.wait->high) +
                                             " min for a queue of " +
                                             std::to_string(status.queue->Total())});
  }
  if (status.state == PollState::kInterrupted) {
    out.push_back({AlertKind::kInterrupted, "poll interrupted: " + status.interruption_reason});
  }
  const auto& turnout = ledger.turnout_reports();
  if (open && status.queue && status.queue->Total() > 0 && !status.stale && !turnout.empty()) {
    // Walk back over the trailing run of reports with the latest total.
    const std::int64_t total = turnout.back().counts.Total();
    auto first = turnout.end() - 1;
    while (first != turnout.begin() && std::prev(first)->counts.Total() == total)
      --first;
    const Millis span = turnout.back().observed_at - first->observed_at;
    if (span >= opts.stalled_after) {
      out.push_back({AlertKind::kTurnoutStalled,
                     "votes polled stayed at " + std::to_string(total) + " from " +
                         FormatLocalTime(first->observed_at, offset) + " to " +
                         FormatLocalTime(turnout.back().observed_at, offset) +
                         " while a queue of " + std::to_string(status.queue->Total()) + " stands"});
    }
  }
  return out;
}

bool RejectionNeedsPerson(std::string_view reason) {
  return reason == "turnout_decreased" || reason == "queue_exceeds_electors";
}

}  // namespace psm
