// Inputs the micro-benchmarks share: the demo district (the real district's shape), a station's
// status after a polling morning, and a check that stops the run when a measured path is broken.
#pragma once

#include <string_view>

#include "core/model.hpp"
#include "core/station_ledger.hpp"
#include "core/time.hpp"
#include "sim/demo_data.hpp"

namespace psm::microbench {

// The demo district of `psm demo-data --seed 1` at full scale (1,951 stations, 1,654,005
// electors), generated on first use. Not thread-safe on first use; benchmarks run on one thread.
const sim::DemoDistrict& District();

// The polling day the statuses are computed for (2026-11-30, IST) and a time on it.
PollingDay Day();
Instant Ist(int hour, int minute);

// `station`'s ledger after a morning of reports as an officer sends them, up to 11:00 IST (party
// arrived, mock poll, poll started at 07:00, a queue report every 10 minutes, hourly turnout).
StationLedger MorningLedger(const Station& station);
// What the station shows at 11:00 IST: MorningLedger(station)'s status, as the writer derives it.
StationStatus MorningStatus(const Station& station);

// Prints "microbench: broken: <what>" and exits with status 1 unless `ok`: a benchmark whose
// path fails must fail its run, not measure an error path.
void Require(bool ok, std::string_view what);

}  // namespace psm::microbench
