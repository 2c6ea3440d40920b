// `psm simulate`: the command line of the polling-day simulator (src/sim/simulator.hpp).
#include <csignal>
#include <iostream>
#include <memory>

#include "app/commands.hpp"
#include "sim/simulator.hpp"

namespace psm::app {
namespace {

// SIGINT/SIGTERM stop the run early but still print the summary. A signal handler can only
// reach static storage, hence this one flag.
std::atomic<bool> g_cancel{false};

extern "C" void OnStopSignal(int) {
  g_cancel.store(true);
}

int RunSimulate(const sim::SimulateOptions& opts) {
  std::signal(SIGINT, OnStopSignal);
  std::signal(SIGTERM, OnStopSignal);
  return sim::RunSimulation(opts, std::cout, std::cerr, g_cancel);
}

}  // namespace

Command AddSimulateCommand(CLI::App& cli) {
  auto o = std::make_shared<sim::SimulateOptions>();
  auto* sub = cli.add_subcommand(
      "simulate",
      "play a polling day against a running `psm serve`: officers' reports from a seeded model "
      "of every station, voters' look-ups; scores the published waits against the true ones");
  sub->add_option("--url", o->url, "the server, http://HOST:PORT")->required();
  sub->add_option("--pins", o->pins_file, "station_id,pin CSV from `psm admin issue-pins`")
      ->required();
  sub->add_option("--speed", o->speed,
                  "the server's clock speed (its --clock-speed); 0 = measure it")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  sub->add_option("--seed", o->seed, "the same seed plays the same day with the same report ids")
      ->capture_default_str();
  sub->add_option("--ac", o->acs, "only these constituencies, e.g. 34,35")->delimiter(',');
  sub->add_option("--lookups-per-s", o->lookups_per_s, "voter look-ups per real second; 0 = none")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  sub->add_option("--late-share", o->plan.late_share,
                  "share of queue/turnout reports sent 5–40 sim-minutes late")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  sub->add_option("--drop-share", o->plan.drop_share,
                  "share of queue/turnout reports never sent (never the final turnout)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  sub->add_option("--duplicate-share", o->plan.duplicate_share,
                  "share of reports sent twice, as a phone retrying")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  sub->add_option("--turnout-every", o->plan.turnout_every,
                  "also report turnout every N sim-minutes; 0 = only at the ECI slots")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  sub->add_option("--until", o->until,
                  "stop at this local time HH:MM (default: after the close-of-poll reports)");
  sub->add_option("--threads", o->threads,
                  "officer threads; each station keeps a keep-alive connection of its own")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  sub->add_option("--epics", o->epics_file,
                  "electors.csv to draw EPICs for look-ups (default: look up by station id)");
  sub->add_option("--accuracy-stations", o->accuracy_stations,
                  "stations whose published wait is scored every 15 sim-minutes; 0 = none")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  sub->add_option("--progress-every", o->progress_every_s, "real seconds between progress lines")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  sub->add_option("--summary-json", o->summary_json, "also write the summary to FILE as JSON");
  sub->add_option(
      "--source-range", o->source_range,
      "CIDR|off: the addresses officers and voters connect from, so the server sees many "
      "phones: each station one fixed address from the lower half, each voter one from the "
      "upper half (reused round robin if too few). Default: 127.1.0.0/16 when the server is on "
      "IPv4 loopback (127.0.0.0/8 or localhost; Linux needs no set-up for it), else the "
      "kernel's choice; off: always the kernel's choice. IPv6 servers are never bound ([::1] "
      "is the only loopback address). A range outside 127/8 is used only when given here, and "
      "its addresses must be configured on this machine");
  // The same variable as the server's, so that a shared environment or .env keeps them equal.
  sub->add_option("--silent-after-min", o->silent_after_min,
                  "the server's PSM_NO_REPORT_AFTER_MIN (read from it when set): print a "
                  "`silent` line when the plan (dropped and late reports) leaves an open "
                  "station without a queue report this long")
      ->envname("PSM_NO_REPORT_AFTER_MIN")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  return Command{sub, [o] { return RunSimulate(*o); }};
}

}  // namespace psm::app
