// What the simulator learns before the day starts: the district's clock and polling window, the
// stations, the officers' PINs and (optionally) EPICs to look up. Parsing only; no network.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "core/time.hpp"
#include "sim/sim_model.hpp"

namespace psm::sim {

struct DistrictInfo {
  Instant now;
  Instant opens;
  Instant closes;
  PollingDay day;  // date and UTC offset (for --until HH:MM)
};

// The body of GET /api/v1/district.
Result<DistrictInfo> ParseDistrict(const std::string& json);

struct StationInfo {
  std::string id;
  int ac = 0;
  GenderCounts electors;
};

// The body of GET /api/v1/stations.
Result<std::vector<StationInfo>> ParseStations(const std::string& json);

// A pins CSV (`station_id,pin` with that header line, as `psm admin issue-pins` writes it).
Result<std::map<std::string, std::string>> ReadPins(const std::string& path);

// EPICs of the given stations from an electors.csv (`epic,station_id,…`), at most `max` of them
// (a seeded uniform sample when there are more).
Result<std::vector<std::string>> ReadEpics(const std::string& path,
                                           const std::set<std::string>& stations, std::size_t max,
                                           std::uint64_t seed);

// "+05:30" → 330 minutes.
Result<std::chrono::minutes> ParseUtcOffset(const std::string& text);

}  // namespace psm::sim
