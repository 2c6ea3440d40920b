// The spells in which the server will have had no queue report from a station for its no_report
// threshold, as the officer's plan makes them (dropped and late reports), so that the simulator's
// log can name the stations it leaves silent. Pure.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.hpp"
#include "sim/sim_plan.hpp"

namespace psm::sim {

// Why the queue report after `since` had not reached the server when the spell began.
enum class SilenceCause {
  kDropped,  // it was never sent
  kLate,     // it was sent after the spell began
  kNoneDue,  // no report was observed between `since` and the spell's start (a threshold
             // shorter than the plan's queue interval)
};

// What ended the spell.
enum class SilenceEnd {
  kReport,       // a queue report arrived (at its send minute)
  kInterrupted,  // the poll was interrupted (the rule holds only while open)
  kClosed,       // the poll closed: no alert after the close
  kDayEnd,       // nothing ended it before the end of the polling day
};

// Minutes after the scheduled opening, like the plan's.
struct SilentSpell {
  int from = 0;  // the first minute in which the rule holds
  // The minute in which it stops holding (≥ from): equal to `from` when the report that ends it
  // is sent in the very minute the spell begins, so the rule held only until it arrived.
  int until = 0;
  int since = 0;  // the latest queue report's observed minute, or poll_started's, at `from`
  SilenceCause cause = SilenceCause::kDropped;
  int missing = 0;  // the observed minute of the report that had not arrived (not for kNoneDue)
  SilenceEnd end = SilenceEnd::kReport;
};

// The spells of one station in which the server's no_report rule holds: the poll is open
// (poll_started received, not interrupted, not closed) and
//   now − max(latest queue report's observed minute, poll_started's) ≥ threshold_min.
// The server knows a report from its send minute on (never, if it is dropped); the poll's state
// comes from the plan's events as the server's state machine reads them (out-of-order events
// ignored), so a station that starts late has no spell before it starts, an interruption pauses
// the rule, and nothing counts after poll_closed. Everything in a plan happens on whole minutes,
// and within a minute the server may look before that minute's reports arrive: a report sent in
// the very minute a spell begins still leaves the spell (of an instant, until == from), as the
// server's alert pass can fall in between. Ordered by `from`. threshold_min ≥ 1.
std::vector<SilentSpell> SilentSpells(const std::vector<PlannedReport>& plan, int threshold_min);

std::string_view ToString(SilenceCause c);
std::string_view ToString(SilenceEnd e);

// One line for the log, e.g. "silent 34-112 from 09:45: no queue report since 09:15 (a dropped
// report; next at 10:05)"; minute 0 is `opens`, times in the district's local time.
std::string SilenceLine(const std::string& station, const SilentSpell& s, Instant opens,
                        std::chrono::minutes utc_offset);

}  // namespace psm::sim
