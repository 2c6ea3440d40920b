// The simulator's voters: look-ups of their station at a steady rate, each voter a phone of its
// own (a fresh connection from an address of the range doing one or two look-ups).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "sim/sim_http_client.hpp"
#include "sim/sim_officer.hpp"
#include "sim/sim_source_range.hpp"

namespace psm::sim {

struct VoterOptions {
  HttpTarget target;
  std::chrono::milliseconds timeout{5000};
  double per_s = 20;  // look-ups per real second (> 0)
  // Where voters connect from: null = the kernel's choice, when all look-ups share one
  // keep-alive connection (one address looks like one proxy, not like many phones).
  const SourceAddresses* sources = nullptr;
  std::uint64_t seed = 1;
};

// Looks up stations by EPIC (half of the time, when `epics` is not empty) or by station id until
// `done`, counting into `c`. Blocks; run it on a thread of its own. The vectors and counters
// must outlive it.
void RunVoters(const VoterOptions& opts, const std::vector<std::string>& epics,
               const std::vector<std::string>& station_ids, SimCounters& c,
               const std::atomic<bool>& done);

}  // namespace psm::sim
