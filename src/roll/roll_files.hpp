// Readers that validate one roll file each (constituencies, stations, electors) into model rows.
// They never touch a store: ImportRoll decides what is known already and what gets written.
#pragma once

#include <cstdint>
#include <functional>
#include <unordered_set>
#include <vector>

#include "core/model.hpp"
#include "roll/csv_reader.hpp"
#include "roll/fields.hpp"

namespace psm::roll {

// Called while the elector file is read: bytes consumed, file size, data rows so far.
using ProgressFn =
    std::function<void(std::uint64_t bytes_done, std::uint64_t bytes_total, std::uint64_t rows)>;

// A station id as one number (AC * 10000 + part), for compact sets and maps.
inline std::uint32_t StationKey(const StationId& id) {
  return static_cast<std::uint32_t>(id.ac) * 10000u + static_cast<std::uint32_t>(id.part);
}
inline StationId StationFromKey(std::uint32_t key) {
  return StationId{static_cast<int>(key / 10000u), static_cast<int>(key % 10000u)};
}

// One elector row in 16 bytes, so 1.65 M of them sort quickly in little memory.
struct PackedElector {
  std::uint64_t epic = 0;     // PackEpic()
  std::uint32_t station = 0;  // StationKey()
  std::uint32_t line = 0;     // line in electors.csv
};

// Each reader consumes `reader` to the end (or to the first malformed record), adds every
// problem to `errors` and counts data rows in `rows`. The returned rows are complete and valid
// only when `errors.count()` is still 0 afterwards.

// constituencies.csv: ac, name, reserved, [district].
std::vector<Constituency> ReadConstituencies(CsvReader& reader, ErrorSink& errors,
                                             std::uint64_t& rows);

// stations.csv: station_id, ac, part, name, building, locality, lat, lon, electors_men,
// electors_women, electors_others. `known_acs` holds every AC the stations may refer to.
std::vector<Station> ReadStations(CsvReader& reader, const std::unordered_set<int>& known_acs,
                                  ErrorSink& errors, std::uint64_t& rows);

// electors.csv: epic, station_id (any other column is ignored). `known_stations` holds
// StationKey()s. Returns the rows sorted by EPIC; duplicates are reported. `progress` (may be
// empty) is called about every MiB and once more at the end with bytes_done == bytes_total.
std::vector<PackedElector> ReadElectors(CsvReader& reader,
                                        const std::unordered_set<std::uint32_t>& known_stations,
                                        const ProgressFn& progress, ErrorSink& errors,
                                        std::uint64_t& rows);

}  // namespace psm::roll
