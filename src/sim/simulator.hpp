// `psm simulate`: plays a polling day against a running server — officers' reports from a
// seeded model of every station, voters' look-ups — and scores the server's wait estimates.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "sim/sim_model.hpp"
#include "sim/sim_plan.hpp"

namespace psm::sim {

struct SimulateOptions {
  std::string url;            // http://HOST:PORT of `psm serve`
  std::string pins_file;      // station_id,pin (from `psm admin issue-pins`)
  double speed = 0;           // the server's clock speed; 0 = measure it
  std::uint64_t seed = 1;     // the same seed plays the same day with the same report ids
  std::vector<int> acs;       // only these constituencies; empty = all
  double lookups_per_s = 20;  // voter look-ups per real second; 0 = none
  std::string until;          // "HH:MM" local: stop sending then; empty = after the last report
  // Officer threads, each sending for its share of the stations (a keep-alive connection per
  // station); the server commits concurrent reports together, so throughput grows with them.
  int threads = 16;
  std::string epics_file;       // electors.csv to draw EPICs for look-ups; empty = by station id
  std::string summary_json;     // write the summary here as JSON; empty = don't
  int accuracy_stations = 200;  // stations whose published wait is scored; 0 = none
  double progress_every_s = 5;  // real seconds between progress lines
  std::chrono::milliseconds timeout{5000};  // per connect/write/read
  // Where officers and voters connect from: "" = 127.1.0.0/16 when the server is on IPv4
  // loopback, else the kernel's choice; "off" = always the kernel's choice; or an IPv4 CIDR
  // (see ChooseSourceRange). Each station has its own address, voters draw from the rest.
  std::string source_range;
  // The server's PSM_NO_REPORT_AFTER_MIN: a `silent` line for each spell the plan leaves a
  // station without a queue report that long while open.
  int silent_after_min = 30;
  PlanOptions plan;
  DayModelOptions model;
};

// Runs the day. Blocks until every planned report is sent, the --until time passes, or `cancel`
// becomes true. Progress and the summary go to `out`, problems to `err`. Returns the exit code:
// 0 when it ran, 2 for bad options or input files, 3 when the server is unreachable or unusable.
int RunSimulation(const SimulateOptions& opts, std::ostream& out, std::ostream& err,
                  const std::atomic<bool>& cancel);

}  // namespace psm::sim
