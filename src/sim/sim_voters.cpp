// Voter look-ups at a steady rate, a fresh phone (connection and address) every one or two.
#include "sim/sim_voters.hpp"

#include <memory>
#include <thread>

#include "sim/sim_rng.hpp"

namespace psm::sim {
namespace {

using SteadyClock = std::chrono::steady_clock;

// A real voter's phone checks once, sometimes twice.
constexpr double kSecondLookUpShare = 0.3;

}  // namespace

void RunVoters(const VoterOptions& opts, const std::vector<std::string>& epics,
               const std::vector<std::string>& station_ids, SimCounters& c,
               const std::atomic<bool>& done) {
  HttpLoop loop;
  std::unique_ptr<HttpClient> phone;
  int left = 0;  // look-ups the current phone still makes
  Rng rng(opts.seed);
  const auto interval = std::chrono::duration<double>(1.0 / opts.per_s);
  auto next = SteadyClock::now();
  while (!done.load()) {
    next += std::chrono::duration_cast<SteadyClock::duration>(interval);
    std::this_thread::sleep_until(next);
    if (!phone || (opts.sources && left == 0)) {
      const std::string source = opts.sources ? opts.sources->ForVoter(rng.Next()) : "";
      phone.reset();  // closes the last voter's connection before the next one opens
      phone = std::make_unique<HttpClient>(opts.target, opts.timeout, loop, source);
      left = rng.Chance(kSecondLookUpShare) ? 2 : 1;
    }
    --left;
    const bool by_epic = !epics.empty() && rng.Chance(0.5);
    const std::string path =
        by_epic ? "/api/v1/lookup?epic=" + epics[rng.Next() % epics.size()]
                : "/api/v1/stations/" + station_ids[rng.Next() % station_ids.size()];
    const auto t0 = SteadyClock::now();
    auto res = phone->Request("GET", path);
    ++c.lookups;
    if (!res.ok()) {
      ++c.lookups_failed;
      continue;
    }
    c.read_latency.Record(
        std::chrono::duration<double, std::milli>(SteadyClock::now() - t0).count());
    if (res->status == 200) {
      ++c.lookups_ok;
    } else if (res->status == 429) {
      ++c.lookups_throttled;
    } else if (res->status == 404) {
      ++c.lookups_not_found;
    } else {
      ++c.lookups_failed;
    }
    // Fall behind rather than burst to catch up after a slow answer.
    if (SteadyClock::now() > next + std::chrono::seconds(1)) next = SteadyClock::now();
  }
}

}  // namespace psm::sim
