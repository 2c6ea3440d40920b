// What a station's officer sends over the day, derived from the station's modelled day: poll
// events, queue counts every 15 minutes, turnout at the ECI slots, with some reports late,
// dropped or sent twice. Pure and seeded.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/time.hpp"
#include "sim/sim_model.hpp"

namespace psm::sim {

enum class PlannedKind { kQueue, kTurnout, kEvent };

struct PlannedReport {
  std::string id;  // UUID v4, the same for every send of this report
  PlannedKind kind = PlannedKind::kQueue;
  int observed_minute = 0;  // minutes after the scheduled opening (negative before it)
  int send_minute = 0;      // when the officer sends it (≥ observed_minute; later if late)
  bool late = false;
  bool dropped = false;                       // planned but never sent (a dead phone)
  bool duplicate = false;                     // sent a second time right after the first answer
  GenderCounts counts;                        // queue or cumulative votes polled
  std::string event;                          // for kEvent: party_arrived … poll_closed
  std::string reason;                         // for `interrupted`
  std::int64_t voters_in_queue_at_close = 0;  // for `poll_closed`
};

struct PlanOptions {
  double late_share = 0.05;       // queue/turnout reports delayed 5–40 minutes
  double drop_share = 0.02;       // queue/turnout reports never sent (never the final turnout)
  double duplicate_share = 0.05;  // any report sent twice
  int queue_every = 15;           // minutes between queue counts
  int turnout_every = 0;          // extra turnout reports every N minutes; 0 = the ECI slots only
};

// The officer's reports for `day`, ordered by send_minute (ties keep the observation order).
// Events are never late or dropped, so the server always sees them in order.
std::vector<PlannedReport> PlanStationReports(const StationDay& day, const PlanOptions& opts,
                                              std::uint64_t seed);

// The JSON body of `r` for POST /api/v1/stations/{id}/reports; minute 0 is `opens`.
nlohmann::json ReportBody(const PlannedReport& r, Instant opens);

// A version-4 UUID made from two random 64-bit words (so a seeded stream gives the same ids).
std::string SeededUuid(std::uint64_t a, std::uint64_t b);

std::string_view ToString(PlannedKind k);

}  // namespace psm::sim
