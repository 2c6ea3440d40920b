// The simulator's progress line and end-of-run summary (text and JSON).
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/time.hpp"
#include "sim/sim_officer.hpp"
#include "sim/sim_silence_log.hpp"

namespace psm::sim {

struct RunFacts {
  std::string sim_time;  // local HH:MM at the end of the run
  double speed = 0;
  double real_seconds = 0;
  std::size_t stations = 0;
  std::size_t sampled_stations = 0;
  std::uint64_t unsent = 0;        // planned reports not sent when the run stopped
  double model_turnout_pct = 0;    // what the model's voters make of the electors
  double server_turnout_pct = -1;  // votes_polled.total / electors.total at the end; -1 unknown
  std::vector<std::string> accepted_ids;  // sorted
  Instant opens;                          // minute 0 of the silent spells
  int silent_after_min = 30;
  std::vector<StationSpell> silent;  // the spells announced, in order
};

// One line: sim time, reports sent/created/repeated/rejected, look-ups, silent spells, errors.
std::string ProgressLine(const std::string& sim_time, const SimCounters& c);

// The summary as JSON (counts, latency p50/p99, accuracy, silent spells, accepted ids).
nlohmann::json SummaryJson(const RunFacts& facts, const SimCounters& c);

// The summary for people, several lines.
void PrintSummary(std::ostream& out, const RunFacts& facts, const SimCounters& c);

}  // namespace psm::sim
