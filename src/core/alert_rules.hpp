// The rules behind exception alerts: which causes hold for a station at a given moment, and
// which report refusals need a person. Pure functions of their arguments; no clock, no I/O.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/alert.hpp"
#include "core/station_ledger.hpp"
#include "core/status_options.hpp"

namespace psm {

struct AlertOptions {
  // no_report: an open station whose latest queue report (or poll_started) is this old.
  Millis no_report_after = std::chrono::minutes(30);
  // not_started: no poll_started this long after the opening (07:00 + 15 min = 07:15).
  Millis not_started_grace = std::chrono::minutes(15);
  // long_wait: the middle of the estimated wait range above this many minutes.
  int long_wait_min = 30;
  // turnout_stalled: votes polled reported unchanged across this span while a queue stands.
  Millis stalled_after = std::chrono::minutes(30);
  // pin_guessing: wrong PINs for one station from at least this many client addresses (each
  // remembered for the guess throttle's 3 hours). An officer who mistypes does so from one or
  // two (a phone moving between Wi-Fi and mobile data); more means someone else is guessing.
  std::size_t pin_guessing_addresses = 3;
  // Resolved when the station's PIN is reset, or after this long without another wrong PIN.
  Millis pin_guessing_quiet = std::chrono::hours(1);
};

struct AlertCause {
  AlertKind kind = AlertKind::kNoReport;
  std::string detail;  // a sentence for the control room, times in the district's local time
  bool operator==(const AlertCause&) const = default;
};

// The state-derived causes (every kind but kRejectedReport) that hold for `ledger`'s station at
// `now`, at most one per kind, in AlertKind order:
//   no_report        poll open, and now - max(latest queue report, poll_started) >= no_report_after
//   not_started      no poll_started (state not_started) and now >= opening + not_started_grace
//   long_wait        poll open and (wait.low + wait.high) / 2 > long_wait_min
//   interrupted      the poll is interrupted (detail: the reason)
//   turnout_stalled  poll open, the latest queue report is not stale and holds people, and the
//                    latest turnout report has the same total as reports at least stalled_after
//                    older (evidence that votes did not move, not just that nobody reported)
std::vector<AlertCause> StationAlertCauses(const StationLedger& ledger, Instant now,
                                           const PollingDay& day, const StatusOptions& status,
                                           const AlertOptions& opts);

// True for refusal reasons that a person must look at: "turnout_decreased" (votes polled went
// down: a typo, or a correction that needs an unlock) and "queue_exceeds_electors".
bool RejectionNeedsPerson(std::string_view reason);

}  // namespace psm
