// Writes a DemoDistrict as constituencies.csv, stations.csv and electors.csv in the formats of
// docs/data-formats.md, byte-for-byte the same for the same district.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "core/result.hpp"
#include "sim/demo_data.hpp"

namespace psm::sim {

struct DemoFiles {
  std::int64_t constituencies = 0;  // rows written
  std::int64_t stations = 0;
  std::int64_t electors = 0;
  std::uint64_t bytes = 0;  // of the three files together
};

// The whole of constituencies.csv / stations.csv for `district` (header included, LF endings).
std::string RenderConstituenciesCsv(const DemoDistrict& district);
std::string RenderStationsCsv(const DemoDistrict& district);

// Creates `dir` if needed and writes the three files into it. Each file is written to
// "<name>.tmp" and renamed when complete, so a failure never leaves a truncated file under the
// real name. Returns what was written, or kInvalid (dir is not a directory, cannot be created
// or is not writable) / kInternal (a write failed, e.g. disk full) with the path and reason.
// Blocks on file I/O; buffered in 1 MB chunks (about a second for the 1.65 M-row roll).
Result<DemoFiles> WriteDemoData(const DemoDistrict& district, const std::filesystem::path& dir);

}  // namespace psm::sim
